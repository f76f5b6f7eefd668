package api

import varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"

// syncPiece is the most ticket changes (revocations and presences) one
// Sync message carries. A snapshot of a big day (50,000 tickets) in one
// message is 4 MB on the wire and four times that decoded; a gate box
// holding it while writing its store peaked at nearly 90 MB. In pieces of
// this size it holds 100 KB at a time.
const syncPiece = 1000

// pieces splits a Sync message into messages of at most syncPiece ticket
// changes, in order. The first keeps everything else (reset, settings,
// keys, device revoked); only the last carries the cursor, so a device
// that stops half-way resumes from its previous cursor and is sent the
// rest again. A message within the limit is returned as it is.
func pieces(m *varcov1.SyncResponse) []*varcov1.SyncResponse {
	if len(m.Revocations)+len(m.Presences) <= syncPiece {
		return []*varcov1.SyncResponse{m}
	}
	cursor := m.Cursor
	revs, pres := m.Revocations, m.Presences
	out := []*varcov1.SyncResponse{}
	cur := m
	cur.Cursor, cur.Revocations, cur.Presences = "", nil, nil
	for len(revs)+len(pres) > 0 {
		if cur == nil {
			cur = &varcov1.SyncResponse{}
		}
		n := min(len(revs), syncPiece)
		cur.Revocations, revs = revs[:n:n], revs[n:]
		k := min(len(pres), syncPiece-n)
		cur.Presences, pres = pres[:k:k], pres[k:]
		out = append(out, cur)
		cur = nil
	}
	out[len(out)-1].Cursor = cursor
	return out
}
