package api

import (
	"context"
	"crypto/hmac"
	"errors"
	"log/slog"
	"net/http"
	"net/url"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/ticket"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// QRSize is the side, in pixels, of ticket QR images (quiet zone included).
const QRSize = 480

// Tickets is what serving tickets needs.
type Tickets struct {
	Store interface {
		TicketsOfBooking(ctx context.Context, bookingID string) ([]booking.IssuedTicket, []bool, error)
		TicketForLink(ctx context.Context, ticketID string) (booking.TicketLink, error)
	}
	Signer interface {
		Sign(c ticket.Claims) (string, error)
	}
	PublicBaseURL string
}

// ticketPB signs a ticket's claims into its QR payload. Ed25519 is
// deterministic, so the same ticket and key always give the same QR.
func (t Tickets) ticketPB(it booking.IssuedTicket, revoked, png bool, linkSecret [32]byte) (*varcov1.Ticket, error) {
	out := &varcov1.Ticket{
		Id: it.ID, BookingId: it.BookingID, Seats: int32(it.Seats),
		ValidFrom: timestamppb.New(it.ValidFrom), ValidUntil: timestamppb.New(it.ValidUntil),
		State: varcov1.TicketState_TICKET_STATE_ISSUED,
	}
	// The state the gates left the ticket in (issued, inside since, exited).
	switch p := it.Presence; p.State {
	case gate.Inside, gate.Exited, gate.Expired:
		out.State = varcov1.TicketState(p.State)
		if !p.EnteredAt.IsZero() {
			out.EnteredAt = timestamppb.New(p.EnteredAt)
		}
		if !p.ExpiresAt.IsZero() {
			out.ExpiresAt = timestamppb.New(p.ExpiresAt)
		}
	}
	if revoked {
		out.State = varcov1.TicketState_TICKET_STATE_REVOKED
		return out, nil // a revoked ticket has no QR to show
	}
	payload, err := t.Signer.Sign(ticket.Claims{TicketID: it.ID, ResourceID: it.ResourceID, ValidFrom: it.ValidFrom,
		ValidUntil: it.ValidUntil, MaxStay: it.MaxStay, Seats: it.Seats})
	if err != nil {
		return nil, err
	}
	out.Payload = payload
	out.QrUrl = t.PublicBaseURL + "/tickets/" + url.PathEscape(it.ID) + "/qr.png?t=" + qrLinkToken(linkSecret, it.ID)
	if png {
		if out.QrPng, err = ticket.PNG(payload, QRSize); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// qrLinkToken authorizes the public QR link of one ticket: an HMAC keyed by
// the booking's cancel-token hash, which only the server knows, so links
// cannot be guessed from ticket ids and die with the booking's token.
func qrLinkToken(secret [32]byte, ticketID string) string {
	return linkMAC(secret, "varco-qr-link:"+ticketID)
}

// GetTicket returns the QR tickets of the caller's booking.
func (h *Booking) GetTicket(ctx context.Context, req *connect.Request[varcov1.GetTicketRequest]) (*connect.Response[varcov1.GetTicketResponse], error) {
	if err := required("booking_id", req.Msg.GetBookingId()); err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	b, err := h.bookings.Get(ctx, authz.FromContext(ctx), req.Msg.GetBookingId())
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	list, revoked, err := h.tickets.Store.TicketsOfBooking(ctx, b.ID)
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	res := &varcov1.GetTicketResponse{}
	for i, it := range list {
		pb, err := h.tickets.ticketPB(it, revoked[i], req.Msg.GetIncludePng(), b.CancelTokenHash)
		if err != nil {
			return nil, h.fail(ctx, req.Header(), err)
		}
		res.Tickets = append(res.Tickets, pb)
	}
	return connect.NewResponse(res), nil
}

// QRPattern is the plain GET link of a ticket's QR image, for e-mails and
// wallets.
const QRPattern = "GET /tickets/{id}/qr.png"

// NewQRHandler serves ticket QR images to holders of the link.
func NewQRHandler(b Bookings, t Tickets, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		notFound := func() {
			http.Error(w, "Biglietto non trovato o link non valido. / Ticket not found or link not valid.", http.StatusNotFound)
		}
		link, err := t.Store.TicketForLink(r.Context(), id)
		if err != nil {
			notFound()
			return
		}
		want := qrLinkToken(link.LinkSecret, id)
		if !hmac.Equal([]byte(want), []byte(r.URL.Query().Get("t"))) || link.Revoked {
			notFound()
			return
		}
		list, revoked, err := t.Store.TicketsOfBooking(r.Context(), link.BookingID)
		if err != nil {
			log.ErrorContext(r.Context(), "qr link", slog.Any("err", err))
			http.Error(w, "errore interno / internal error", http.StatusInternalServerError)
			return
		}
		for i, it := range list {
			if it.ID != id {
				continue
			}
			pb, err := t.ticketPB(it, revoked[i], true, link.LinkSecret)
			if err != nil || pb.GetQrPng() == nil {
				if err == nil {
					err = errors.New("no qr for ticket")
				}
				log.ErrorContext(r.Context(), "qr link", slog.Any("err", err))
				http.Error(w, "errore interno / internal error", http.StatusInternalServerError)
				return
			}
			w.Header().Set("Content-Type", "image/png")
			w.Header().Set("Cache-Control", "private, no-store")
			w.Header().Set("Referrer-Policy", "no-referrer")
			_, _ = w.Write(pb.GetQrPng())
			return
		}
		notFound()
	})
}
