package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// receiveUntil reads the stream until ok says the message is the awaited
// one; the stream's own deadline bounds the wait.
func receiveUntil[T any](t *testing.T, s *connect.ServerStreamForClient[T], ok func(*T) bool) *T {
	t.Helper()
	for s.Receive() {
		if ok(s.Msg()) {
			return s.Msg()
		}
	}
	t.Fatalf("stream ended: %v", s.Err())
	return nil
}

// A scanner's Sync stream delivers keys and settings first, then the scans
// made at other gates and the revocations, and finally its own revocation.
func TestSyncAndOccupancyStreams(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, organizer := bootstrapOrganizer(t, b)
	watcher := enrollGate(t, b, organizer, "Cortile", varcov1.GateDirection_GATE_DIRECTION_BOTH)
	gateA := scanner{enrollGate(t, b, organizer, "Ingresso", varcov1.GateDirection_GATE_DIRECTION_BOTH), varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)}
	gateClient := varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)

	sync, err := gateClient.Sync(ctx, authBearer(&varcov1.SyncRequest{}, watcher))
	require.NoError(t, err)
	first := receiveUntil(t, sync, func(*varcov1.SyncResponse) bool { return true })
	require.True(t, first.GetReset_())
	require.Equal(t, "Cortile", first.GetSettings().GetName())
	require.Len(t, first.GetKeys(), 1)
	require.Len(t, first.GetKeys()[0].GetPublicKey(), 32)
	require.NotEmpty(t, first.GetCursor())

	occ, err := varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL).WatchOccupancy(ctx,
		authBearer(&varcov1.WatchOccupancyRequest{ResourceIds: []string{demo.TourID}}, organizer))
	require.NoError(t, err)

	p := registerCitizens(t, b, "SYN", 1)[0]
	slot := tourSlot(t, b, clk.Now(), 0)
	var payloads []string
	var bookings []string
	for range 2 {
		h, err := p.hold(ctx, slot.GetStart(), 2)
		require.NoError(t, err)
		bk, err := p.confirm(ctx, h.GetId())
		require.NoError(t, err)
		tk, err := p.booking.GetTicket(ctx, authBearer(&varcov1.GetTicketRequest{BookingId: bk.GetId()}, p.token))
		require.NoError(t, err)
		payloads, bookings = append(payloads, tk.Msg.GetTickets()[0].GetPayload()), append(bookings, bk.GetId())
	}
	clk.Set(slot.GetStart().AsTime().Add(-3 * time.Hour)) // cancel before the cut-off
	_, err = p.booking.CancelBooking(ctx, authBearer(&varcov1.CancelBookingRequest{BookingId: bookings[1]}, p.token))
	require.NoError(t, err)
	rev := receiveUntil(t, sync, func(m *varcov1.SyncResponse) bool { return len(m.GetRevocations()) > 0 })
	require.Equal(t, "cancelled", rev.GetRevocations()[0].GetReason())

	// The day of the tour.
	clk.Set(slot.GetStart().AsTime().Add(-5 * time.Minute))
	v := gateA.scan(t, uuid.NewString(), payloads[0], entry)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, v.GetVerdict())

	inside := receiveUntil(t, sync, func(m *varcov1.SyncResponse) bool { return len(m.GetPresences()) > 0 })
	require.Equal(t, varcov1.TicketState_TICKET_STATE_INSIDE, inside.GetPresences()[0].GetState(),
		"the entry at another gate reaches this scanner (anti-passback offline)")
	require.Equal(t, v.GetExpiresAt().AsTime(), inside.GetPresences()[0].GetExpiresAt().AsTime())

	counts := receiveUntil(t, occ, func(m *varcov1.WatchOccupancyResponse) bool {
		return len(m.GetOccupancy()) > 0 && m.GetOccupancy()[0].GetInside() == 2
	})
	require.Equal(t, int32(2), counts.GetOccupancy()[0].GetBooked(), "the cancelled booking's seats no longer count")
	require.Equal(t, int32(2), counts.GetOccupancy()[0].GetEntries())

	// Resuming from the cursor does not replay the snapshot.
	sync2, err := gateClient.Sync(ctx, authBearer(&varcov1.SyncRequest{Cursor: inside.GetCursor()}, watcher))
	require.NoError(t, err)
	resumed := receiveUntil(t, sync2, func(*varcov1.SyncResponse) bool { return true })
	require.False(t, resumed.GetReset_())

	list, err := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL).ListDevices(ctx,
		authBearer(&varcov1.ListDevicesRequest{OrganizationId: demo.ComuneID}, organizer))
	require.NoError(t, err)
	for _, d := range list.Msg.GetDevices() {
		if d.GetName() == "Cortile" {
			_, err = varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL).RevokeDevice(ctx,
				authBearer(&varcov1.RevokeDeviceRequest{DeviceId: d.GetId()}, organizer))
			require.NoError(t, err)
		}
	}
	receiveUntil(t, sync2, func(m *varcov1.SyncResponse) bool { return m.GetDeviceRevoked() })
}
