package api

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// A big Sync message goes in pieces of at most syncPiece changes, in
// order; the first keeps the reset and the settings, only the last has the
// cursor.
func TestSyncPieces(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		revs, pres int
		want       []int // changes per piece
	}{
		{"empty", 0, 0, []int{0}},
		{"within the limit", 400, syncPiece - 400, []int{syncPiece}},
		{"one over", 0, syncPiece + 1, []int{syncPiece, 1}},
		{"revocations then presences", syncPiece + 10, 2 * syncPiece, []int{syncPiece, syncPiece, syncPiece, 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := &varcov1.SyncResponse{Cursor: "v1:42", Reset_: true, Settings: &varcov1.GateSettings{Name: "Nord"}}
			var order []string
			for i := range tc.revs {
				id := fmt.Sprintf("r%d", i)
				m.Revocations = append(m.Revocations, &varcov1.Revocation{TicketId: id})
				order = append(order, id)
			}
			for i := range tc.pres {
				id := fmt.Sprintf("p%d", i)
				m.Presences = append(m.Presences, &varcov1.TicketPresence{TicketId: id})
				order = append(order, id)
			}
			ps := pieces(m)
			var sizes []int
			var got []string
			for i, p := range ps {
				sizes = append(sizes, len(p.Revocations)+len(p.Presences))
				for _, r := range p.Revocations {
					got = append(got, r.TicketId)
				}
				for _, pr := range p.Presences {
					got = append(got, pr.TicketId)
				}
				require.Equal(t, i == 0, p.Reset_, "reset on the first piece only")
				require.Equal(t, i == 0, p.Settings != nil, "settings on the first piece only")
				wantCursor := ""
				if i == len(ps)-1 {
					wantCursor = "v1:42"
				}
				require.Equal(t, wantCursor, p.Cursor, "the cursor on the last piece only")
			}
			require.Equal(t, tc.want, sizes)
			require.Equal(t, order, got)
		})
	}
}
