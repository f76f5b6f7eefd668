package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

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
