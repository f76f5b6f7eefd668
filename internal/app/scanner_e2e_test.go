package app_test

import (
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/gate"
	device "github.com/varco-gate/varco/internal/scanner"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// link is a gate device's network: it dials the server, or a closed port
// once cut, so one device can lose the server while the shared server keeps
// serving everyone else.
type link struct {
	server, dead string
	cut          atomic.Bool
	transport    *http.Transport

	mu    sync.Mutex
	conns map[net.Conn]bool
}

func newLink(t *testing.T, server string) *link {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there any more
	l := &link{server: server, dead: dead, conns: map[net.Conn]bool{}}
	var d net.Dialer
	l.transport = &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		if l.cut.Load() {
			return d.DialContext(ctx, network, l.dead)
		}
		c, err := d.DialContext(ctx, network, l.server)
		if err == nil {
			l.mu.Lock()
			l.conns[c] = true
			l.mu.Unlock()
		}
		return c, err
	}}
	t.Cleanup(l.transport.CloseIdleConnections)
	return l
}

func (l *link) client() *http.Client { return &http.Client{Transport: l.transport} }

// setCut cuts or restores the link; pooled and open connections (a Sync
// stream) go too, as they would when a cable is pulled.
func (l *link) setCut(cut bool) {
	l.cut.Store(cut)
	l.transport.CloseIdleConnections()
	if cut {
		l.mu.Lock()
		defer l.mu.Unlock()
		for c := range l.conns {
			_ = c.Close()
		}
		clear(l.conns)
	}
}

type gateDevice struct {
	sc   *device.Scanner
	st   *device.Store
	link *link
}

// enrollDevice has the organizer create an enrollment code and lets the
// scanner program redeem it, as `scanner enroll` does.
func enrollDevice(t *testing.T, b *bundle, organizer, name string, dir varcov1.GateDirection, clk clock.Clock) *gateDevice {
	t.Helper()
	ctx := context.Background()
	code, err := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL).CreateDeviceEnrollment(ctx,
		authBearer(&varcov1.CreateDeviceEnrollmentRequest{OrganizationId: demo.ComuneID, Name: name,
			ResourceIds: []string{demo.TourID}, Direction: dir}, organizer))
	require.NoError(t, err)
	st, err := device.Open(t.TempDir())
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, st.Close()) })
	l := newLink(t, b.addr)
	settings, err := device.Enroll(ctx, l.client(), st, b.baseURL, code.Msg.GetEnrollmentCode(), "test handheld", clk.Now())
	require.NoError(t, err)
	require.Equal(t, name, settings.Name)
	require.Equal(t, []string{demo.TourID}, settings.ResourceIDs)
	require.Equal(t, gate.GateDirection(dir), settings.Direction)
	require.Equal(t, "Europe/Rome", settings.TimeZone, "the zone of the tour's place, for the times on the display")
	sc := device.New(device.Config{Store: st, Gate: device.NewRemote(l.client(), st.State().ServerURL, st.Credential, "it"), Clock: clk})
	return &gateDevice{sc: sc, st: st, link: l}
}

func (d *gateDevice) scan(t *testing.T, line string, def gate.Direction) device.Result {
	t.Helper()
	payload, dir := device.ParseLine(line, def)
	r, err := d.sc.Decide(context.Background(), payload, dir)
	require.NoError(t, err)
	return r
}

// Two scanner instances against a real server: entry at A, anti-passback
// refusal at B, exit at B, all decided online, and Sync fills both local
// stores. Then both lose the server;
// a second ticket enters at both (each accepts it, knowing nothing of the
// other), the scans are queued, and on reconnect they are uploaded once:
// one recorded, one conflict for the organizers.
func TestScannerProgramEndToEnd(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	a := enrollDevice(t, b, organizer, "Ingresso", varcov1.GateDirection_GATE_DIRECTION_ENTRY, clk)
	bb := enrollDevice(t, b, organizer, "Cortile", varcov1.GateDirection_GATE_DIRECTION_BOTH, clk)

	p := registerCitizens(t, b, "SCP", 1)[0]
	slot := tourSlot(t, b, clk.Now(), 0)
	payloadOf := func(seats int32) string {
		t.Helper()
		h, err := p.hold(ctx, slot.GetStart(), seats)
		require.NoError(t, err)
		bk, err := p.confirm(ctx, h.GetId())
		require.NoError(t, err)
		tk, err := p.booking.GetTicket(ctx, authBearer(&varcov1.GetTicketRequest{BookingId: bk.GetId()}, p.token))
		require.NoError(t, err)
		return tk.Msg.GetTickets()[0].GetPayload()
	}
	first, second := payloadOf(2), payloadOf(1)

	// Online: the server is the one source of truth across gates.
	clk.Set(slot.GetStart().AsTime().Add(-10 * time.Minute))
	r := a.scan(t, first+"\r\n", gate.Entry)
	require.True(t, r.Online)
	firstID := r.TicketID
	require.Equal(t, gate.Accepted, r.Verdict)
	require.Equal(t, 2, r.Seats)
	require.Equal(t, 90*time.Minute, r.TimeLeft)
	require.Equal(t, "OK  ENTRATA  2 posti  tempo rimasto 1h30m", device.Italian.Line(r, time.Local))
	r = bb.scan(t, "E:"+first, gate.Entry)
	require.True(t, r.Online)
	require.Equal(t, gate.ReasonAlreadyInside, r.Reason, "anti-passback across gates")
	clk.Advance(20 * time.Minute)
	r = bb.scan(t, "U:"+first, gate.Entry)
	require.True(t, r.Online)
	require.Equal(t, gate.Accepted, r.Verdict, "exit at B")
	require.Zero(t, a.st.QueueLen()+bb.st.QueueLen())

	// While online, each device follows GateService.Sync: the snapshot
	// brings the public keys it needs to verify tickets offline, and the
	// scans at the other gate (A learns that B closed the first ticket).
	for _, d := range []*gateDevice{a, bb} {
		sctx, stop := context.WithCancel(ctx)
		err := d.sc.SyncOnce(sctx, stop) // stop after the snapshot
		require.Error(t, sctx.Err(), "the snapshot arrived: %v", err)
		stop()
		st := d.st.State()
		require.NotEmpty(t, st.Keys)
		require.NotEmpty(t, st.Cursor)
	}
	_, seen := a.st.Lookup(firstID)
	require.Equal(t, gate.Exited, seen.State, "A knows of the exit at B")

	// The server becomes unreachable for both devices (not for anyone
	// else).
	a.link.setCut(true)
	bb.link.setCut(true)

	clk.Advance(time.Minute)
	atA := a.scan(t, second, gate.Entry)
	require.False(t, atA.Online)
	require.Equal(t, gate.Accepted, atA.Verdict)
	require.True(t, atA.Queued)
	clk.Advance(time.Minute)
	atB := bb.scan(t, "E:"+second, gate.Entry)
	require.False(t, atB.Online)
	require.Equal(t, gate.Accepted, atB.Verdict, "B cannot know the ticket entered at A")
	require.Equal(t, 1, a.st.QueueLen())
	require.Equal(t, 1, bb.st.QueueLen())
	_, err := a.sc.FlushOnce(ctx)
	require.Error(t, err, "still unreachable")
	require.Equal(t, 1, a.st.QueueLen(), "kept for the next try")

	// Reconnect and flush.
	a.link.setCut(false)
	bb.link.setCut(false)
	clk.Advance(10 * time.Minute)
	repA, err := a.sc.FlushOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, repA.Uploaded)
	require.Equal(t, 1, repA.Recorded)
	repB, err := bb.sc.FlushOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, repB.Conflicts)
	require.Equal(t, varcov1.UploadOutcome_UPLOAD_OUTCOME_CONFLICT, repB.Results[0].GetOutcome())
	require.Equal(t, varcov1.ScanReason_SCAN_REASON_ALREADY_INSIDE, repB.Results[0].GetServerVerdict().GetReason())
	require.Zero(t, a.st.QueueLen()+bb.st.QueueLen())
	for _, d := range []*gateDevice{a, bb} {
		again, err := d.sc.FlushOnce(ctx)
		require.NoError(t, err)
		require.Zero(t, again.Uploaded, "uploaded once")
	}

	conflicts, err := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL).ListScanConflicts(ctx,
		authBearer(&varcov1.ListScanConflictsRequest{OrganizationId: demo.ComuneID}, organizer))
	require.NoError(t, err)
	require.Len(t, conflicts.Msg.GetConflicts(), 1)
	require.Equal(t, atB.ScanID, conflicts.Msg.GetConflicts()[0].GetScanId())

	// Back online, the server knows the offline entry.
	r = a.scan(t, second, gate.Entry)
	require.True(t, r.Online)
	require.Equal(t, gate.ReasonAlreadyInside, r.Reason)
}
