package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// Staff actions and staff reads of personal data land in the audit trail,
// which organizers read; citizens' own actions do not.
func TestAuditTrail(t *testing.T) {
	t.Parallel()
	b, organizer := setupWithOrganizer(t)
	ctx := context.Background()
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	p := registerCitizens(t, b, "AUD", 1)[0]
	slot := tourSlot(t, b, time.Now(), 0)
	h, err := p.hold(ctx, slot.GetStart(), 1)
	require.NoError(t, err)
	bk, err := p.confirm(ctx, h.GetId())
	require.NoError(t, err)

	_, err = admin.GetBookingDetails(ctx, authBearer(&varcov1.GetBookingDetailsRequest{BookingId: bk.GetId()}, organizer))
	require.NoError(t, err)
	_, err = admin.CancelBookingAsOperator(ctx, authBearer(&varcov1.CancelBookingAsOperatorRequest{BookingId: bk.GetId(), Reason: "Maltempo"}, organizer))
	require.NoError(t, err)
	_, err = admin.GetSchedule(ctx, authBearer(&varcov1.GetScheduleRequest{ResourceId: demo.TourID}, organizer))
	require.NoError(t, err)

	trail, err := admin.ListAuditEvents(ctx, authBearer(&varcov1.ListAuditEventsRequest{OrganizationId: demo.ComuneID, TargetId: bk.GetId()}, organizer))
	require.NoError(t, err)
	var actions []string
	for _, e := range trail.Msg.GetEvents() {
		actions = append(actions, e.GetAction())
		require.Equal(t, "booking", e.GetTargetType())
		require.Equal(t, varcov1.PrincipalKind_PRINCIPAL_KIND_STAFF, e.GetActor().GetKind())
		require.NotEmpty(t, e.GetActor().GetId())
	}
	require.Equal(t, []string{"AdminService.CancelBookingAsOperator", "booking.view"}, actions, "newest first; the read is recorded as an access")

	all, err := admin.ListAuditEvents(ctx, authBearer(&varcov1.ListAuditEventsRequest{OrganizationId: demo.ComuneID, PageSize: 1}, organizer))
	require.NoError(t, err)
	require.Len(t, all.Msg.GetEvents(), 1)
	require.NotEmpty(t, all.Msg.GetNextPageToken())
	next, err := admin.ListAuditEvents(ctx, authBearer(&varcov1.ListAuditEventsRequest{OrganizationId: demo.ComuneID, PageSize: 10,
		PageToken: all.Msg.GetNextPageToken()}, organizer))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(next.Msg.GetEvents()), 2, "the booking's two events and the schedule read")

	// Citizens read nothing of it.
	_, err = admin.ListAuditEvents(ctx, authBearer(&varcov1.ListAuditEventsRequest{OrganizationId: demo.ComuneID}, p.token))
	require.Error(t, err)
}

// An agenda left open refreshes every 10 s: identical reads by the same
// account within api.ReadCoalesceWindow are one event, and the next event
// of the same read counts them; another period or another account is
// another read, and exports are never coalesced.
func TestAuditCoalescesRepeatedReads(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	clk := clock.NewFake(start)
	b := setupWith(t, clk)
	_, organizer := bootstrapOrganizer(t, b)
	ctx := context.Background()
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	week := &varcov1.ListBookingsRequest{OrganizationId: demo.ComuneID, ResourceId: demo.TourID, FromDate: "2026-03-09", ToDate: "2026-03-15"}
	views := func() []*varcov1.AuditEvent {
		t.Helper()
		res, err := admin.ListAuditEvents(ctx, authBearer(&varcov1.ListAuditEventsRequest{OrganizationId: demo.ComuneID, PageSize: 500}, organizer))
		require.NoError(t, err)
		var out []*varcov1.AuditEvent
		for _, e := range res.Msg.GetEvents() {
			if e.GetAction() == "calendar.view" {
				out = append(out, e)
			}
		}
		return out
	}

	for range 30 { // five minutes of an open agenda
		_, err := admin.ListBookings(ctx, authBearer(week, organizer))
		require.NoError(t, err)
		clk.Advance(10 * time.Second)
	}
	got := views()
	require.Len(t, got, 1, "one event for five minutes of refreshes")
	require.Equal(t, "resource", got[0].GetTargetType())
	require.Empty(t, got[0].GetDetail())

	// Another week is another read.
	_, err := admin.ListBookings(ctx, authBearer(&varcov1.ListBookingsRequest{OrganizationId: demo.ComuneID, ResourceId: demo.TourID,
		FromDate: "2026-03-16", ToDate: "2026-03-22"}, organizer))
	require.NoError(t, err)
	require.Len(t, views(), 2)
	clk.Advance(time.Second)

	// Past the window the same read is recorded again, with the repeats
	// the first record stood for.
	_, err = admin.ListBookings(ctx, authBearer(week, organizer))
	require.NoError(t, err)
	got = views()
	require.Len(t, got, 3)
	require.Equal(t, "repeats=29 since="+start.Format(time.RFC3339), got[0].GetDetail(), "newest first")
}
