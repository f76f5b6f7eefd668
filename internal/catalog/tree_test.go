package catalog

import "testing"

func TestTree(t *testing.T) {
	t.Parallel()
	in := []Resource{
		{ID: "cie", ParentID: "anagrafe", Name: "Carta d'identità", Position: 1},
		{ID: "anagrafe", Name: "Anagrafe", Position: 1},
		{ID: "tour", Name: "Visita guidata", Position: 2},
		{ID: "cert", ParentID: "anagrafe", Name: "Certificati", Position: 0},
		{ID: "orphan", ParentID: "missing", Name: "Orfano", Position: 3},
	}
	got := Tree(in)
	want := []struct {
		id    string
		depth int
	}{{"anagrafe", 0}, {"cert", 1}, {"cie", 1}, {"tour", 0}, {"orphan", 0}}
	if len(got) != len(want) {
		t.Fatalf("got %d resources, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].ID != w.id || got[i].Depth != w.depth {
			t.Errorf("position %d: got %s@%d, want %s@%d", i, got[i].ID, got[i].Depth, w.id, w.depth)
		}
	}
}
