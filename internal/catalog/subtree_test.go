package catalog

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSubtree(t *testing.T) {
	t.Parallel()
	in := []Resource{
		{ID: "anagrafe"}, {ID: "cie", ParentID: "anagrafe"}, {ID: "cert", ParentID: "anagrafe"},
		{ID: "cert-nascita", ParentID: "cert"}, {ID: "tour"}, {ID: "a", ParentID: "b"}, {ID: "b", ParentID: "a"},
	}
	ids := func(list []Resource) []string {
		var out []string
		for _, r := range list {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		root string
		want []string
	}{
		{"anagrafe", []string{"anagrafe", "cie", "cert", "cert-nascita"}},
		{"cert", []string{"cert", "cert-nascita"}},
		{"cie", []string{"cie"}},
		{"a", []string{"a", "b"}},
		{"missing", nil},
	} {
		require.Equal(t, tc.want, ids(Subtree(in, tc.root)), tc.root)
	}
}
