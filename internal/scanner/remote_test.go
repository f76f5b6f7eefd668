package scanner

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/ticket"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// gateServer is a GateService with Enroll and Sync, recording the
// Authorization headers it sees; everything else is Unimplemented.
type gateServer struct {
	varcov1connect.UnimplementedGateServiceHandler
	key   ticket.Key
	mu    sync.Mutex
	auths []string
}

func (g *gateServer) Enroll(_ context.Context, req *connect.Request[varcov1.EnrollRequest]) (*connect.Response[varcov1.EnrollResponse], error) {
	if req.Msg.GetEnrollmentCode() != "KM7R-4TXA" {
		return nil, connect.NewError(connect.CodeNotFound, nil)
	}
	return connect.NewResponse(&varcov1.EnrollResponse{Credential: credential, Settings: &varcov1.GateSettings{
		DeviceId: testGateDev, Name: "Ingresso nord", ResourceIds: []string{tourID}, Direction: varcov1.GateDirection_GATE_DIRECTION_ENTRY}}), nil
}

func (g *gateServer) Sync(_ context.Context, req *connect.Request[varcov1.SyncRequest], stream *connect.ServerStream[varcov1.SyncResponse]) error {
	g.mu.Lock()
	g.auths = append(g.auths, req.Header().Get("Authorization"))
	g.mu.Unlock()
	k := g.key
	if err := stream.Send(&varcov1.SyncResponse{Cursor: "c1", Reset_: true, Keys: []*varcov1.TicketKey{{KeyId: k.ID, PublicKey: k.Public}}}); err != nil {
		return err
	}
	return stream.Send(&varcov1.SyncResponse{Cursor: "c2", Revocations: []*varcov1.Revocation{{TicketId: "t-gone"}}})
}

// Enrollment stores the credential; Sync, over a real Connect stream,
// carries it as a bearer token and fills the store; a scan the server
// cannot decide (Unimplemented here) is decided offline.
func TestRemoteEnrollSyncAndFallback(t *testing.T) {
	t.Parallel()
	h := &gateServer{key: testKey(t, 3)}
	mux := http.NewServeMux()
	mux.Handle(varcov1connect.NewGateServiceHandler(h))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	st, err := Open(t.TempDir())
	require.NoError(t, err)
	defer st.Close()
	ctx := context.Background()
	_, err = Enroll(ctx, srv.Client(), st, srv.URL+"/", "WRONG", "test", t0)
	require.Equal(t, connect.CodeNotFound, connect.CodeOf(err))
	_, err = Enroll(ctx, srv.Client(), st, "ftp://example.org", "KM7R-4TXA", "test", t0)
	require.Error(t, err)
	settings, err := Enroll(ctx, srv.Client(), st, srv.URL+"/", " KM7R-4TXA ", "test", t0)
	require.NoError(t, err)
	require.Equal(t, "Ingresso nord", settings.Name)
	require.Equal(t, gate.GateEntry, settings.Direction)
	require.Equal(t, srv.URL, st.State().ServerURL)
	require.True(t, st.Enrolled())
	_, err = Enroll(ctx, srv.Client(), st, srv.URL, "KM7R-4TXA", "test", t0)
	require.ErrorIs(t, err, ErrAlreadyEnrolled)

	s := New(Config{Store: st, Gate: NewRemote(srv.Client(), srv.URL, st.Credential, "it"), Clock: clock.NewFake(t0)})
	require.NoError(t, s.SyncOnce(ctx, nil))
	h.mu.Lock()
	require.Equal(t, []string{"Bearer " + credential}, h.auths)
	h.mu.Unlock()
	require.Equal(t, "c2", st.Cursor())
	_, ok := st.Get(h.key.ID)
	require.True(t, ok)
	revoked, _ := st.Lookup("t-gone")
	require.True(t, revoked)

	payload, _ := sign(t, h.key, tourID)
	r, err := s.Decide(ctx, payload, gate.Entry)
	require.NoError(t, err)
	require.False(t, r.Online, "Scan is Unimplemented on this server")
	require.Equal(t, gate.Accepted, r.Verdict)
	_, err = s.FlushOnce(ctx)
	require.Equal(t, connect.CodeUnimplemented, connect.CodeOf(err))
	require.Equal(t, 1, st.QueueLen())
}
