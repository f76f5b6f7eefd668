package api

import (
	"context"
	"fmt"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/internal/booking"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// ProposeOtherDates offers the booking's citizen other dates, held for
// them until the proposal lapses.
func (a *Admin) ProposeOtherDates(ctx context.Context, req *connect.Request[varcov1.ProposeOtherDatesRequest]) (*connect.Response[varcov1.ProposeOtherDatesResponse], error) {
	m := req.Msg
	id, actor, err := a.staffAction(ctx, m.GetBookingId())
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	r := booking.ProposeRequest{BookingID: id, Message: m.GetMessage()}
	if d := m.GetValidFor(); d != nil {
		r.ValidFor = d.AsDuration()
		if r.ValidFor == 0 {
			r.ValidFor = -1 // an explicit zero is out of range, not "the default"
		}
	}
	for i, s := range m.GetAlternatives() {
		if s.GetSlotStart() == nil {
			return nil, a.fail(ctx, req.Header(), requiredField(fmt.Sprintf("alternatives[%d].slot_start", i)))
		}
		r.Alternatives = append(r.Alternatives, booking.ProposedSlot{Start: timeOf(s.GetSlotStart()), OperatorID: s.GetOperatorId()})
	}
	p, err := a.deps.Bookings.Propose(ctx, actor, r)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	b, err := a.deps.Bookings.Find(ctx, id)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	v, err := newProposalViews(ctx, a.deps.Reader, b.ResourceID)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.ProposeOtherDatesResponse{Proposal: v.pb(p)}), nil
}

// SetBookingMeetingUrl sets one video-call booking's link.
func (a *Admin) SetBookingMeetingUrl(ctx context.Context, req *connect.Request[varcov1.SetBookingMeetingUrlRequest]) (*connect.Response[varcov1.SetBookingMeetingUrlResponse], error) {
	id, actor, err := a.staffAction(ctx, req.Msg.GetBookingId())
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	b, err := a.deps.Bookings.SetMeetingURL(ctx, actor, id, req.Msg.GetMeetingUrl())
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	pb, err := a.bookingPB(ctx, b)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.SetBookingMeetingUrlResponse{Booking: pb}), nil
}
