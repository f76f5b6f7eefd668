package app_test

import (
	"context"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// Oversized lists and strings are refused at the edge as InvalidArgument
// naming the field, before they reach authorization or SQLite (32,763
// statuses used to be "too many SQL variables", an Internal error).
func TestRequestFieldLimits(t *testing.T) {
	t.Parallel()
	b, organizer := setupWithOrganizer(t)
	ctx := context.Background()
	admin := newAdminClient(b)

	statuses := make([]varcov1.BookingStatus, 32763)
	for i := range statuses {
		statuses[i] = varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED
	}
	_, err := admin.ListBookings(ctx, authBearer(&varcov1.ListBookingsRequest{OrganizationId: demo.ComuneID, Statuses: statuses}, organizer))
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%v", err)
	requireFieldViolation(t, err, "statuses")

	// Nested fields are named by their path; streams are checked too.
	_, err = admin.SetSchedule(ctx, authBearer(&varcov1.SetScheduleRequest{ResourceId: demo.TourID, Rules: []*varcov1.WeeklyRule{
		{Weekday: varcov1.Weekday_WEEKDAY_MONDAY, OperatorIds: make([]string, 101)}}}, organizer))
	requireFieldViolation(t, err, "rules[0].operator_ids")
	_, err = admin.UpdateResource(ctx, authBearer(&varcov1.UpdateResourceRequest{Resource: &varcov1.Resource{
		Id: demo.TourID, Description: strings.Repeat("a", 4001)}}, organizer))
	requireFieldViolation(t, err, "resource.description")
	stream, err := admin.ExportBookings(ctx, authBearer(&varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID,
		FromDate: strings.Repeat("2", 1001)}, organizer))
	require.NoError(t, err)
	require.False(t, stream.Receive())
	requireFieldViolation(t, stream.Err(), "from_date")
}
