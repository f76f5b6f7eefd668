package scanner

import (
	"bytes"
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/ticket"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// t0 is the start of a guided tour; its tickets are valid from an hour
// before to two hours after, with a 90-minute stay.
var t0 = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)

const (
	tourID      = "5adb7f79-f5d3-5abf-b860-a5f9b3dce0ee"
	boatID      = "0b8f5c3e-7a2d-4c1e-9f6b-2d4e8a1c3b5f"
	credential  = "device-credential-do-not-log"
	testGateDev = "6f1d2c3b-4a59-4e7d-8c1b-0a9e8d7c6b5a"
)

func testKey(t testing.TB, seed byte) ticket.Key {
	t.Helper()
	k, err := ticket.KeyFromSeed(bytes.Repeat([]byte{seed}, 32), t0.Add(-24*time.Hour))
	require.NoError(t, err)
	return k
}

// sign returns a payload for a fresh ticket of resource.
func sign(t testing.TB, k ticket.Key, resource string) (payload, ticketID string) {
	t.Helper()
	ticketID = uuid.NewString()
	payload, err := ticket.Claims{TicketID: ticketID, ResourceID: resource, ValidFrom: t0.Add(-time.Hour),
		ValidUntil: t0.Add(2 * time.Hour), MaxStay: 90 * time.Minute, Seats: 2}.Encode(k)
	require.NoError(t, err)
	return payload, ticketID
}

func publicKeys(keys ...ticket.Key) []PublicKey {
	out := make([]PublicKey, len(keys))
	for i, k := range keys {
		out[i] = PublicKey{ID: k.ID, Public: k.Public, RetiredAt: k.RetiredAt}
	}
	return out
}

// newStore returns an enrolled store for a two-way gate of the tour,
// knowing keys.
func newStore(t testing.TB, dir gate.GateDirection, keys ...ticket.Key) *Store {
	t.Helper()
	st, err := Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	st.Update(func(s *State) {
		s.ServerURL = "http://127.0.0.1:1"
		s.Credential = credential
		s.Settings = Settings{DeviceID: testGateDev, Name: "Ingresso", ResourceIDs: []string{tourID}, Direction: dir}
		s.Keys = publicKeys(keys...)
	})
	require.NoError(t, st.Save())
	return st
}

// fakeGate is a server that the test scripts; by default it is
// unreachable.
type fakeGate struct {
	mu      sync.Mutex
	scan    func(*varcov1.ScanRequest) (*varcov1.ScanResponse, error)
	upload  func(*varcov1.UploadScansRequest) (*varcov1.UploadScansResponse, error)
	sync    func(ctx context.Context, fn func(*varcov1.SyncResponse) error) error
	uploads []*varcov1.UploadScansRequest
	syncs   []string // cursors
}

var errUnreachable = connect.NewError(connect.CodeUnavailable, nil)

func (f *fakeGate) Scan(_ context.Context, req *varcov1.ScanRequest) (*varcov1.ScanResponse, error) {
	f.mu.Lock()
	fn := f.scan
	f.mu.Unlock()
	if fn == nil {
		return nil, errUnreachable
	}
	return fn(req)
}

func (f *fakeGate) UploadScans(_ context.Context, req *varcov1.UploadScansRequest) (*varcov1.UploadScansResponse, error) {
	f.mu.Lock()
	f.uploads = append(f.uploads, req)
	fn := f.upload
	f.mu.Unlock()
	if fn == nil {
		return nil, errUnreachable
	}
	return fn(req)
}

func (f *fakeGate) Sync(ctx context.Context, req *varcov1.SyncRequest, fn func(*varcov1.SyncResponse) error) error {
	f.mu.Lock()
	f.syncs = append(f.syncs, req.GetCursor())
	s := f.sync
	f.mu.Unlock()
	if s == nil {
		return errUnreachable
	}
	return s(ctx, fn)
}

func (f *fakeGate) set(fn func(f *fakeGate)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

// recordAll answers every uploaded scan RECORDED.
func recordAll(req *varcov1.UploadScansRequest) (*varcov1.UploadScansResponse, error) {
	res := &varcov1.UploadScansResponse{}
	for _, s := range req.GetScans() {
		res.Results = append(res.Results, &varcov1.UploadResult{ScanId: s.GetScanId(), Outcome: varcov1.UploadOutcome_UPLOAD_OUTCOME_RECORDED})
	}
	return res, nil
}

func newTestScanner(st *Store, g Gate, clk clock.Clock) *Scanner {
	return New(Config{Store: st, Gate: g, Clock: clk, Rand: func() float64 { return 0 }})
}

// queueOf reads the first n queued scans (all for 0).
func queueOf(t testing.TB, st *Store, n int) []QueuedScan {
	t.Helper()
	q, err := st.Queue(n)
	require.NoError(t, err)
	return q
}

// editDB changes a closed store's database directly, as damage or a hand
// edit would.
func editDB(t *testing.T, dir string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(filepath.Join(dir, DBFile), 0o600, nil)
	require.NoError(t, err)
	require.NoError(t, db.Update(fn))
	require.NoError(t, db.Close())
}
