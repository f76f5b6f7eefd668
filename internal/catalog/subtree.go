package catalog

// Subtree returns the resource rootID and every resource below it, in the
// order of resources; nil when rootID is not among them. A parent link
// that loops (which the catalog refuses to store) cannot make it spin.
func Subtree(resources []Resource, rootID string) []Resource {
	children := map[string][]string{}
	found := false
	for _, r := range resources {
		children[r.ParentID] = append(children[r.ParentID], r.ID)
		found = found || r.ID == rootID
	}
	if !found {
		return nil
	}
	in := map[string]bool{rootID: true}
	for queue := []string{rootID}; len(queue) > 0; queue = queue[1:] {
		for _, c := range children[queue[0]] {
			if !in[c] {
				in[c] = true
				queue = append(queue, c)
			}
		}
	}
	out := make([]Resource, 0, len(in))
	for _, r := range resources {
		if in[r.ID] {
			out = append(out, r)
		}
	}
	return out
}
