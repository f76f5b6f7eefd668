package app_test

import (
	"context"
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

// schedAfternoonSlot finds an available Tuesday or Thursday 15:00 slot of
// the demo ID card service at least two days ahead.
func schedAfternoonSlot(t *testing.T, b *bundle) *varcov1.Slot {
	t.Helper()
	rome, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	from := time.Now().In(rome).AddDate(0, 0, 2)
	res, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL).GetAvailability(context.Background(),
		connect.NewRequest(&varcov1.GetAvailabilityRequest{ResourceId: demo.CIEID,
			FromDate: from.Format(time.DateOnly), ToDate: from.AddDate(0, 0, 21).Format(time.DateOnly)}))
	require.NoError(t, err)
	for _, d := range res.Msg.GetDays() {
		for _, s := range d.GetSlots() {
			if s.GetLocalStart() == "15:00" && s.GetState() == varcov1.SlotState_SLOT_STATE_AVAILABLE {
				return s
			}
		}
	}
	t.Fatal("no afternoon slot in three weeks")
	return nil
}

// Organizers change opening hours; bookings that no longer fit are kept
// and reported, never silently dropped.
func TestScheduleChangesReportStrandedBookings(t *testing.T) {
	t.Parallel()
	b, organizer := setupWithOrganizer(t)
	ctx := context.Background()
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	mario := registerCitizens(t, b, "SCH", 1)[0]

	res, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL).GetResource(ctx,
		connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: demo.CIEID}))
	require.NoError(t, err)
	ack := res.Msg.GetResource().GetAcknowledgements()[0].GetId()
	slot := schedAfternoonSlot(t, b)
	hold, err := mario.booking.HoldSlots(ctx, authBearer(&varcov1.HoldSlotsRequest{ResourceId: demo.CIEID, SlotStart: slot.GetStart()}, mario.token))
	require.NoError(t, err)
	conf, err := mario.booking.ConfirmBooking(ctx, authBearer(&varcov1.ConfirmBookingRequest{
		HoldId: hold.Msg.GetHold().GetId(), IdempotencyKey: uuid.NewString(),
		Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY}, AcknowledgementIds: []string{ack},
	}, mario.token))
	require.NoError(t, err)
	booked := conf.Msg.GetBooking()

	got, err := admin.GetSchedule(ctx, authBearer(&varcov1.GetScheduleRequest{ResourceId: demo.CIEID}, organizer))
	require.NoError(t, err)
	require.Len(t, got.Msg.GetSchedule().GetRules(), 7, "Mon-Fri mornings and Tue/Thu afternoons")
	require.Len(t, got.Msg.GetSchedule().GetExceptions(), 10, "the national holidays")

	// Contradictory rules are refused with the field named.
	_, err = admin.SetSchedule(ctx, authBearer(&varcov1.SetScheduleRequest{ResourceId: demo.CIEID, Rules: []*varcov1.WeeklyRule{
		{Weekday: varcov1.Weekday_WEEKDAY_MONDAY, StartTime: "08:30", EndTime: "12:30", SlotLength: durationpb.New(15 * time.Minute)},
		{Weekday: varcov1.Weekday_WEEKDAY_MONDAY, StartTime: "12:00", EndTime: "13:00", SlotLength: durationpb.New(15 * time.Minute)},
	}}, organizer))
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
	requireFieldViolation(t, err, "rules[1].start_time")

	// Mornings only: the afternoon booking is stranded, reported, and kept.
	var mornings []*varcov1.WeeklyRule
	for wd := varcov1.Weekday_WEEKDAY_MONDAY; wd <= varcov1.Weekday_WEEKDAY_FRIDAY; wd++ {
		mornings = append(mornings, &varcov1.WeeklyRule{Weekday: wd, StartTime: "08:30", EndTime: "12:30", SlotLength: durationpb.New(15 * time.Minute)})
	}
	set, err := admin.SetSchedule(ctx, authBearer(&varcov1.SetScheduleRequest{ResourceId: demo.CIEID, Rules: mornings}, organizer))
	require.NoError(t, err)
	require.Len(t, set.Msg.GetStrandedBookings(), 1)
	require.Equal(t, booked.GetId(), set.Msg.GetStrandedBookings()[0].GetId())
	mine, err := mario.booking.GetBooking(ctx, authBearer(&varcov1.GetBookingRequest{BookingId: booked.GetId()}, mario.token))
	require.NoError(t, err)
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED, mine.Msg.GetBooking().GetStatus(), "kept, not dropped")

	// A one-off closure on the booking's day strands it too.
	rome, _ := time.LoadLocation("Europe/Rome")
	day := slot.GetStart().AsTime().In(rome).Format(time.DateOnly)
	exc, err := admin.AddScheduleException(ctx, authBearer(&varcov1.AddScheduleExceptionRequest{ResourceId: demo.CIEID,
		Exception: &varcov1.ScheduleException{Kind: varcov1.ExceptionKind_EXCEPTION_KIND_CLOSURE, StartDate: day, Reason: "Sciopero"}}, organizer))
	require.NoError(t, err)
	require.Len(t, exc.Msg.GetStrandedBookings(), 1)
	grid, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL).GetAvailability(ctx,
		connect.NewRequest(&varcov1.GetAvailabilityRequest{ResourceId: demo.CIEID, FromDate: day}))
	require.NoError(t, err)
	require.Equal(t, "Sciopero", grid.Msg.GetDays()[0].GetClosedReason())
	require.Empty(t, grid.Msg.GetDays()[0].GetSlots())

	_, err = admin.DeleteScheduleException(ctx, authBearer(&varcov1.DeleteScheduleExceptionRequest{
		ResourceId: demo.CIEID, ExceptionId: exc.Msg.GetException().GetId()}, organizer))
	require.NoError(t, err)
	_, err = admin.DeleteScheduleException(ctx, authBearer(&varcov1.DeleteScheduleExceptionRequest{
		ResourceId: demo.CIEID, ExceptionId: exc.Msg.GetException().GetId()}, organizer))
	require.Equal(t, connect.CodeNotFound, connect.CodeOf(err))
}
