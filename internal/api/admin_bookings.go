package api

import (
	"context"
	"fmt"
	"sync"
	"time"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/i18n"
	"github.com/varco-gate/varco/internal/schedule"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// StaffBookings is what the operators' booking RPCs need from the booking
// domain (implemented by *booking.Service). The interceptor has already
// checked that the caller operates on the booking's (or the request's)
// organization and resource.
type StaffBookings interface {
	Calendar(ctx context.Context, q booking.CalendarQuery) ([]booking.Booking, error)
	Find(ctx context.Context, idOrCode string) (booking.Booking, error)
	StaffActor(ctx context.Context, accountID string) (booking.Actor, error)
	MarkAttendance(ctx context.Context, staff booking.Actor, id string, status booking.Status) (booking.Booking, error)
	CancelByOperator(ctx context.Context, staff booking.Actor, id, reason string) (booking.Booking, error)
	RescheduleByOperator(ctx context.Context, staff booking.Actor, req booking.RescheduleRequest) (booking.RescheduleResult, error)
	BookAtCounter(ctx context.Context, staff booking.Actor, req booking.CounterRequest) (booking.ConfirmResult, error)
	Block(ctx context.Context, staff booking.Actor, req booking.BlockRequest) (booking.BlockResult, error)
	// Other dates proposed and one booking's meeting link (admin_proposal.go).
	Proposals(ctx context.Context, bookingID string) ([]booking.Proposal, error)
	Propose(ctx context.Context, staff booking.Actor, req booking.ProposeRequest) (booking.Proposal, error)
	SetMeetingURL(ctx context.Context, staff booking.Actor, bookingID, link string) (booking.Booking, error)
}

// Calendar page sizes (ListBookings allows longer pages than other lists:
// a busy office's day fits in one).
const (
	defaultCalendarPage = 200
	maxCalendarPage     = 500
	// maxCalendarDays bounds one ListBookings period.
	maxCalendarDays = 62
)

// defaultZone is the calendar's zone when no resource names a place.
var defaultZone = sync.OnceValues(func() (*time.Location, error) { return time.LoadLocation("Europe/Rome") })

// ListBookings is the office calendar: an organization's bookings in a
// period of local days, optionally of one resource or operator.
func (a *Admin) ListBookings(ctx context.Context, req *connect.Request[varcov1.ListBookingsRequest]) (*connect.Response[varcov1.ListBookingsResponse], error) {
	m := req.Msg
	size, err := calendarPageSize(m.GetPageSize())
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	cur, err := decodeCursor(m.GetPageToken())
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	q := booking.CalendarQuery{OrganizationID: m.GetOrganizationId(), OperatorID: m.GetOperatorId(), Limit: size + 1, AfterID: cur.ID}
	if cur.ID != "" {
		if q.AfterStart, err = time.Parse(time.RFC3339Nano, cur.Key); err != nil {
			return nil, a.fail(ctx, req.Header(), errPageToken)
		}
	}
	switch role, _ := authz.FromContext(ctx).RoleIn(q.OrganizationID); {
	case m.GetResourceId() != "":
		q.ResourceIDs = []string{m.GetResourceId()}
	case role.Kind == authz.RoleOperator && len(role.ResourceIDs) > 0:
		// An operator limited to some resources sees only those.
		q.ResourceIDs = role.ResourceIDs
	}
	for _, st := range m.GetStatuses() {
		if st < varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED || st > varcov1.BookingStatus_BOOKING_STATUS_RESCHEDULED {
			return nil, a.fail(ctx, req.Header(), fault.InvalidField("statuses", "unknown_status"))
		}
		q.Statuses = append(q.Statuses, booking.Status(st))
	}
	loc, err := a.calendarZone(ctx, q.ResourceIDs)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	if q.From, q.To, err = localDays(m.GetFromDate(), m.GetToDate(), loc, a.deps.Now()); err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	list, err := a.deps.Bookings.Calendar(ctx, q)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	res := &varcov1.ListBookingsResponse{}
	if len(list) > size {
		list = list[:size]
		last := list[size-1]
		res.NextPageToken = encodeCursor(cursor{Key: last.Start.Format(time.RFC3339Nano), ID: last.ID})
	}
	if res.Bookings, err = a.bookingsPB(ctx, list); err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(res), nil
}

func calendarPageSize(n int32) (int, error) {
	switch {
	case n == 0:
		return defaultCalendarPage, nil
	case n < 0 || n > maxCalendarPage:
		return 0, fault.InvalidField("page_size", "page_size").Text("error.page_size.2", maxCalendarPage)
	}
	return int(n), nil
}

// calendarZone is the zone whose local days the calendar shows: the place
// of the only resource asked for, Europe/Rome otherwise.
func (a *Admin) calendarZone(ctx context.Context, resourceIDs []string) (*time.Location, error) {
	if len(resourceIDs) != 1 {
		return defaultZone()
	}
	r, err := a.deps.Reader.GetResource(ctx, resourceIDs[0])
	if err != nil {
		return nil, fmt.Errorf("calendar resource: %w", err)
	}
	p, err := a.deps.Reader.GetPlace(ctx, r.PlaceID)
	if err != nil {
		return nil, fmt.Errorf("calendar place: %w", err)
	}
	return p.Zone()
}

// localDays turns the local dates from..to (inclusive; today and from when
// empty) into the instants [start of from, start of the day after to).
func localDays(fromDate, toDate string, loc *time.Location, now time.Time) (time.Time, time.Time, error) {
	from := schedule.DateOf(now.In(loc))
	if fromDate != "" {
		d, err := schedule.ParseDate(fromDate)
		if err != nil {
			return time.Time{}, time.Time{}, fault.InvalidField("from_date", "date_format")
		}
		from = d
	}
	to := from
	if toDate != "" {
		d, err := schedule.ParseDate(toDate)
		if err != nil {
			return time.Time{}, time.Time{}, fault.InvalidField("to_date", "date_format")
		}
		to = d
	}
	if to.Before(from) {
		return time.Time{}, time.Time{}, fault.InvalidField("to_date", "end_before_start")
	}
	if from.DaysUntil(to)+1 > maxCalendarDays {
		return time.Time{}, time.Time{}, fault.InvalidField("to_date", "range_too_long").Text("error.range_too_long", maxCalendarDays)
	}
	start, _ := schedule.Clock(0).At(from, loc)
	end, _ := schedule.Clock(0).At(to.AddDays(1), loc)
	return start, end, nil
}

// GetBookingDetails returns one booking, by id or code, with personal data.
func (a *Admin) GetBookingDetails(ctx context.Context, req *connect.Request[varcov1.GetBookingDetailsRequest]) (*connect.Response[varcov1.GetBookingDetailsResponse], error) {
	b, err := a.deps.Bookings.Find(ctx, req.Msg.GetBookingId())
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	pb, err := a.bookingPB(ctx, b)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	if err := addProposals(ctx, a.deps.Bookings, a.deps.Reader, pb, b); err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.GetBookingDetailsResponse{Booking: pb}), nil
}

// staffAction resolves the booking a request names (id or code, as the
// interceptor accepted either) and the staff member acting on it.
func (a *Admin) staffAction(ctx context.Context, idOrCode string) (string, booking.Actor, error) {
	b, err := a.deps.Bookings.Find(ctx, idOrCode)
	if err != nil {
		return "", booking.Actor{}, err
	}
	actor, err := a.deps.Bookings.StaffActor(ctx, authz.FromContext(ctx).AccountID)
	return b.ID, actor, err
}

// MarkAttendance records DONE or NO_SHOW.
func (a *Admin) MarkAttendance(ctx context.Context, req *connect.Request[varcov1.MarkAttendanceRequest]) (*connect.Response[varcov1.MarkAttendanceResponse], error) {
	id, actor, err := a.staffAction(ctx, req.Msg.GetBookingId())
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	b, err := a.deps.Bookings.MarkAttendance(ctx, actor, id, booking.Status(req.Msg.GetStatus()))
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	pb, err := a.bookingPB(ctx, b)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.MarkAttendanceResponse{Booking: pb}), nil
}

// CancelBookingAsOperator cancels with a reason sent to the citizen.
func (a *Admin) CancelBookingAsOperator(ctx context.Context, req *connect.Request[varcov1.CancelBookingAsOperatorRequest]) (*connect.Response[varcov1.CancelBookingAsOperatorResponse], error) {
	id, actor, err := a.staffAction(ctx, req.Msg.GetBookingId())
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	b, err := a.deps.Bookings.CancelByOperator(ctx, actor, id, req.Msg.GetReason())
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	pb, err := a.bookingPB(ctx, b)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.CancelBookingAsOperatorResponse{Booking: pb}), nil
}

// RescheduleBookingAsOperator moves a booking to another slot.
func (a *Admin) RescheduleBookingAsOperator(ctx context.Context, req *connect.Request[varcov1.RescheduleBookingAsOperatorRequest]) (*connect.Response[varcov1.RescheduleBookingAsOperatorResponse], error) {
	m := req.Msg
	if m.GetNewSlotStart() == nil {
		return nil, a.fail(ctx, req.Header(), requiredField("new_slot_start"))
	}
	id, actor, err := a.staffAction(ctx, m.GetBookingId())
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	res, err := a.deps.Bookings.RescheduleByOperator(ctx, actor, booking.RescheduleRequest{
		BookingID: id, NewStart: timeOf(m.GetNewSlotStart()), OperatorID: m.GetOperatorId(),
		IdempotencyKey: m.GetIdempotencyKey(), Reason: m.GetReason(),
	})
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	list, err := a.bookingsPB(ctx, []booking.Booking{res.New, res.Previous})
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.RescheduleBookingAsOperatorResponse{Booking: list[0], Previous: list[1]}), nil
}

// CreateCounterBooking books on a citizen's behalf at the counter.
func (a *Admin) CreateCounterBooking(ctx context.Context, req *connect.Request[varcov1.CreateCounterBookingRequest]) (*connect.Response[varcov1.CreateCounterBookingResponse], error) {
	m := req.Msg
	if m.GetSlotStart() == nil {
		return nil, a.fail(ctx, req.Header(), requiredField("slot_start"))
	}
	if l := m.GetLanguage(); l != "" && !i18n.Supported(l) {
		return nil, a.fail(ctx, req.Header(), invalidLanguage)
	}
	in := booking.CounterRequest{
		ResourceID: m.GetResourceId(), SlotStart: timeOf(m.GetSlotStart()), SlotCount: int(m.GetSlotCount()),
		Seats: int(m.GetSeats()), OperatorID: m.GetOperatorId(), Reason: m.GetReason(), Notes: m.GetNotes(),
		PrivacyConsent: m.GetPrivacyConsent(), IdempotencyKey: m.GetIdempotencyKey(), Language: m.GetLanguage(),
	}
	if p := m.GetBeneficiary(); p != nil {
		in.Beneficiary = personOf(p)
	}
	actor, err := a.deps.Bookings.StaffActor(ctx, authz.FromContext(ctx).AccountID)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	res, err := a.deps.Bookings.BookAtCounter(ctx, actor, in)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	pb, err := a.bookingPB(ctx, res.Booking)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.CreateCounterBookingResponse{Booking: pb}), nil
}

// BlockSlots makes an operator or the resource unavailable for a period
// and cancels the bookings in it.
func (a *Admin) BlockSlots(ctx context.Context, req *connect.Request[varcov1.BlockSlotsRequest]) (*connect.Response[varcov1.BlockSlotsResponse], error) {
	m := req.Msg
	if m.GetPeriod() == nil {
		return nil, a.fail(ctx, req.Header(), requiredField("period"))
	}
	actor, err := a.deps.Bookings.StaffActor(ctx, authz.FromContext(ctx).AccountID)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	res, err := a.deps.Bookings.Block(ctx, actor, booking.BlockRequest{
		ResourceID: m.GetResourceId(), OperatorID: m.GetOperatorId(), Reason: m.GetReason(),
		From: timeOf(m.GetPeriod().GetStart()), To: timeOf(m.GetPeriod().GetEnd()),
	})
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	list, err := a.bookingsPB(ctx, res.Cancelled)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.BlockSlotsResponse{Exception: exceptionPB(res.Exception), CancelledBookings: list}), nil
}

func (a *Admin) bookingPB(ctx context.Context, b booking.Booking) (*varcov1.Booking, error) {
	return newBookingViews(a.deps.Reader, a.deps.Now()).pb(ctx, b)
}
