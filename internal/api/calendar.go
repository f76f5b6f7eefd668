package api

import (
	"context"
	"crypto/hmac"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/calendar"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/fault"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// CalendarPattern is the mux pattern of the calendar file link (see
// calendar.Link); GET also answers HEAD.
const CalendarPattern = "GET " + calendar.LinkPath

// GetCalendarFile returns one of the caller's bookings as an iCalendar
// file, a no-login link to it (calendarLink) and the Google and Outlook
// "add to calendar" links.
func (h *Booking) GetCalendarFile(ctx context.Context, req *connect.Request[varcov1.GetCalendarFileRequest]) (*connect.Response[varcov1.GetCalendarFileResponse], error) {
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
	// The app's current language when it says one, else the booking's.
	lang := b.Language
	if req.Header().Get("Accept-Language") != "" {
		lang = Language(req.Header())
	}
	ev, err := calendarEvent(ctx, h.catalog, b, lang)
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	link := ""
	if h.tickets.PublicBaseURL != "" {
		link = calendarLink(h.tickets.PublicBaseURL, b)
		ev.URL = link
	}
	data, err := calendar.Generate(ev, h.bookings.Now())
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.GetCalendarFileResponse{Ics: data, FileName: calendar.FileName(b.Code), Url: link,
		GoogleCalendarUrl: calendar.GoogleURL(ev), OutlookCalendarUrl: calendar.OutlookURL(ev)}), nil
}

// calendarLink is the no-login link to a booking's calendar file that the
// API hands out: the cancel token itself cannot be, since the server keeps
// only its hash, so the link carries a MAC keyed by that hash instead
// (linkMAC). It dies with the cancel token, like the ticket QR links.
func calendarLink(publicBaseURL string, b booking.Booking) string {
	path := strings.Replace(calendar.LinkPath, "{code}", url.PathEscape(b.Code), 1)
	return strings.TrimRight(publicBaseURL, "/") + path + "?" + url.Values{paramCalendarSig: {calendarMAC(b)}}.Encode()
}

// paramCalendarSig carries calendarMAC in a calendar file link.
const paramCalendarSig = "sig"

func calendarMAC(b booking.Booking) string {
	return linkMAC(b.CancelTokenHash, "varco-calendar-link:"+b.ID)
}

// calendarHandler serves calendar files to holders of a booking's cancel
// token, for the link in the confirmation e-mail.
type calendarHandler struct {
	bookings Bookings
	catalog  CatalogReader
	baseURL  string
	clk      clock.Clock
	log      *slog.Logger
}

// NewCalendarHandler returns the handler to mount at CalendarPattern. It
// answers GET and HEAD /bookings/{code}/calendar.ics?token=<cancel token>
// with the booking's iCalendar file; publicBaseURL builds the link the file
// points back to (its URL property), so a calendar can fetch its current
// state. An unknown code or a wrong token is a plain 404 that does not say
// which of the two was wrong.
func NewCalendarHandler(b Bookings, c CatalogReader, publicBaseURL string, clk clock.Clock, log *slog.Logger) http.Handler {
	return &calendarHandler{bookings: b, catalog: c, baseURL: publicBaseURL, clk: clk, log: log}
}

// linkNotFound answers a no-login link (calendar file, receipt) with an
// unknown code or a wrong token or MAC, without saying which.
const linkNotFound = "Prenotazione non trovata o link non valido.\nBooking not found or link not valid.\n"

// bookingFromLink finds the booking a no-login link names, by the cancel
// token the e-mail's links carry or, failing that, by the MAC of a link the
// API handed out (mac computes it for a booking); bySig tells which.
func bookingFromLink(ctx context.Context, bookings Bookings, r *http.Request, mac func(booking.Booking) string) (b booking.Booking, bySig bool, err error) {
	q := r.URL.Query()
	tok, sig := q.Get("token"), q.Get(paramCalendarSig)
	if sig != "" && tok == "" {
		b, err = bookings.GetWithLink(ctx, r.PathValue("code"), func(b booking.Booking) bool {
			return hmac.Equal([]byte(mac(b)), []byte(sig))
		})
		return b, true, err
	}
	b, err = bookings.GetWithToken(ctx, r.PathValue("code"), tok)
	return b, false, err
}

func (h *calendarHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// The URL carries a secret: keep it out of caches and referrers.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Content-Type-Options", "nosniff")

	b, bySig, err := bookingFromLink(ctx, h.bookings, r, calendarMAC)
	if err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) {
			h.plain(w, r, http.StatusNotFound, linkNotFound)
			return
		}
		h.internal(w, r, err)
		return
	}
	ev, err := calendarEvent(ctx, h.catalog, b, b.Language)
	if err != nil {
		h.internal(w, r, err)
		return
	}
	if bySig {
		ev.URL = calendarLink(h.baseURL, b)
	} else {
		ev.URL = calendar.Link(h.baseURL, b.Code, r.URL.Query().Get("token"))
	}
	data, err := calendar.Generate(ev, h.clk.Now())
	if err != nil {
		h.internal(w, r, err)
		return
	}
	w.Header().Set("Content-Type", calendar.ContentType)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": calendar.FileName(b.Code)}))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(data)
	}
}

func (h *calendarHandler) internal(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) {
		return // the client went away.
	}
	h.log.ErrorContext(r.Context(), "calendar file", slog.Any("err", err))
	h.plain(w, r, http.StatusInternalServerError, errInternal.Error()+"\n")
}

func (h *calendarHandler) plain(w http.ResponseWriter, r *http.Request, status int, body string) {
	plainText(w, r, status, body)
}

// calendarEvent gathers what a booking's calendar file shows.
func calendarEvent(ctx context.Context, cat CatalogReader, b booking.Booking, lang string) (calendar.Event, error) {
	d, err := catalog.Describe(ctx, cat, b.ResourceID, b.OperatorID)
	if err != nil {
		return calendar.Event{}, err
	}
	return calendar.FromBooking(b, d, lang), nil
}
