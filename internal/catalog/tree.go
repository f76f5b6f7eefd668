package catalog

import "sort"

// Tree orders resources depth-first (siblings by position, then name) and
// sets each one's Depth, so a flat list renders as an indented tree.
// Resources whose parent is not in the list are treated as roots, which
// keeps a filtered subtree displayable.
func Tree(resources []Resource) []Resource {
	byID := make(map[string]bool, len(resources))
	for _, r := range resources {
		byID[r.ID] = true
	}
	children := map[string][]Resource{}
	for _, r := range resources {
		parent := r.ParentID
		if !byID[parent] {
			parent = ""
		}
		children[parent] = append(children[parent], r)
	}
	for _, list := range children {
		sort.SliceStable(list, func(i, j int) bool {
			if list[i].Position != list[j].Position {
				return list[i].Position < list[j].Position
			}
			return list[i].Name < list[j].Name
		})
	}
	out := make([]Resource, 0, len(resources))
	var walk func(parent string, depth int)
	walk = func(parent string, depth int) {
		for _, r := range children[parent] {
			r.Depth = depth
			out = append(out, r)
			walk(r.ID, depth+1)
		}
	}
	walk("", 0)
	return out
}
