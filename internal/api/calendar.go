package api

import (
	"context"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strconv"

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

// GetCalendarFile returns one of the caller's bookings as an iCalendar file.
// The response's url stays empty: the link works with the booking's cancel
// token, which the server keeps only hashed, so only the confirmation
// message (which carries the token) can give it.
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
	data, err := calendar.Generate(ev, h.bookings.Now())
	if err != nil {
		return nil, h.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.GetCalendarFileResponse{Ics: data, FileName: calendar.FileName(b.Code)}), nil
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

const calendarNotFound = "Prenotazione non trovata o link non valido.\nBooking not found or link not valid.\n"

func (h *calendarHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	// The URL carries a secret: keep it out of caches and referrers.
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Content-Type-Options", "nosniff")

	tok := r.URL.Query().Get("token")
	b, err := h.bookings.GetWithToken(ctx, r.PathValue("code"), tok)
	if err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) {
			h.plain(w, r, http.StatusNotFound, calendarNotFound)
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
	ev.URL = calendar.Link(h.baseURL, b.Code, tok)
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
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}

// calendarEvent gathers what a booking's calendar file shows.
func calendarEvent(ctx context.Context, cat CatalogReader, b booking.Booking, lang string) (calendar.Event, error) {
	d, err := catalog.Describe(ctx, cat, b.ResourceID, b.OperatorID)
	if err != nil {
		return calendar.Event{}, err
	}
	return calendar.FromBooking(b, d, lang), nil
}
