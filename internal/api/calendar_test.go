package api_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/api"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clock"
)

// calendarBookings answers GetWithToken for one booking and token.
type calendarBookings struct {
	api.Bookings // other methods are not called.
	b            booking.Booking
	token        string
}

func (f calendarBookings) GetWithToken(_ context.Context, code, tok string) (booking.Booking, error) {
	if strings.ReplaceAll(code, "-", "") != f.b.Code || tok != f.token {
		return booking.Booking{}, booking.ErrBadCancelToken
	}
	return f.b, nil
}

// calendarCatalog holds one resource, place and organization.
type calendarCatalog struct {
	api.CatalogReader
	r   catalog.Resource
	p   catalog.Place
	o   catalog.Organization
	err error
}

func (c calendarCatalog) GetResource(context.Context, string) (catalog.Resource, error) {
	return c.r, c.err
}
func (c calendarCatalog) GetPlace(context.Context, string) (catalog.Place, error) { return c.p, nil }
func (c calendarCatalog) GetOrganization(context.Context, string) (catalog.Organization, error) {
	return c.o, nil
}

func calendarFixture() (calendarBookings, calendarCatalog) {
	start := time.Date(2026, 11, 3, 9, 0, 0, 0, time.UTC)
	b := booking.Booking{
		ID: "b-1", Code: "KM7R4TXA", OrganizationID: "o-1", ResourceID: "r-1", OperatorID: "op-2",
		Start: start, End: start.Add(30 * time.Minute), Status: booking.CancelledByOperator, Language: "en",
	}
	c := calendarCatalog{
		r: catalog.Resource{ID: "r-1", PlaceID: "p-1", Name: "Passport", Operators: []catalog.Operator{{ID: "op-1", DisplayName: "Anna"}, {ID: "op-2", DisplayName: "Bruno"}}},
		p: catalog.Place{ID: "p-1", Name: "Questura", Contacts: catalog.Contacts{Phone: "+39 0376 1"}},
		o: catalog.Organization{ID: "o-1", Name: "Comune", Contacts: catalog.Contacts{Phone: "+39 0376 9", Email: "urp@comune.example", Website: "https://comune.example"}},
	}
	return calendarBookings{b: b, token: "vc_secret"}, c
}

func serveCalendar(t *testing.T, h http.Handler, method, target string) *http.Response {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle(api.CalendarPattern, h)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec.Result()
}

func TestCalendarHandlerBuildsTheEventFromTheCatalog(t *testing.T) {
	t.Parallel()
	bk, cat := calendarFixture()
	clk := clock.NewFake(time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC))
	h := api.NewCalendarHandler(bk, cat, "https://prenota.example/", clk, slog.New(slog.DiscardHandler))

	res := serveCalendar(t, h, http.MethodGet, "/bookings/KM7R-4TXA/calendar.ics?token=vc_secret")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, `attachment; filename=prenotazione-KM7R4TXA.ics`, res.Header.Get("Content-Disposition"))
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	unfolded := strings.ReplaceAll(string(body), "\r\n ", "")
	for _, want := range []string{
		"UID:b-1@varco", "DTSTAMP:20261101T080000Z", "DTSTART:20261103T090000Z",
		"STATUS:CANCELLED", "SEQUENCE:1", // cancelled by the office: the calendar drops it
		`Cancelled: Passport – KM7R-4TXA`, // the booking's language
		`Operator: Bruno`,
		`Phone: +39 0376 1`,          // the place's phone first
		`E-mail: urp@comune.example`, // then the organization's
		"ORGANIZER;CN=Comune:mailto:urp@comune.example",
		"URL:https://prenota.example/bookings/KM7R4TXA/calendar.ics?token=vc_secret",
	} {
		require.Contains(t, unfolded, want)
	}
	require.NotContains(t, unfolded, "VALARM")
}

func TestCalendarHandlerFailures(t *testing.T) {
	t.Parallel()
	bk, cat := calendarFixture()
	log := slog.New(slog.DiscardHandler)
	h := api.NewCalendarHandler(bk, cat, "https://prenota.example", clock.Real{}, log)

	res := serveCalendar(t, h, http.MethodHead, "/bookings/KM7R4TXA/calendar.ics?token=vc_other")
	require.Equal(t, http.StatusNotFound, res.StatusCode)
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"))

	cat.err = errors.New("disk on fire at /var/lib/varco")
	h = api.NewCalendarHandler(bk, cat, "https://prenota.example", clock.Real{}, log)
	res = serveCalendar(t, h, http.MethodGet, "/bookings/KM7R4TXA/calendar.ics?token=vc_secret")
	require.Equal(t, http.StatusInternalServerError, res.StatusCode)
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	require.NotContains(t, string(body), "disk", "internals stay in the log")
}
