package api

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clientip"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/i18n"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// Guests is what booking without an account needs from the domain.
type Guests interface {
	Start(ctx context.Context, req booking.GuestStartRequest) (booking.GuestStarted, error)
	Confirm(ctx context.Context, id, code, key string) (booking.ConfirmResult, error)
	Resend(ctx context.Context, id string) (time.Time, error)
}

// WithGuests enables booking without an account; clients resolves the
// caller's address for the per-address limit (see package clientip).
func (h *Booking) WithGuests(g Guests, clients clientip.Resolver) *Booking {
	h.guests, h.clients = g, clients
	return h
}

var errNoGuests = fault.New(fault.FailedPrecondition, "guests_not_allowed")

// StartGuestBooking holds the seats and e-mails the guest a code.
func (h *Booking) StartGuestBooking(ctx context.Context, req *connect.Request[varcov1.StartGuestBookingRequest]) (*connect.Response[varcov1.StartGuestBookingResponse], error) {
	if h.guests == nil {
		return nil, h.fail(ctx, req.Header(), errNoGuests)
	}
	m := req.Msg
	if m.GetLanguage() != "" && !i18n.Supported(m.GetLanguage()) {
		return nil, h.fail(ctx, req.Header(), invalidLanguage)
	}
	if m.GetGuest() == nil {
		return nil, h.fail(ctx, req.Header(), requiredField("guest"))
	}
	in := booking.GuestStartRequest{
		Hold: booking.HoldRequest{ResourceID: m.GetResourceId(), SlotStart: timeOf(m.GetSlotStart()), SlotCount: int(m.GetSlotCount()),
			Seats: int(m.GetSeats()), OperatorID: m.GetOperatorId()},
		Guest: *personOf(m.GetGuest()), Reason: m.GetReason(), Notes: m.GetNotes(), Mode: catalog.Mode(m.GetMode()),
		AckIDs: m.GetAcknowledgementIds(), Language: m.GetLanguage(), IdempotencyKey: m.GetIdempotencyKey(),
		ClientAddr: h.clients.Client(req.Peer().Addr, req.Header()),
	}
	for _, c := range m.GetConsents() {
		if c == varcov1.ConsentKind_CONSENT_KIND_PRIVACY {
			in.PrivacyConsent = true
		}
	}
	res, err := h.guests.Start(ctx, in)
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	out := &varcov1.StartGuestBookingResponse{GuestBookingId: res.ID, CodeExpiresAt: timestamppb.New(res.CodeExpiresAt)}
	if !res.HoldExpiresAt.IsZero() {
		out.HoldExpiresAt = timestamppb.New(res.HoldExpiresAt)
	}
	return connect.NewResponse(out), nil
}

// ConfirmGuestBooking books with the e-mailed code and returns the booking
// with its tickets.
func (h *Booking) ConfirmGuestBooking(ctx context.Context, req *connect.Request[varcov1.ConfirmGuestBookingRequest]) (*connect.Response[varcov1.ConfirmGuestBookingResponse], error) {
	if h.guests == nil {
		return nil, h.fail(ctx, req.Header(), errNoGuests)
	}
	m := req.Msg
	res, err := h.guests.Confirm(ctx, m.GetGuestBookingId(), m.GetCode(), m.GetIdempotencyKey())
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	b, err := newBookingViews(h.catalog, h.bookings.Now()).pb(ctx, res.Booking)
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	out := &varcov1.ConfirmGuestBookingResponse{Booking: b}
	list, revoked, err := h.tickets.Store.TicketsOfBooking(ctx, res.Booking.ID)
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	for i, it := range list {
		pb, err := h.tickets.ticketPB(it, revoked[i], true, res.Booking.CancelTokenHash)
		if err != nil {
			return nil, h.fail(ctx, req.Header(), err)
		}
		out.Tickets = append(out.Tickets, pb)
	}
	return connect.NewResponse(out), nil
}

// ResendGuestCode e-mails a new code.
func (h *Booking) ResendGuestCode(ctx context.Context, req *connect.Request[varcov1.ResendGuestCodeRequest]) (*connect.Response[varcov1.ResendGuestCodeResponse], error) {
	if h.guests == nil {
		return nil, h.fail(ctx, req.Header(), errNoGuests)
	}
	exp, err := h.guests.Resend(ctx, req.Msg.GetGuestBookingId())
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.ResendGuestCodeResponse{CodeExpiresAt: timestamppb.New(exp)}), nil
}
