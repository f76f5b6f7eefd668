package api

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/fault"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// proposalLister reads a booking's proposals of other dates.
type proposalLister interface {
	Proposals(ctx context.Context, bookingID string) ([]booking.Proposal, error)
}

// proposalViews converts the proposals of one resource's bookings.
type proposalViews struct {
	ops map[string]*varcov1.Operator
	loc *time.Location
}

func newProposalViews(ctx context.Context, cat CatalogReader, resourceID string) (proposalViews, error) {
	r, err := cat.GetResource(ctx, resourceID)
	if err != nil {
		return proposalViews{}, err
	}
	p, err := cat.GetPlace(ctx, r.PlaceID)
	if err != nil {
		return proposalViews{}, err
	}
	v := proposalViews{ops: map[string]*varcov1.Operator{}}
	if v.loc, err = p.Zone(); err != nil {
		return proposalViews{}, err
	}
	for _, op := range r.Operators {
		v.ops[op.ID] = &varcov1.Operator{Id: op.ID, DisplayName: op.DisplayName}
	}
	return v, nil
}

func (v proposalViews) pb(p booking.Proposal) *varcov1.BookingProposal {
	out := &varcov1.BookingProposal{
		Id: p.ID, Status: varcov1.ProposalStatus(p.Status), Message: p.Message,
		CreatedAt: timestamppb.New(p.CreatedAt), ExpiresAt: timestamppb.New(p.ExpiresAt),
		Chosen: int32(p.Chosen), NewBookingId: p.NewBookingID, ProposedBy: p.ProposedBy.Name,
	}
	if !p.DecidedAt.IsZero() {
		out.DecidedAt = timestamppb.New(p.DecidedAt)
	}
	for _, a := range p.Alternatives {
		out.Alternatives = append(out.Alternatives, &varcov1.ProposedDate{
			Span:       &varcov1.TimeRange{Start: timestamppb.New(a.Start), End: timestamppb.New(a.End)},
			LocalStart: a.Start.In(v.loc).Format("2006-01-02 15:04"), Operator: v.ops[a.OperatorID],
		})
	}
	return out
}

// addProposals fills the proposals of a single booking's view (not of
// lists, which would read them once per booking).
func addProposals(ctx context.Context, l proposalLister, cat CatalogReader, pb *varcov1.Booking, b booking.Booking) error {
	list, err := l.Proposals(ctx, b.ID)
	if err != nil || len(list) == 0 {
		return err
	}
	v, err := newProposalViews(ctx, cat, b.ResourceID)
	if err != nil {
		return err
	}
	for _, p := range list {
		pb.Proposals = append(pb.Proposals, v.pb(p))
	}
	return nil
}

// RespondToProposal accepts one of the dates the office proposed for the
// caller's booking, or declines them all.
func (h *Booking) RespondToProposal(ctx context.Context, req *connect.Request[varcov1.RespondToProposalRequest]) (*connect.Response[varcov1.RespondToProposalResponse], error) {
	m := req.Msg
	if err := required("booking_id", m.GetBookingId()); err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	choice := int(m.GetAcceptAlternative())
	if m.GetDecline() == (choice != 0) {
		return nil, h.fail(ctx, req.Header(), fault.InvalidField("accept_alternative", "one_answer"))
	}
	res, err := h.bookings.RespondAsOwner(ctx, authz.FromContext(ctx), m.GetBookingId(), choice)
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	pb, err := newBookingViews(h.catalog, h.bookings.Now()).pb(ctx, res.Booking)
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	if err := addProposals(ctx, h.bookings, h.catalog, pb, res.Booking); err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	v, err := newProposalViews(ctx, h.catalog, res.Booking.ResourceID)
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.RespondToProposalResponse{Booking: pb, Proposal: v.pb(res.Proposal)}), nil
}
