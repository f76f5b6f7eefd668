package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clientip"
	"github.com/varco-gate/varco/internal/i18n"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// Bookings is what the BookingService needs from the booking domain.
type Bookings interface {
	Hold(ctx context.Context, accountID string, req booking.HoldRequest) (booking.Hold, error)
	ReleaseHold(ctx context.Context, accountID, holdID string) error
	Confirm(ctx context.Context, caller authz.Principal, req booking.ConfirmRequest) (booking.ConfirmResult, error)
	Get(ctx context.Context, caller authz.Principal, id string) (booking.Booking, error)
	GetWithToken(ctx context.Context, code, cancelToken string) (booking.Booking, error)
	GetWithLink(ctx context.Context, code string, valid func(booking.Booking) bool) (booking.Booking, error)
	BookerName(ctx context.Context, b booking.Booking) (string, error)
	ListMine(ctx context.Context, caller authz.Principal, q booking.AccountQuery) ([]booking.Booking, error)
	CancelByOwner(ctx context.Context, caller authz.Principal, id, reason string) (booking.Booking, error)
	CancelWithToken(ctx context.Context, code, cancelToken, reason string) (booking.Booking, error)
	RescheduleByOwner(ctx context.Context, caller authz.Principal, req booking.RescheduleRequest) (booking.RescheduleResult, error)
	Now() time.Time
	// Proposals of other dates (proposal.go).
	Proposals(ctx context.Context, bookingID string) ([]booking.Proposal, error)
	RespondAsOwner(ctx context.Context, caller authz.Principal, bookingID string, choice int) (booking.ProposalResult, error)
	ProposalWithToken(ctx context.Context, id, secret string) (booking.Proposal, booking.Booking, error)
	RespondWithToken(ctx context.Context, id, secret string, choice int) (booking.ProposalResult, error)
}

// Booking serves varco.v1.BookingService.
type Booking struct {
	varcov1connect.UnimplementedBookingServiceHandler
	bookings Bookings
	catalog  CatalogReader
	tickets  Tickets
	log      *slog.Logger
	// guests books without an account (nil: those RPCs are refused);
	// clients finds the caller's address for their per-address limit.
	guests  Guests
	clients clientip.Resolver
}

// NewBooking returns the BookingService handler.
func NewBooking(b Bookings, c CatalogReader, t Tickets, log *slog.Logger) *Booking {
	return &Booking{bookings: b, catalog: c, tickets: t, log: log}
}

func (h *Booking) fail(ctx context.Context, hdr http.Header, err error) error {
	return ToConnect(ctx, h.log, Language(hdr), err)
}

// HoldSlots reserves seats while the citizen fills in the form.
func (h *Booking) HoldSlots(ctx context.Context, req *connect.Request[varcov1.HoldSlotsRequest]) (*connect.Response[varcov1.HoldSlotsResponse], error) {
	m := req.Msg
	caller := authz.FromContext(ctx)
	hold, err := h.bookings.Hold(ctx, caller.AccountID, booking.HoldRequest{
		ResourceID: m.GetResourceId(), SlotStart: timeOf(m.GetSlotStart()), SlotCount: int(m.GetSlotCount()),
		Seats: int(m.GetSeats()), OperatorID: m.GetOperatorId(),
	})
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	out := &varcov1.Hold{
		Id: hold.ID, ResourceId: hold.ResourceID, SlotCount: int32(len(hold.SlotStarts)), Seats: int32(hold.Seats),
		Span:      &varcov1.TimeRange{Start: timestamppb.New(hold.Start), End: timestamppb.New(hold.End)},
		ExpiresAt: timestamppb.New(hold.ExpiresAt),
	}
	if hold.OperatorID != "" {
		if r, err := h.catalog.GetResource(ctx, hold.ResourceID); err == nil {
			for _, op := range r.Operators {
				if op.ID == hold.OperatorID {
					out.Operator = &varcov1.Operator{Id: op.ID, DisplayName: op.DisplayName}
				}
			}
		}
	}
	return connect.NewResponse(&varcov1.HoldSlotsResponse{Hold: out}), nil
}

// ReleaseHold frees a hold early.
func (h *Booking) ReleaseHold(ctx context.Context, req *connect.Request[varcov1.ReleaseHoldRequest]) (*connect.Response[varcov1.ReleaseHoldResponse], error) {
	if err := h.bookings.ReleaseHold(ctx, authz.FromContext(ctx).AccountID, req.Msg.GetHoldId()); err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.ReleaseHoldResponse{}), nil
}

// ConfirmBooking turns a hold into a booking.
func (h *Booking) ConfirmBooking(ctx context.Context, req *connect.Request[varcov1.ConfirmBookingRequest]) (*connect.Response[varcov1.ConfirmBookingResponse], error) {
	m := req.Msg
	in := booking.ConfirmRequest{
		HoldID: m.GetHoldId(), IdempotencyKey: m.GetIdempotencyKey(), Reason: m.GetReason(), Notes: m.GetNotes(),
		Mode: catalog.Mode(m.GetMode()), AckIDs: m.GetAcknowledgementIds(), Language: m.GetLanguage(),
	}
	if in.Language != "" && !i18n.Supported(in.Language) {
		return nil, h.fail(ctx, req.Header(), invalidLanguage)
	}
	for _, c := range m.GetConsents() {
		switch c {
		case varcov1.ConsentKind_CONSENT_KIND_PRIVACY:
			in.PrivacyConsent = true
		case varcov1.ConsentKind_CONSENT_KIND_PUSH:
			in.PushConsent = true
		}
	}
	if p := m.GetBeneficiary(); p != nil {
		in.Beneficiary = personOf(p)
	}
	res, err := h.bookings.Confirm(ctx, authz.FromContext(ctx), in)
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	b, err := newBookingViews(h.catalog, h.bookings.Now()).pb(ctx, res.Booking)
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.ConfirmBookingResponse{Booking: b}), nil
}

// GetBooking returns one booking of the caller, or one named by code and
// cancel token.
func (h *Booking) GetBooking(ctx context.Context, req *connect.Request[varcov1.GetBookingRequest]) (*connect.Response[varcov1.GetBookingResponse], error) {
	b, err := h.find(ctx, req.Msg.GetBookingId(), req.Msg.GetCode(), req.Msg.GetCancelToken())
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	pb, err := newBookingViews(h.catalog, h.bookings.Now()).pb(ctx, b)
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	if err := addProposals(ctx, h.bookings, h.catalog, pb, b); err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.GetBookingResponse{Booking: pb}), nil
}

// find resolves a booking for the caller: by id when logged in, by code
// and token otherwise.
func (h *Booking) find(ctx context.Context, id, code, tok string) (booking.Booking, error) {
	caller := authz.FromContext(ctx)
	if code != "" || tok != "" {
		return h.bookings.GetWithToken(ctx, code, tok)
	}
	if caller.Kind != authz.Account {
		return booking.Booking{}, authz.ErrUnauthenticated
	}
	if err := required("booking_id", id); err != nil {
		return booking.Booking{}, err
	}
	return h.bookings.Get(ctx, caller, id)
}

// ListMyBookings lists the caller's bookings.
func (h *Booking) ListMyBookings(ctx context.Context, req *connect.Request[varcov1.ListMyBookingsRequest]) (*connect.Response[varcov1.ListMyBookingsResponse], error) {
	size, err := pageSize(req.Msg.GetPageSize())
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	cur, err := decodeCursor(req.Msg.GetPageToken())
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	q := booking.AccountQuery{Filter: booking.Filter(req.Msg.GetFilter()), Limit: size + 1, AfterID: cur.ID}
	if cur.ID != "" {
		if q.AfterStart, err = time.Parse(time.RFC3339Nano, cur.Key); err != nil {
			return nil, h.fail(ctx, req.Header(), errPageToken)
		}
	}
	list, err := h.bookings.ListMine(ctx, authz.FromContext(ctx), q)
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	res := &varcov1.ListMyBookingsResponse{}
	if len(list) > size {
		list = list[:size]
		last := list[size-1]
		res.NextPageToken = encodeCursor(cursor{Key: last.Start.Format(time.RFC3339Nano), ID: last.ID})
	}
	views := newBookingViews(h.catalog, h.bookings.Now())
	for _, b := range list {
		pb, err := views.pb(ctx, b)
		if err != nil {
			return nil, h.fail(ctx, req.Header(), err)
		}
		res.Bookings = append(res.Bookings, pb)
	}
	return connect.NewResponse(res), nil
}

// CancelBooking cancels by the owner or with the e-mail link's token.
func (h *Booking) CancelBooking(ctx context.Context, req *connect.Request[varcov1.CancelBookingRequest]) (*connect.Response[varcov1.CancelBookingResponse], error) {
	m := req.Msg
	var b booking.Booking
	var err error
	caller := authz.FromContext(ctx)
	switch {
	case m.GetCode() != "" || m.GetCancelToken() != "":
		b, err = h.bookings.CancelWithToken(ctx, m.GetCode(), m.GetCancelToken(), m.GetReason())
	case caller.Kind != authz.Account:
		err = authz.ErrUnauthenticated
	default:
		if err = required("booking_id", m.GetBookingId()); err == nil {
			b, err = h.bookings.CancelByOwner(ctx, caller, m.GetBookingId(), m.GetReason())
		}
	}
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	pb, err := newBookingViews(h.catalog, h.bookings.Now()).pb(ctx, b)
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.CancelBookingResponse{Booking: pb}), nil
}

// RescheduleBooking moves a booking of the caller.
func (h *Booking) RescheduleBooking(ctx context.Context, req *connect.Request[varcov1.RescheduleBookingRequest]) (*connect.Response[varcov1.RescheduleBookingResponse], error) {
	m := req.Msg
	if err := required("booking_id", m.GetBookingId()); err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	if m.GetNewSlotStart() == nil {
		return nil, h.fail(ctx, req.Header(), requiredField("new_slot_start"))
	}
	res, err := h.bookings.RescheduleByOwner(ctx, authz.FromContext(ctx), booking.RescheduleRequest{
		BookingID: m.GetBookingId(), NewStart: timeOf(m.GetNewSlotStart()), OperatorID: m.GetOperatorId(),
		IdempotencyKey: m.GetIdempotencyKey(),
	})
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	views := newBookingViews(h.catalog, h.bookings.Now())
	nb, err := views.pb(ctx, res.New)
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	prev, err := views.pb(ctx, res.Previous)
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.RescheduleBookingResponse{Booking: nb, Previous: prev}), nil
}

func timeOf(ts *timestamppb.Timestamp) time.Time {
	if ts == nil {
		return time.Time{}
	}
	return ts.AsTime()
}

func personOf(p *varcov1.Person) *booking.Person {
	return &booking.Person{
		GivenName: p.GetGivenName(), FamilyName: p.GetFamilyName(), CodiceFiscale: p.GetCodiceFiscale(),
		BirthDate: p.GetBirthDate(), BirthPlace: p.GetBirthPlace(), Email: p.GetEmail(), Phone: p.GetPhone(),
	}
}
