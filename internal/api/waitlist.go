package api

import (
	"context"
	"log/slog"
	"net/http"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/booking"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// Waitlists is what the WaitlistService needs from the booking domain.
type Waitlists interface {
	JoinWaitlist(ctx context.Context, accountID string, req booking.JoinRequest) (booking.WaitEntry, error)
	LeaveWaitlist(ctx context.Context, accountID, entryID string) error
	MyWaitlist(ctx context.Context, accountID string) ([]booking.WaitEntry, error)
}

// Waitlist serves varco.v1.WaitlistService.
type Waitlist struct {
	varcov1connect.UnimplementedWaitlistServiceHandler
	lists Waitlists
	log   *slog.Logger
}

// NewWaitlist returns the WaitlistService handler.
func NewWaitlist(w Waitlists, log *slog.Logger) *Waitlist { return &Waitlist{lists: w, log: log} }

func (h *Waitlist) fail(ctx context.Context, hdr http.Header, err error) error {
	return ToConnect(ctx, h.log, Language(hdr), err)
}

// JoinWaitlist puts the caller in line for a full slot.
func (h *Waitlist) JoinWaitlist(ctx context.Context, req *connect.Request[varcov1.JoinWaitlistRequest]) (*connect.Response[varcov1.JoinWaitlistResponse], error) {
	m := req.Msg
	e, err := h.lists.JoinWaitlist(ctx, authz.FromContext(ctx).AccountID, booking.JoinRequest{
		ResourceID: m.GetResourceId(), SlotStart: timeOf(m.GetSlotStart()), Seats: int(m.GetSeats()),
	})
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.JoinWaitlistResponse{Entry: waitEntryPB(e, false)}), nil
}

// LeaveWaitlist takes the caller out of a line.
func (h *Waitlist) LeaveWaitlist(ctx context.Context, req *connect.Request[varcov1.LeaveWaitlistRequest]) (*connect.Response[varcov1.LeaveWaitlistResponse], error) {
	if err := h.lists.LeaveWaitlist(ctx, authz.FromContext(ctx).AccountID, req.Msg.GetEntryId()); err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.LeaveWaitlistResponse{}), nil
}

// ListMyWaitlist lists the caller's entries.
func (h *Waitlist) ListMyWaitlist(ctx context.Context, req *connect.Request[varcov1.ListMyWaitlistRequest]) (*connect.Response[varcov1.ListMyWaitlistResponse], error) {
	list, err := h.lists.MyWaitlist(ctx, authz.FromContext(ctx).AccountID)
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	out := &varcov1.ListMyWaitlistResponse{}
	for _, e := range list {
		out.Entries = append(out.Entries, waitEntryPB(e, false))
	}
	return connect.NewResponse(out), nil
}

// waitEntryPB converts an entry; who waits only for staff.
func waitEntryPB(e booking.WaitEntry, staff bool) *varcov1.WaitlistEntry {
	out := &varcov1.WaitlistEntry{
		Id: e.ID, ResourceId: e.ResourceID, Seats: int32(e.Seats), State: varcov1.WaitlistState(e.State),
		Slot:     &varcov1.TimeRange{Start: timestamppb.New(e.Start), End: timestamppb.New(e.End)},
		Position: int32(e.Place), JoinedAt: timestamppb.New(e.JoinedAt), BookingId: e.BookingID,
		ResourceName: e.ResourceName,
	}
	if !e.OfferedAt.IsZero() {
		out.HoldId, out.OfferedAt, out.OfferExpiresAt = e.HoldID, timestamppb.New(e.OfferedAt), timestamppb.New(e.OfferExpiresAt)
	}
	if staff {
		out.PersonName, out.PersonEmail = e.PersonName, e.PersonEmail
	}
	return out
}
