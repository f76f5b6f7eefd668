package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// The audit trail is filtered by who acted, by action (exactly, or every
// action under a "booking." prefix) and by period, and the filters
// combine with paging.
func TestAuditTrailFilters(t *testing.T) {
	t.Parallel()
	b, organizer := setupWithOrganizer(t)
	ctx := context.Background()
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	people := registerCitizens(t, b, "AUF", 2)
	_, err := admin.GrantRole(ctx, authBearer(&varcov1.GrantRoleRequest{OrganizationId: demo.ComuneID, Login: people[1].cf,
		Kind: varcov1.StaffRoleKind_STAFF_ROLE_KIND_OPERATOR}, organizer))
	require.NoError(t, err)
	operator := people[1].token
	start := time.Now().Add(-time.Second)
	bk, _ := bookTour(t, people[0], tourSlot(t, b, time.Now(), 0), 1)

	for _, token := range []string{organizer, operator, operator} {
		_, err = admin.GetBookingDetails(ctx, authBearer(&varcov1.GetBookingDetailsRequest{BookingId: bk.GetId()}, token))
		require.NoError(t, err)
	}
	_, err = admin.CancelBookingAsOperator(ctx, authBearer(&varcov1.CancelBookingAsOperatorRequest{BookingId: bk.GetId(), Reason: "Maltempo"}, organizer))
	require.NoError(t, err)

	list := func(req *varcov1.ListAuditEventsRequest) []*varcov1.AuditEvent {
		t.Helper()
		req.OrganizationId = demo.ComuneID
		res, err := admin.ListAuditEvents(ctx, authBearer(req, organizer))
		require.NoError(t, err)
		return res.Msg.GetEvents()
	}
	actions := func(events []*varcov1.AuditEvent) []string {
		var out []string
		for _, e := range events {
			out = append(out, e.GetAction())
		}
		return out
	}
	mine := list(&varcov1.ListAuditEventsRequest{TargetId: bk.GetId()})
	require.Equal(t, []string{"AdminService.CancelBookingAsOperator", "booking.view", "booking.view"}, actions(mine),
		"the operator's second identical read is coalesced into the first")
	opID := mine[1].GetActor().GetId()
	require.NotEqual(t, mine[0].GetActor().GetId(), opID)

	byActor := list(&varcov1.ListAuditEventsRequest{ActorId: opID})
	require.NotEmpty(t, byActor)
	for _, e := range byActor {
		require.Equal(t, opID, e.GetActor().GetId())
	}
	require.Equal(t, []string{"booking.view"}, actions(list(&varcov1.ListAuditEventsRequest{ActorId: opID, Action: "booking.view"})))
	require.Equal(t, []string{"booking.view", "booking.view"}, actions(list(&varcov1.ListAuditEventsRequest{Action: "booking."})),
		"a prefix ending in a dot")
	require.Empty(t, list(&varcov1.ListAuditEventsRequest{Action: "booking"}), "without the dot, an exact match")

	require.Empty(t, list(&varcov1.ListAuditEventsRequest{Since: timestamppb.New(start.Add(-time.Hour)), Until: timestamppb.New(start)}),
		"nothing before the test began")
	page := list(&varcov1.ListAuditEventsRequest{Action: "booking.", PageSize: 1})
	require.Len(t, page, 1)

	_, err = admin.ListAuditEvents(ctx, authBearer(&varcov1.ListAuditEventsRequest{OrganizationId: demo.ComuneID,
		Since: timestamppb.New(start), Until: timestamppb.New(start)}, organizer))
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
	requireFieldViolation(t, err, "until")
}
