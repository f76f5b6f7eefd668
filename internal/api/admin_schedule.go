package api

import (
	"context"
	"net/http"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/scheduling"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// Scheduling is what the schedule RPCs need.
type Scheduling interface {
	Get(ctx context.Context, resourceID string) (scheduling.Schedule, error)
	SetRules(ctx context.Context, resourceID string, rules []catalog.WeeklyRule) (scheduling.Schedule, []booking.Booking, error)
	AddException(ctx context.Context, resourceID string, e catalog.Exception) (catalog.Exception, []booking.Booking, error)
	DeleteException(ctx context.Context, resourceID, id string) error
}

func (a *Admin) fail(ctx context.Context, h http.Header, err error) error {
	return ToConnect(ctx, a.log, Language(h), err)
}

// GetSchedule returns a resource's weekly rules and exceptions.
func (a *Admin) GetSchedule(ctx context.Context, req *connect.Request[varcov1.GetScheduleRequest]) (*connect.Response[varcov1.GetScheduleResponse], error) {
	s, err := a.deps.Schedules.Get(ctx, req.Msg.GetResourceId())
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.GetScheduleResponse{Schedule: schedulePB(s)}), nil
}

// SetSchedule replaces the weekly rules and reports stranded bookings.
func (a *Admin) SetSchedule(ctx context.Context, req *connect.Request[varcov1.SetScheduleRequest]) (*connect.Response[varcov1.SetScheduleResponse], error) {
	s, stranded, err := a.deps.Schedules.SetRules(ctx, req.Msg.GetResourceId(), rulesFromPB(req.Msg.GetRules()))
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	list, err := a.bookingsPB(ctx, stranded)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.SetScheduleResponse{Schedule: schedulePB(s), StrandedBookings: list}), nil
}

// AddScheduleException adds a closure, extra opening or absence.
func (a *Admin) AddScheduleException(ctx context.Context, req *connect.Request[varcov1.AddScheduleExceptionRequest]) (*connect.Response[varcov1.AddScheduleExceptionResponse], error) {
	in := req.Msg.GetException()
	if in == nil {
		return nil, a.fail(ctx, req.Header(), requiredField("exception"))
	}
	e, stranded, err := a.deps.Schedules.AddException(ctx, req.Msg.GetResourceId(), exceptionFromPB(in))
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	list, err := a.bookingsPB(ctx, stranded)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.AddScheduleExceptionResponse{Exception: exceptionPB(e), StrandedBookings: list}), nil
}

// DeleteScheduleException removes an exception.
func (a *Admin) DeleteScheduleException(ctx context.Context, req *connect.Request[varcov1.DeleteScheduleExceptionRequest]) (*connect.Response[varcov1.DeleteScheduleExceptionResponse], error) {
	if err := a.deps.Schedules.DeleteException(ctx, req.Msg.GetResourceId(), req.Msg.GetExceptionId()); err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.DeleteScheduleExceptionResponse{}), nil
}

func (a *Admin) bookingsPB(ctx context.Context, list []booking.Booking) ([]*varcov1.Booking, error) {
	views := newBookingViews(a.deps.Reader, a.deps.Now())
	out := make([]*varcov1.Booking, 0, len(list))
	for _, b := range list {
		pb, err := views.pb(ctx, b)
		if err != nil {
			return nil, err
		}
		out = append(out, pb)
	}
	return out, nil
}

func schedulePB(s scheduling.Schedule) *varcov1.Schedule {
	out := &varcov1.Schedule{ResourceId: s.ResourceID}
	for _, r := range s.Rules {
		out.Rules = append(out.Rules, &varcov1.WeeklyRule{
			Weekday: varcov1.Weekday(r.Weekday), StartTime: r.Start, EndTime: r.End, SlotLength: durationpb.New(r.SlotLength),
			SeatsPerSlot: int32(r.SeatsPerSlot), OperatorIds: r.OperatorIDs, ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil,
		})
	}
	for _, e := range s.Exceptions {
		out.Exceptions = append(out.Exceptions, exceptionPB(e))
	}
	return out
}

func exceptionPB(e catalog.Exception) *varcov1.ScheduleException {
	out := &varcov1.ScheduleException{
		Id: e.ID, Kind: varcov1.ExceptionKind(e.Kind), StartDate: e.StartDate, EndDate: e.EndDate, StartTime: e.StartTime,
		EndTime: e.EndTime, Yearly: e.Yearly, OperatorId: e.OperatorID, Reason: e.Reason, SeatsPerSlot: int32(e.SeatsPerSlot),
	}
	if e.SlotLength > 0 {
		out.SlotLength = durationpb.New(e.SlotLength)
	}
	return out
}
