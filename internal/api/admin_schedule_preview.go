package api

import (
	"context"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/internal/availability"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/schedule"
	"github.com/varco-gate/varco/internal/scheduling"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// SchedulePreviews is what PreviewSchedule needs: the proposed plan and
// the bookings it strands (scheduling), and its grid (availability).
type SchedulePreviews struct {
	Proposals interface {
		Preview(ctx context.Context, resourceID string, rules []catalog.WeeklyRule, excs []catalog.Exception) (scheduling.Proposal, error)
	}
	Grids interface {
		GridOf(ctx context.Context, r catalog.Resource, plan schedule.Plan, q availability.Query) (availability.Grid, error)
	}
}

// PreviewSchedule returns the grid and the stranded bookings a proposed
// schedule would give, writing nothing.
func (a *Admin) PreviewSchedule(ctx context.Context, req *connect.Request[varcov1.PreviewScheduleRequest]) (*connect.Response[varcov1.PreviewScheduleResponse], error) {
	m := req.Msg
	if m.GetFromDate() == "" {
		return nil, a.fail(ctx, req.Header(), requiredField("from_date"))
	}
	excs := make([]catalog.Exception, len(m.GetExceptions()))
	for i, e := range m.GetExceptions() {
		excs[i] = exceptionFromPB(e)
	}
	p, err := a.deps.Previews.Proposals.Preview(ctx, m.GetResourceId(), rulesFromPB(m.GetRules()), excs)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	g, err := a.deps.Previews.Grids.GridOf(ctx, p.Resource, p.Plan, availability.Query{From: m.GetFromDate(), To: m.GetToDate()})
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	list, err := a.bookingsPB(ctx, p.Stranded)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.PreviewScheduleResponse{Grid: gridPB(g), StrandedBookings: list}), nil
}

// rulesFromPB converts weekly rules from the wire.
func rulesFromPB(in []*varcov1.WeeklyRule) []catalog.WeeklyRule {
	rules := make([]catalog.WeeklyRule, len(in))
	for i, r := range in {
		rules[i] = catalog.WeeklyRule{
			Weekday: int(r.GetWeekday()), Start: r.GetStartTime(), End: r.GetEndTime(), SlotLength: r.GetSlotLength().AsDuration(),
			SeatsPerSlot: int(r.GetSeatsPerSlot()), OperatorIDs: r.GetOperatorIds(), ValidFrom: r.GetValidFrom(), ValidUntil: r.GetValidUntil(),
		}
	}
	return rules
}

// exceptionFromPB converts an exception from the wire (its id is ignored).
func exceptionFromPB(in *varcov1.ScheduleException) catalog.Exception {
	return catalog.Exception{
		Kind: catalog.ExceptionKind(in.GetKind()), StartDate: in.GetStartDate(), EndDate: in.GetEndDate(),
		StartTime: in.GetStartTime(), EndTime: in.GetEndTime(), Yearly: in.GetYearly(), OperatorID: in.GetOperatorId(),
		Reason: in.GetReason(), SlotLength: in.GetSlotLength().AsDuration(), SeatsPerSlot: int(in.GetSeatsPerSlot()),
	}
}
