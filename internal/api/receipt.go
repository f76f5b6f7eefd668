package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/i18n"
	"github.com/varco-gate/varco/internal/person"
	"github.com/varco-gate/varco/internal/receipt"
	"github.com/varco-gate/varco/internal/textfmt"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// ReceiptPattern is the mux pattern of a receipt's no-login link; GET also
// answers HEAD.
const ReceiptPattern = "GET /bookings/{code}/receipt.pdf"

// GetReceipt returns one of the caller's bookings as a PDF receipt, with
// the no-login link to it.
func (h *Booking) GetReceipt(ctx context.Context, req *connect.Request[varcov1.GetReceiptRequest]) (*connect.Response[varcov1.GetReceiptResponse], error) {
	if err := required("booking_id", req.Msg.GetBookingId()); err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	caller := authz.FromContext(ctx)
	if caller.Kind != authz.Account {
		return nil, h.fail(ctx, req.Header(), authz.ErrUnauthenticated)
	}
	b, err := h.bookings.Get(ctx, caller, req.Msg.GetBookingId())
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	lang := b.Language
	if req.Header().Get("Accept-Language") != "" {
		lang = Language(req.Header())
	}
	pdf, err := receiptPDF(ctx, h.bookings, h.catalog, h.tickets, b, lang)
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	link := ""
	if h.tickets.PublicBaseURL != "" {
		link = receiptLink(h.tickets.PublicBaseURL, b)
	}
	return connect.NewResponse(&varcov1.GetReceiptResponse{Pdf: pdf, FileName: receiptFileName(b.Code), Url: link}), nil
}

func receiptFileName(code string) string {
	return "ricevuta-" + strings.ReplaceAll(code, "-", "") + ".pdf"
}

// receiptLink is the no-login link to a booking's receipt: a MAC keyed by
// the booking's cancel-token hash, like calendarLink, under its own
// purpose so one link never opens the other.
func receiptLink(publicBaseURL string, b booking.Booking) string {
	path := strings.Replace(strings.TrimPrefix(ReceiptPattern, "GET "), "{code}", url.PathEscape(b.Code), 1)
	return strings.TrimRight(publicBaseURL, "/") + path + "?" + url.Values{paramCalendarSig: {receiptMAC(b)}}.Encode()
}

func receiptMAC(b booking.Booking) string {
	return linkMAC(b.CancelTokenHash, "varco-receipt-link:"+b.ID)
}

// receiptPDF gathers what the receipt shows and draws it.
func receiptPDF(ctx context.Context, bookings Bookings, cat CatalogReader, t Tickets, b booking.Booking, lang string) ([]byte, error) {
	d, err := catalog.Describe(ctx, cat, b.ResourceID, b.OperatorID)
	if err != nil {
		return nil, err
	}
	loc, err := d.Place.Zone()
	if err != nil {
		return nil, err
	}
	bookedBy, err := bookings.BookerName(ctx, b)
	if err != nil {
		return nil, err
	}
	pick := i18n.Picker(lang)
	r := receipt.Receipt{
		Language: lang, OrgName: d.Organization.Name,
		OrgContact: strings.TrimSpace(person.FormatPhone(d.Contacts.Phone) + "  " + d.Contacts.Email),
		Service:    d.Resource.Name, Start: b.Start, End: b.End, TimeZone: loc, Code: token.FormatCode(b.Code),
		Status:      receiptStatus(b.Status, lang),
		Beneficiary: strings.TrimSpace(b.Beneficiary.GivenName + " " + b.Beneficiary.FamilyName), CodiceFiscale: b.Beneficiary.CodiceFiscale,
		BookedBy: bookedBy, Seats: b.Seats, Documents: d.Resource.DocumentsToBring, IssuedAt: bookings.Now(),
	}
	// A remote appointment names no office to come to and no documents to
	// bring; a phone appointment says which number the office calls.
	switch b.Mode {
	case catalog.ModePhone:
		r.Mode = pick("receipt.phone_call")
		if n := person.FormatPhone(b.Beneficiary.Phone); n != "" {
			r.Mode += pick("receipt.we_will_call_you_on") + n
		}
		r.Documents = nil
	case catalog.ModeVideoCall:
		r.Mode = pick("receipt.video_call_the_office_sends")
		r.Documents = nil
	default:
		r.Place, r.Address = d.Place.Name, d.Place.Address.Line()
	}
	if b.Active() && d.Resource.Ticketed {
		list, revoked, err := t.Store.TicketsOfBooking(ctx, b.ID)
		if err != nil {
			return nil, err
		}
		for i, it := range list {
			if revoked[i] {
				continue
			}
			pb, err := t.ticketPB(it, false, true, b.CancelTokenHash)
			if err != nil {
				return nil, err
			}
			r.QRPNG = pb.GetQrPng()
			r.TicketLines = textfmt.TicketTerms(lang, it.Seats, it.ValidFrom, it.ValidUntil, it.MaxStay, loc, b.Start)
			break
		}
	}
	return receipt.PDF(r)
}

func receiptStatus(s booking.Status, lang string) string {
	key := "receipt.status.confirmed"
	switch s {
	case booking.CancelledByUser:
		key = "receipt.status.cancelled"
	case booking.CancelledByOperator:
		key = "receipt.status.cancelled_by_office"
	case booking.Done:
		key = "receipt.status.attended"
	case booking.NoShow:
		key = "receipt.status.no_show"
	case booking.Rescheduled:
		key = "receipt.status.rescheduled"
	}
	return i18n.T(lang, key)
}

// receiptHandler serves receipts to holders of the booking's cancel token
// (the e-mail's links) or of the link GetReceipt hands out.
type receiptHandler struct {
	bookings Bookings
	catalog  CatalogReader
	tickets  Tickets
	log      *slog.Logger
}

// NewReceiptHandler returns the handler to mount at ReceiptPattern. An
// unknown code or a wrong token or MAC is a plain 404 that does not say
// which was wrong.
func NewReceiptHandler(b Bookings, c CatalogReader, t Tickets, log *slog.Logger) http.Handler {
	return &receiptHandler{bookings: b, catalog: c, tickets: t, log: log}
}

func (h *receiptHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// The URL carries a secret and the page personal data: keep both out
	// of caches and referrers.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	b, _, err := bookingFromLink(ctx, h.bookings, r, receiptMAC)
	if err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) {
			plainText(w, r, http.StatusNotFound, linkNotFound)
			return
		}
		h.internal(w, r, err)
		return
	}
	pdf, err := receiptPDF(ctx, h.bookings, h.catalog, h.tickets, b, b.Language)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+receiptFileName(b.Code)+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(pdf)
	}
}

func (h *receiptHandler) internal(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return
	}
	h.log.ErrorContext(r.Context(), "receipt", slog.Any("err", err))
	plainText(w, r, http.StatusInternalServerError, errInternal.Error()+"\n")
}

func plainText(w http.ResponseWriter, r *http.Request, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}
