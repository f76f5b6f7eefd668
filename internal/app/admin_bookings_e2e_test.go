package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/person"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// The operators' side of bookings through the real server: the day
// calendar, booking details, attendance, cancellation with a reason,
// counter bookings, moves and blocks.

var (
	admLaura = demo.ID("operator/laura")
	admMarco = demo.ID("operator/marco")
)

// admRome is the demo places' zone.
func admRome(t *testing.T) *time.Location {
	t.Helper()
	rome, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	return rome
}

// admCIESlots returns the ID-card slots from two days ahead on which both
// operators are free, in time order.
func admCIESlots(t *testing.T, b *bundle) []*varcov1.Slot {
	t.Helper()
	from := time.Now().In(admRome(t)).AddDate(0, 0, 2)
	res, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL).GetAvailability(context.Background(),
		connect.NewRequest(&varcov1.GetAvailabilityRequest{ResourceId: demo.CIEID,
			FromDate: from.Format(time.DateOnly), ToDate: from.AddDate(0, 0, 14).Format(time.DateOnly)}))
	require.NoError(t, err)
	var out []*varcov1.Slot
	for _, d := range res.Msg.GetDays() {
		for _, s := range d.GetSlots() {
			if s.GetState() == varcov1.SlotState_SLOT_STATE_AVAILABLE && s.GetSeatsLeft() == 2 {
				out = append(out, s)
			}
		}
	}
	require.GreaterOrEqual(t, len(out), 8, "ID card slots in the next two weeks")
	return out
}

// admSlotNow reads a slot's current state from the availability grid; nil
// when the grid no longer offers it.
func admSlotNow(t *testing.T, b *bundle, start *timestamppb.Timestamp) *varcov1.Slot {
	t.Helper()
	day := start.AsTime().In(admRome(t)).Format(time.DateOnly)
	res, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL).GetAvailability(context.Background(),
		connect.NewRequest(&varcov1.GetAvailabilityRequest{ResourceId: demo.CIEID, FromDate: day}))
	require.NoError(t, err)
	for _, s := range res.Msg.GetDays()[0].GetSlots() {
		if s.GetStart().AsTime().Equal(start.AsTime()) {
			return s
		}
	}
	return nil
}

// admBookCIE books an ID card appointment for the citizen, as the web app
// does: hold, then confirm with the privacy consent and the
// acknowledgement.
func admBookCIE(t *testing.T, b *bundle, c citizen, slot *varcov1.Slot, operatorID string) *varcov1.Booking {
	t.Helper()
	ctx := context.Background()
	res, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL).GetResource(ctx,
		connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: demo.CIEID}))
	require.NoError(t, err)
	ack := res.Msg.GetResource().GetAcknowledgements()[0].GetId()
	hold, err := c.booking.HoldSlots(ctx, authBearer(&varcov1.HoldSlotsRequest{
		ResourceId: demo.CIEID, SlotStart: slot.GetStart(), OperatorId: operatorID}, c.token))
	require.NoError(t, err)
	conf, err := c.booking.ConfirmBooking(ctx, authBearer(&varcov1.ConfirmBookingRequest{
		HoldId: hold.Msg.GetHold().GetId(), IdempotencyKey: uuid.NewString(),
		Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY}, AcknowledgementIds: []string{ack},
	}, c.token))
	require.NoError(t, err)
	return conf.Msg.GetBooking()
}

// admCalendar lists the organization's bookings of the slot's local day.
func admCalendar(t *testing.T, admin varcov1connect.AdminServiceClient, token string, day *timestamppb.Timestamp, tweak func(*varcov1.ListBookingsRequest)) []*varcov1.Booking {
	t.Helper()
	req := &varcov1.ListBookingsRequest{OrganizationId: demo.ComuneID, FromDate: day.AsTime().In(admRome(t)).Format(time.DateOnly)}
	if tweak != nil {
		tweak(req)
	}
	res, err := admin.ListBookings(context.Background(), authBearer(req, token))
	require.NoError(t, err)
	return res.Msg.GetBookings()
}

func admFind(list []*varcov1.Booking, id string) *varcov1.Booking {
	for _, bk := range list {
		if bk.GetId() == id {
			return bk
		}
	}
	return nil
}

func admLastChange(bk *varcov1.Booking) *varcov1.StatusChange {
	h := bk.GetHistory()
	if len(h) == 0 {
		return nil
	}
	return h[len(h)-1]
}

// A citizen's booking shows in the office's day calendar with the
// beneficiary's data; attendance cannot be recorded before the
// appointment nor by an operator of another service; a cancellation needs
// a reason, records it and frees the slot at once.
func TestOperatorCalendarAttendanceAndCancel(t *testing.T) {
	t.Parallel()
	b, organizer := setupWithOrganizer(t)
	ctx := context.Background()
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	people := registerCitizens(t, b, "ADC", 2)
	citizen, tourOperator := people[0], people[1]
	_, err := admin.GrantRole(ctx, authBearer(&varcov1.GrantRoleRequest{
		OrganizationId: demo.ComuneID, Login: tourOperator.cf,
		Kind: varcov1.StaffRoleKind_STAFF_ROLE_KIND_OPERATOR, ResourceIds: []string{demo.TourID},
	}, organizer))
	require.NoError(t, err)

	slot := admCIESlots(t, b)[0]
	booked := admBookCIE(t, b, citizen, slot, "")
	require.Equal(t, int32(1), admSlotNow(t, b, slot.GetStart()).GetSeatsLeft())

	// The organizer's calendar of that day has it, with whom to expect.
	got := admFind(admCalendar(t, admin, organizer, slot.GetStart(), nil), booked.GetId())
	require.NotNil(t, got, "the booking is in the day's calendar")
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED, got.GetStatus())
	require.Equal(t, citizen.cf, got.GetBeneficiary().GetCodiceFiscale())
	require.Equal(t, "Cittadino", got.GetBeneficiary().GetGivenName())
	require.NotEmpty(t, got.GetBeneficiary().GetEmail())
	require.False(t, got.GetOnBehalf())
	op := got.GetOperator().GetId()
	require.Contains(t, []string{admLaura, admMarco}, op)
	require.NotNil(t, admFind(admCalendar(t, admin, organizer, slot.GetStart(), func(r *varcov1.ListBookingsRequest) {
		r.ResourceId, r.OperatorId = demo.CIEID, op
	}), booked.GetId()), "in its operator's calendar")
	other := admLaura
	if op == admLaura {
		other = admMarco
	}
	require.Nil(t, admFind(admCalendar(t, admin, organizer, slot.GetStart(), func(r *varcov1.ListBookingsRequest) {
		r.OperatorId = other
	}), booked.GetId()), "not in the other operator's calendar")
	require.Nil(t, admFind(admCalendar(t, admin, organizer, slot.GetStart(), func(r *varcov1.ListBookingsRequest) {
		r.Statuses = []varcov1.BookingStatus{varcov1.BookingStatus_BOOKING_STATUS_CANCELLED_BY_OPERATOR}
	}), booked.GetId()), "filtered out by status")
	require.Nil(t, admFind(admCalendar(t, admin, organizer, slot.GetStart(), func(r *varcov1.ListBookingsRequest) {
		r.FromDate = slot.GetStart().AsTime().In(admRome(t)).AddDate(0, 0, 1).Format(time.DateOnly)
	}), booked.GetId()), "not in the next day's calendar")
	_, err = admin.ListBookings(ctx, authBearer(&varcov1.ListBookingsRequest{
		OrganizationId: demo.ComuneID, FromDate: "2026-13-01"}, organizer))
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
	requireFieldViolation(t, err, "from_date")

	// Staff quote the code at the counter, in any case, with or without dash.
	details, err := admin.GetBookingDetails(ctx, authBearer(&varcov1.GetBookingDetailsRequest{
		BookingId: " " + strings.ToLower(booked.GetCode()[:4]+" "+booked.GetCode()[5:])}, organizer))
	require.NoError(t, err)
	require.Equal(t, booked.GetId(), details.Msg.GetBooking().GetId())
	require.Equal(t, citizen.cf, details.Msg.GetBooking().GetBeneficiary().GetCodiceFiscale())

	// An operator of the guided tours reaches neither this booking nor the
	// whole organization's calendar, only their own service's.
	_, err = admin.MarkAttendance(ctx, authBearer(&varcov1.MarkAttendanceRequest{
		BookingId: booked.GetId(), Status: varcov1.BookingStatus_BOOKING_STATUS_DONE}, tourOperator.token))
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err))
	_, err = admin.GetBookingDetails(ctx, authBearer(&varcov1.GetBookingDetailsRequest{BookingId: booked.GetId()}, tourOperator.token))
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err))
	_, err = admin.ListBookings(ctx, authBearer(&varcov1.ListBookingsRequest{OrganizationId: demo.ComuneID}, tourOperator.token))
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err))
	require.Nil(t, admFind(admCalendar(t, admin, tourOperator.token, slot.GetStart(), func(r *varcov1.ListBookingsRequest) {
		r.ResourceId = demo.TourID
	}), booked.GetId()))

	// Attendance: only DONE or NO_SHOW, and not days before the start.
	_, err = admin.MarkAttendance(ctx, authBearer(&varcov1.MarkAttendanceRequest{
		BookingId: booked.GetId(), Status: varcov1.BookingStatus_BOOKING_STATUS_CANCELLED_BY_USER}, organizer))
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
	requireFieldViolation(t, err, "status")
	_, err = admin.MarkAttendance(ctx, authBearer(&varcov1.MarkAttendanceRequest{
		BookingId: booked.GetId(), Status: varcov1.BookingStatus_BOOKING_STATUS_DONE}, organizer))
	require.Equal(t, connect.CodeFailedPrecondition, connect.CodeOf(err))
	require.Equal(t, "attendance_too_early", reasonOf(err))

	// Cancelling needs a reason, which the citizen then reads.
	_, err = admin.CancelBookingAsOperator(ctx, authBearer(&varcov1.CancelBookingAsOperatorRequest{BookingId: booked.GetId()}, organizer))
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
	requireFieldViolation(t, err, "reason")
	const why = "Sportello chiuso per manutenzione"
	cancelled, err := admin.CancelBookingAsOperator(ctx, authBearer(&varcov1.CancelBookingAsOperatorRequest{
		BookingId: booked.GetId(), Reason: why}, organizer))
	require.NoError(t, err)
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CANCELLED_BY_OPERATOR, cancelled.Msg.GetBooking().GetStatus())
	last := admLastChange(cancelled.Msg.GetBooking())
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CANCELLED_BY_OPERATOR, last.GetStatus())
	require.Equal(t, why, last.GetReason())
	require.Equal(t, "Anna Verdi", last.GetActor().GetDisplayName())
	require.Equal(t, varcov1.PrincipalKind_PRINCIPAL_KIND_STAFF, last.GetActor().GetKind(), "operator actions read as staff")
	mine, err := citizen.booking.GetBooking(ctx, authBearer(&varcov1.GetBookingRequest{BookingId: booked.GetId()}, citizen.token))
	require.NoError(t, err)
	require.Equal(t, why, admLastChange(mine.Msg.GetBooking()).GetReason())
	now := admSlotNow(t, b, slot.GetStart())
	require.Equal(t, int32(2), now.GetSeatsLeft(), "the slot is free again at once")
	require.ElementsMatch(t, []string{admLaura, admMarco}, now.GetFreeOperatorIds())

	_, err = admin.CancelBookingAsOperator(ctx, authBearer(&varcov1.CancelBookingAsOperatorRequest{
		BookingId: booked.GetId(), Reason: why}, organizer))
	require.Equal(t, connect.CodeFailedPrecondition, connect.CodeOf(err))
	require.Equal(t, "not_cancellable", reasonOf(err))
}

// A walk-in without an account is booked at the counter; a retried request
// returns the same booking; the operator then moves it to another slot.
func TestCounterBookingAndOperatorReschedule(t *testing.T) {
	t.Parallel()
	b, organizer := setupWithOrganizer(t)
	ctx := context.Background()
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	slots := admCIESlots(t, b)
	walkIn := &varcov1.Person{GivenName: "Lucia", FamilyName: "Bianchi",
		CodiceFiscale: person.CompleteCodiceFiscale("BNCLCU80A41H501"), Email: "lucia.bianchi@example.it"}
	key := uuid.NewString()
	counter := func(slot *varcov1.Slot, key string, p *varcov1.Person, privacy bool) (*varcov1.Booking, error) {
		res, err := admin.CreateCounterBooking(ctx, authBearer(&varcov1.CreateCounterBookingRequest{
			ResourceId: demo.CIEID, SlotStart: slot.GetStart(), Beneficiary: p, PrivacyConsent: privacy,
			IdempotencyKey: key, Reason: "Rinnovo",
		}, organizer))
		if err != nil {
			return nil, err
		}
		return res.Msg.GetBooking(), nil
	}

	_, err := counter(slots[0], key, walkIn, false)
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
	requireFieldViolation(t, err, "privacy_consent")
	_, err = counter(slots[0], key, nil, true)
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
	requireFieldViolation(t, err, "beneficiary")
	_, err = counter(slots[0], key, &varcov1.Person{GivenName: "Lucia", FamilyName: "Bianchi",
		CodiceFiscale: "BNCLCU80A41H501X", Email: "lucia.bianchi@example.it"}, true)
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
	requireFieldViolation(t, err, "beneficiary.codice_fiscale")

	booked, err := counter(slots[0], key, walkIn, true)
	require.NoError(t, err)
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED, booked.GetStatus())
	require.True(t, booked.GetOnBehalf())
	require.Equal(t, walkIn.GetCodiceFiscale(), booked.GetBeneficiary().GetCodiceFiscale())
	require.Equal(t, "1980-01-01", booked.GetBeneficiary().GetBirthDate(), "from the codice fiscale")
	require.Equal(t, "Anna Verdi", admLastChange(booked).GetActor().GetDisplayName())
	require.Equal(t, int32(1), admSlotNow(t, b, slots[0].GetStart()).GetSeatsLeft(), "booked, not held")

	again, err := counter(slots[0], key, walkIn, true)
	require.NoError(t, err, "a retry returns the booking")
	require.Equal(t, booked.GetId(), again.GetId())
	require.Equal(t, booked.GetCode(), again.GetCode())
	require.Equal(t, int32(1), admSlotNow(t, b, slots[0].GetStart()).GetSeatsLeft(), "the retry took no seat")
	_, err = counter(slots[1], key, walkIn, true)
	require.Equal(t, connect.CodeFailedPrecondition, connect.CodeOf(err))
	require.Equal(t, "idempotency_key_reused", reasonOf(err))
	_, err = counter(slots[1], uuid.NewString(), walkIn, true)
	require.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err))
	require.Equal(t, "person_limit", reasonOf(err), "one active ID card appointment per person, at the counter too")

	listed := admFind(admCalendar(t, admin, organizer, slots[0].GetStart(), nil), booked.GetId())
	require.NotNil(t, listed)
	require.True(t, listed.GetOnBehalf())
	require.Equal(t, "Lucia", listed.GetBeneficiary().GetGivenName())

	// The office moves it: the new seats are taken, the old ones freed.
	target := slots[len(slots)-1]
	moveKey := uuid.NewString()
	move := func() (*connect.Response[varcov1.RescheduleBookingAsOperatorResponse], error) {
		return admin.RescheduleBookingAsOperator(ctx, authBearer(&varcov1.RescheduleBookingAsOperatorRequest{
			BookingId: booked.GetId(), NewSlotStart: target.GetStart(), OperatorId: admMarco,
			Reason: "Spostato su richiesta telefonica", IdempotencyKey: moveKey,
		}, organizer))
	}
	moved, err := move()
	require.NoError(t, err)
	nb, prev := moved.Msg.GetBooking(), moved.Msg.GetPrevious()
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED, nb.GetStatus())
	require.True(t, nb.GetSpan().GetStart().AsTime().Equal(target.GetStart().AsTime()))
	require.Equal(t, admMarco, nb.GetOperator().GetId())
	require.Equal(t, booked.GetId(), nb.GetRescheduledFromId())
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_RESCHEDULED, prev.GetStatus())
	require.Equal(t, nb.GetId(), prev.GetRescheduledToId())
	require.Equal(t, "Spostato su richiesta telefonica", admLastChange(prev).GetReason())
	require.Equal(t, int32(2), admSlotNow(t, b, slots[0].GetStart()).GetSeatsLeft())
	moved2 := admSlotNow(t, b, target.GetStart())
	require.Equal(t, int32(1), moved2.GetSeatsLeft())
	require.Equal(t, []string{admLaura}, moved2.GetFreeOperatorIds())

	retry, err := move()
	require.NoError(t, err, "a retried move returns its result")
	require.Equal(t, nb.GetId(), retry.Msg.GetBooking().GetId())
	require.Equal(t, int32(1), admSlotNow(t, b, target.GetStart()).GetSeatsLeft())
}

// An operator's absence cancels the bookings in it (the citizens are told
// why) and removes the operator from the grid; a closure of the whole
// service removes the slots.
func TestBlockSlotsCancelsBookings(t *testing.T) {
	t.Parallel()
	b, organizer := setupWithOrganizer(t)
	ctx := context.Background()
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	citizen := registerCitizens(t, b, "ADB", 1)[0]
	slots := admCIESlots(t, b)
	slot := slots[0]
	booked := admBookCIE(t, b, citizen, slot, admLaura)
	require.Equal(t, admLaura, booked.GetOperator().GetId())
	before := admSlotNow(t, b, slot.GetStart())
	require.Equal(t, int32(2), before.GetSeatsTotal())
	require.Equal(t, int32(1), before.GetSeatsLeft())

	block := func(operator string, period *varcov1.TimeRange, reason string) (*varcov1.BlockSlotsResponse, error) {
		res, err := admin.BlockSlots(ctx, authBearer(&varcov1.BlockSlotsRequest{
			ResourceId: demo.CIEID, OperatorId: operator, Period: period, Reason: reason}, organizer))
		if err != nil {
			return nil, err
		}
		return res.Msg, nil
	}
	_, err := block(admLaura, booked.GetSpan(), "")
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
	requireFieldViolation(t, err, "reason")
	_, err = block(admLaura, nil, "Malattia")
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
	requireFieldViolation(t, err, "period")
	start := slot.GetStart().AsTime()
	_, err = block(admLaura, &varcov1.TimeRange{Start: timestamppb.New(start), End: timestamppb.New(start.Add(25 * time.Hour))}, "Malattia")
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
	requireFieldViolation(t, err, "period")

	const why = "Operatrice assente per malattia"
	res, err := block(admLaura, booked.GetSpan(), why)
	require.NoError(t, err)
	exc := res.GetException()
	require.Equal(t, varcov1.ExceptionKind_EXCEPTION_KIND_OPERATOR_UNAVAILABLE, exc.GetKind())
	require.Equal(t, admLaura, exc.GetOperatorId())
	require.Equal(t, start.In(admRome(t)).Format(time.DateOnly), exc.GetStartDate())
	require.Equal(t, slot.GetLocalStart(), exc.GetStartTime())
	require.Equal(t, slot.GetLocalEnd(), exc.GetEndTime())
	require.Equal(t, why, exc.GetReason())
	require.Len(t, res.GetCancelledBookings(), 1)
	gone := res.GetCancelledBookings()[0]
	require.Equal(t, booked.GetId(), gone.GetId())
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CANCELLED_BY_OPERATOR, gone.GetStatus())
	require.Equal(t, why, admLastChange(gone).GetReason())

	mine, err := citizen.booking.GetBooking(ctx, authBearer(&varcov1.GetBookingRequest{BookingId: booked.GetId()}, citizen.token))
	require.NoError(t, err)
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CANCELLED_BY_OPERATOR, mine.Msg.GetBooking().GetStatus())
	require.Equal(t, why, admLastChange(mine.Msg.GetBooking()).GetReason())
	after := admSlotNow(t, b, slot.GetStart())
	require.Equal(t, before.GetSeatsTotal()-1, after.GetSeatsTotal(), "one operator fewer in the slot")
	require.Equal(t, []string{admMarco}, after.GetFreeOperatorIds())
	sched, err := admin.GetSchedule(ctx, authBearer(&varcov1.GetScheduleRequest{ResourceId: demo.CIEID}, organizer))
	require.NoError(t, err)
	require.Contains(t, func() []string {
		var ids []string
		for _, e := range sched.Msg.GetSchedule().GetExceptions() {
			ids = append(ids, e.GetId())
		}
		return ids
	}(), exc.GetId())

	// Closing the whole service for a slot with nobody booked cancels
	// nothing and takes the slot off the grid.
	free := slots[len(slots)-1]
	closed, err := block("", &varcov1.TimeRange{Start: free.GetStart(), End: free.GetEnd()}, "Assemblea sindacale")
	require.NoError(t, err)
	require.Equal(t, varcov1.ExceptionKind_EXCEPTION_KIND_CLOSURE, closed.GetException().GetKind())
	require.Empty(t, closed.GetCancelledBookings())
	require.Nil(t, admSlotNow(t, b, free.GetStart()), "the closed slot is no longer offered")
}

// A move that names no operator keeps the booking's operator when they are
// free at the new time, and takes any free one otherwise.
func TestRescheduleKeepsTheOperator(t *testing.T) {
	t.Parallel()
	b, organizer := setupWithOrganizer(t)
	ctx := context.Background()
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	people := registerCitizens(t, b, "KOP", 2)
	slots := admCIESlots(t, b)
	booked := admBookCIE(t, b, people[0], slots[0], admLaura)
	move := func(id string, to *varcov1.Slot) *varcov1.Booking {
		res, err := admin.RescheduleBookingAsOperator(ctx, authBearer(&varcov1.RescheduleBookingAsOperatorRequest{
			BookingId: id, NewSlotStart: to.GetStart(), Reason: "Cambio orario", IdempotencyKey: uuid.NewString()}, organizer))
		require.NoError(t, err)
		return res.Msg.GetBooking()
	}
	// Marco is free at slot 2 too, but the booking stays with Laura.
	moved := move(booked.GetId(), slots[2])
	require.Equal(t, admLaura, moved.GetOperator().GetId(), "an empty operator keeps the booking's")

	// Laura is busy at slot 4: the move takes Marco rather than failing.
	admBookCIE(t, b, people[1], slots[4], admLaura)
	moved = move(moved.GetId(), slots[4])
	require.Equal(t, admMarco, moved.GetOperator().GetId(), "the other operator when the booking's is busy")
}
