package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// slotKeys reduces a grid to "date start state seats" lines, what a
// citizen sees of it.
func slotKeys(days []*varcov1.Day) []string {
	var out []string
	for _, d := range days {
		if d.GetClosedReason() != "" {
			out = append(out, d.GetDate()+" closed "+d.GetClosedReason())
		}
		for _, s := range d.GetSlots() {
			out = append(out, fmt.Sprintf("%s %s-%s %s %d/%d", d.GetDate(), s.GetLocalStart(), s.GetLocalEnd(), s.GetState(), s.GetSeatsLeft(), s.GetSeatsTotal()))
		}
	}
	return out
}

// PreviewSchedule shows the grid and the stranded bookings of a proposed
// schedule without saving it; once saved, GetAvailability returns exactly
// that grid and SetSchedule reports the same stranded booking.
func TestPreviewScheduleMatchesTheSavedGrid(t *testing.T) {
	t.Parallel()
	b, organizer := setupWithOrganizer(t)
	ctx := context.Background()
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	cat := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL)
	mario := registerCitizens(t, b, "PRV", 1)[0]

	// A booking on an afternoon the proposal drops.
	res, err := cat.GetResource(ctx, connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: demo.CIEID}))
	require.NoError(t, err)
	slot := schedAfternoonSlot(t, b)
	hold, err := mario.booking.HoldSlots(ctx, authBearer(&varcov1.HoldSlotsRequest{ResourceId: demo.CIEID, SlotStart: slot.GetStart()}, mario.token))
	require.NoError(t, err)
	conf, err := mario.booking.ConfirmBooking(ctx, authBearer(&varcov1.ConfirmBookingRequest{
		HoldId: hold.Msg.GetHold().GetId(), IdempotencyKey: uuid.NewString(),
		Consents:           []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY},
		AcknowledgementIds: []string{res.Msg.GetResource().GetAcknowledgements()[0].GetId()},
	}, mario.token))
	require.NoError(t, err)

	rome := admRome(t)
	day := slot.GetStart().AsTime().In(rome)
	from := day.AddDate(0, 0, -int((day.Weekday()+6)%7)).Format(time.DateOnly) // Monday of the booking's week
	to := day.AddDate(0, 0, 6-int((day.Weekday()+6)%7)).Format(time.DateOnly)
	// The Wednesday of that week closes; the rest is mornings only.
	closed := day.AddDate(0, 0, 2-int((day.Weekday()+6)%7)).Format(time.DateOnly)
	var rules []*varcov1.WeeklyRule
	for wd := varcov1.Weekday_WEEKDAY_MONDAY; wd <= varcov1.Weekday_WEEKDAY_FRIDAY; wd++ {
		rules = append(rules, &varcov1.WeeklyRule{Weekday: wd, StartTime: "09:00", EndTime: "11:00", SlotLength: durationpb.New(20 * time.Minute)})
	}
	before, err := admin.GetSchedule(ctx, authBearer(&varcov1.GetScheduleRequest{ResourceId: demo.CIEID}, organizer))
	require.NoError(t, err)
	excs := append([]*varcov1.ScheduleException(nil), before.Msg.GetSchedule().GetExceptions()...)
	closure := &varcov1.ScheduleException{Kind: varcov1.ExceptionKind_EXCEPTION_KIND_CLOSURE, StartDate: closed, Reason: "Inventario"}
	excs = append(excs, closure)

	prev, err := admin.PreviewSchedule(ctx, authBearer(&varcov1.PreviewScheduleRequest{ResourceId: demo.CIEID,
		Rules: rules, Exceptions: excs, FromDate: from, ToDate: to}, organizer))
	require.NoError(t, err)
	preview := slotKeys(prev.Msg.GetGrid().GetDays())
	require.Contains(t, preview, closed+" closed Inventario")
	require.Len(t, prev.Msg.GetStrandedBookings(), 1)
	require.Equal(t, conf.Msg.GetBooking().GetId(), prev.Msg.GetStrandedBookings()[0].GetId())
	require.Equal(t, "Europe/Rome", prev.Msg.GetGrid().GetTimeZone())

	// The stranded bookings name people: the preview is a recorded read.
	trail, err := admin.ListAuditEvents(ctx, authBearer(&varcov1.ListAuditEventsRequest{OrganizationId: demo.ComuneID, PageSize: 500}, organizer))
	require.NoError(t, err)
	var recorded bool
	for _, e := range trail.Msg.GetEvents() {
		recorded = recorded || (e.GetAction() == "schedule.preview" && e.GetTargetId() == demo.CIEID)
	}
	require.True(t, recorded, "PreviewSchedule is in the audit trail as a read")

	// Nothing was saved.
	after, err := admin.GetSchedule(ctx, authBearer(&varcov1.GetScheduleRequest{ResourceId: demo.CIEID}, organizer))
	require.NoError(t, err)
	require.Len(t, after.Msg.GetSchedule().GetRules(), len(before.Msg.GetSchedule().GetRules()))
	require.Len(t, after.Msg.GetSchedule().GetExceptions(), len(before.Msg.GetSchedule().GetExceptions()))

	// Saved: the citizens' grid is the preview, and the same booking is
	// reported stranded.
	set, err := admin.SetSchedule(ctx, authBearer(&varcov1.SetScheduleRequest{ResourceId: demo.CIEID, Rules: rules}, organizer))
	require.NoError(t, err)
	require.Len(t, set.Msg.GetStrandedBookings(), 1)
	_, err = admin.AddScheduleException(ctx, authBearer(&varcov1.AddScheduleExceptionRequest{ResourceId: demo.CIEID, Exception: closure}, organizer))
	require.NoError(t, err)
	grid, err := cat.GetAvailability(ctx, connect.NewRequest(&varcov1.GetAvailabilityRequest{ResourceId: demo.CIEID, FromDate: from, ToDate: to}))
	require.NoError(t, err)
	require.Equal(t, preview, slotKeys(grid.Msg.GetDays()))
}

// PreviewSchedule is the organizer's: operators, citizens and anonymous
// callers are refused; its fields are validated and named.
func TestPreviewScheduleAccessAndValidation(t *testing.T) {
	t.Parallel()
	b, organizer := setupWithOrganizer(t)
	ctx := context.Background()
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	people := registerCitizens(t, b, "PRA", 2)
	operator, citizen := people[0], people[1]
	_, err := admin.GrantRole(ctx, authBearer(&varcov1.GrantRoleRequest{OrganizationId: demo.ComuneID, Login: operator.cf,
		Kind: varcov1.StaffRoleKind_STAFF_ROLE_KIND_OPERATOR, ResourceIds: []string{demo.CIEID}}, organizer))
	require.NoError(t, err)

	today := time.Now().In(admRome(t)).Format(time.DateOnly)
	rule := &varcov1.WeeklyRule{Weekday: varcov1.Weekday_WEEKDAY_MONDAY, StartTime: "09:00", EndTime: "12:00", SlotLength: durationpb.New(15 * time.Minute)}
	ok := &varcov1.PreviewScheduleRequest{ResourceId: demo.CIEID, Rules: []*varcov1.WeeklyRule{rule}, FromDate: today}

	for _, tc := range []struct {
		name, token string
		code        connect.Code
	}{
		{"anonymous", "", connect.CodeUnauthenticated},
		{"citizen", citizen.token, connect.CodePermissionDenied},
		{"operator of the service", operator.token, connect.CodePermissionDenied},
	} {
		req := connect.NewRequest(ok)
		if tc.token != "" {
			req = authBearer(ok, tc.token)
		}
		_, err := admin.PreviewSchedule(ctx, req)
		require.Equal(t, tc.code, connect.CodeOf(err), tc.name)
	}
	_, err = admin.PreviewSchedule(ctx, authBearer(ok, organizer))
	require.NoError(t, err)

	for _, tc := range []struct {
		name  string
		req   *varcov1.PreviewScheduleRequest
		field string
		code  connect.Code
	}{
		{"no resource", &varcov1.PreviewScheduleRequest{FromDate: today}, "resource_id", connect.CodeInvalidArgument},
		// Like every resource-scoped RPC: an unknown id is not told apart
		// from another organization's.
		{"unknown resource", &varcov1.PreviewScheduleRequest{ResourceId: uuid.NewString(), FromDate: today}, "", connect.CodePermissionDenied},
		{"no date", &varcov1.PreviewScheduleRequest{ResourceId: demo.CIEID}, "from_date", connect.CodeInvalidArgument},
		{"bad date", &varcov1.PreviewScheduleRequest{ResourceId: demo.CIEID, FromDate: "2026-13-01"}, "from_date", connect.CodeInvalidArgument},
		{"too long", &varcov1.PreviewScheduleRequest{ResourceId: demo.CIEID, FromDate: "2027-01-01", ToDate: "2027-06-01"}, "to_date", connect.CodeInvalidArgument},
		{"rule ends before it starts", &varcov1.PreviewScheduleRequest{ResourceId: demo.CIEID, FromDate: today, Rules: []*varcov1.WeeklyRule{rule,
			{Weekday: varcov1.Weekday_WEEKDAY_TUESDAY, StartTime: "12:00", EndTime: "09:00", SlotLength: durationpb.New(15 * time.Minute)}}},
			"rules[1].end_time", connect.CodeInvalidArgument},
		{"closure with a bad date", &varcov1.PreviewScheduleRequest{ResourceId: demo.CIEID, FromDate: today, Exceptions: []*varcov1.ScheduleException{
			{Kind: varcov1.ExceptionKind_EXCEPTION_KIND_CLOSURE, StartDate: today},
			{Kind: varcov1.ExceptionKind_EXCEPTION_KIND_CLOSURE, StartDate: "domani"}}},
			"exceptions[1].start_date", connect.CodeInvalidArgument},
	} {
		_, err := admin.PreviewSchedule(ctx, authBearer(tc.req, organizer))
		require.Equal(t, tc.code, connect.CodeOf(err), tc.name)
		if tc.field != "" {
			requireFieldViolation(t, err, tc.field)
		}
	}
}
