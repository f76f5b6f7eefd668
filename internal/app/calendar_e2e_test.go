package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	goical "github.com/emersion/go-ical"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/calendar"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/store/sqlite"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// A citizen books the electronic ID card, downloads the calendar file over
// the RPC, and opens the e-mail's link without logging in; a wrong token
// reads as not found.
func TestCalendarFileEndToEnd(t *testing.T) {
	t.Parallel()
	const public = "https://prenota.example/api"
	b := setupOpts(t, clock.Real{}, keepOutbox, func(c *config.Config) { c.PublicBaseURL = public })
	ctx := context.Background()

	reg, err := varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL).Register(ctx, connect.NewRequest(&varcov1.RegisterRequest{
		GivenName: "Mario", FamilyName: "Rossi", Email: "mario.rossi@example.it", CodiceFiscale: "RSSMRA85T10A562S",
		Phone: "+39 333 765 4321", Password: "una password lunga", PrivacyConsent: true,
	}))
	require.NoError(t, err)
	tok := reg.Msg.GetSession().GetToken()

	cat := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL)
	res, err := cat.GetResource(ctx, connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: demo.CIEID}))
	require.NoError(t, err)
	require.NotEmpty(t, res.Msg.GetResource().GetAcknowledgements())
	ack := res.Msg.GetResource().GetAcknowledgements()[0].GetId()

	slot := calendarCIESlot(t, b)
	bk := varcov1connect.NewBookingServiceClient(http.DefaultClient, b.baseURL)
	hold, err := bk.HoldSlots(ctx, authBearer(&varcov1.HoldSlotsRequest{ResourceId: demo.CIEID, SlotStart: slot.GetStart()}, tok))
	require.NoError(t, err)
	conf, err := bk.ConfirmBooking(ctx, authBearer(&varcov1.ConfirmBookingRequest{
		HoldId: hold.Msg.GetHold().GetId(), IdempotencyKey: uuid.NewString(),
		Consents:           []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY},
		AcknowledgementIds: []string{ack},
	}, tok))
	require.NoError(t, err)
	booking := conf.Msg.GetBooking()
	code := booking.GetCode()

	// The RPC, for the logged-in owner.
	file, err := bk.GetCalendarFile(ctx, authBearer(&varcov1.GetCalendarFileRequest{BookingId: booking.GetId()}, tok))
	require.NoError(t, err)
	require.Equal(t, "prenotazione-"+strings.ReplaceAll(code, "-", "")+".ics", file.Msg.GetFileName())
	// The RPC's own no-login link (a MAC, since the server keeps only the
	// cancel token's hash), at the public address; and the web calendars'.
	rpcLink := file.Msg.GetUrl()
	require.True(t, strings.HasPrefix(rpcLink, public+"/bookings/"+strings.ReplaceAll(code, "-", "")+"/calendar.ics?sig="), rpcLink)
	require.NotContains(t, rpcLink, "vc_", "the cancel token is not in it")
	require.Contains(t, file.Msg.GetGoogleCalendarUrl(), "https://calendar.google.com/calendar/render?action=TEMPLATE")
	require.Contains(t, file.Msg.GetOutlookCalendarUrl(), "https://outlook.live.com/calendar/0/deeplink/compose?")
	for _, u := range []string{file.Msg.GetGoogleCalendarUrl(), file.Msg.GetOutlookCalendarUrl()} {
		require.Contains(t, u, code)
		require.NotContains(t, u, "Rossi", "nothing about the person goes to a third party")
	}
	localLink := b.baseURL + strings.TrimPrefix(rpcLink, public)
	resp, body := calendarFetch(t, http.MethodGet, localLink)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	require.Equal(t, rpcLink, parseCalendarEvent(t, body).Props.Get("URL").Value)
	for _, u := range []string{localLink[:len(localLink)-2] + "AA", strings.Replace(localLink, strings.ReplaceAll(code, "-", ""), "ZZZZZZZZ", 1), localLink + "&token=vc_x"} {
		resp, _ := calendarFetch(t, http.MethodGet, u)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, u)
	}
	e := parseCalendarEvent(t, file.Msg.GetIcs())
	start, err := e.DateTimeStart(nil)
	require.NoError(t, err)
	require.True(t, start.Equal(slot.GetStart().AsTime()), "DTSTART %v, slot %v", start, slot.GetStart().AsTime())
	require.True(t, strings.HasSuffix(e.Props.Get("DTSTART").Value, "Z"))
	summary, err := e.Props.Text("SUMMARY")
	require.NoError(t, err)
	require.Contains(t, summary, code)
	require.Equal(t, booking.GetId()+"@varco", e.Props.Get("UID").Value)
	require.Equal(t, "CONFIRMED", e.Props.Get("STATUS").Value)
	require.Len(t, e.Children, 1)
	require.Equal(t, "-P1D", e.Children[0].Props.Get("TRIGGER").Value, "the demo service reminds a day before")

	_, err = bk.GetCalendarFile(ctx, connect.NewRequest(&varcov1.GetCalendarFileRequest{BookingId: booking.GetId()}))
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "the RPC is for logged-in owners")

	// The link, with the cancel token the confirmation message carries.
	cancelToken := calendarCancelToken(t, b, booking.GetId())
	link := calendar.Link(b.baseURL, code, cancelToken)
	resp, body = calendarFetch(t, http.MethodGet, link)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	require.Equal(t, "text/calendar; charset=utf-8", resp.Header.Get("Content-Type"))
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	disp, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
	require.NoError(t, err)
	require.Equal(t, "attachment", disp)
	require.Equal(t, file.Msg.GetFileName(), params["filename"])
	e = parseCalendarEvent(t, body)
	start, err = e.DateTimeStart(nil)
	require.NoError(t, err)
	require.True(t, start.Equal(slot.GetStart().AsTime()))
	require.Equal(t, calendar.Link(public, code, cancelToken), e.Props.Get("URL").Value,
		"the file points back to its live version, at the public address")

	head, headBody := calendarFetch(t, http.MethodHead, link)
	require.Equal(t, http.StatusOK, head.StatusCode)
	require.Equal(t, "text/calendar; charset=utf-8", head.Header.Get("Content-Type"))
	require.Empty(t, headBody)

	wrong := []string{
		calendar.Link(b.baseURL, code, "vc_"+strings.Repeat("A", 43)),
		calendar.Link(b.baseURL, code, ""),
		calendar.Link(b.baseURL, "ZZZZ-ZZZZ", cancelToken),
		b.baseURL + "/bookings/" + code + "/calendar.ics",
	}
	for _, u := range wrong {
		resp, body := calendarFetch(t, http.MethodGet, u)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, u)
		require.Equal(t, "Prenotazione non trovata o link non valido.\nBooking not found or link not valid.\n", string(body))
		require.NotContains(t, resp.Header.Get("Content-Type"), "calendar")
	}
	post, _ := calendarFetch(t, http.MethodPost, link)
	require.Equal(t, http.StatusMethodNotAllowed, post.StatusCode)

	// Cancelling updates the same event: STATUS and SEQUENCE change.
	_, err = bk.CancelBooking(ctx, authBearer(&varcov1.CancelBookingRequest{BookingId: booking.GetId()}, tok))
	require.NoError(t, err)
	resp, body = calendarFetch(t, http.MethodGet, link)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	e = parseCalendarEvent(t, body)
	require.Equal(t, booking.GetId()+"@varco", e.Props.Get("UID").Value)
	require.Equal(t, "CANCELLED", e.Props.Get("STATUS").Value)
	require.Equal(t, "1", e.Props.Get("SEQUENCE").Value)
	resp, body = calendarFetch(t, http.MethodGet, localLink)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "CANCELLED", parseCalendarEvent(t, body).Props.Get("STATUS").Value, "the RPC's link follows the booking too")
}

// calendarCIESlot finds the first bookable ID-card slot from two days on
// (past the minimum notice and same-day cut-off); the grid already skips
// weekends and the demo's holidays.
func calendarCIESlot(t *testing.T, b *bundle) *varcov1.Slot {
	t.Helper()
	rome, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	from := time.Now().In(rome).AddDate(0, 0, 2)
	res, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL).GetAvailability(context.Background(),
		connect.NewRequest(&varcov1.GetAvailabilityRequest{ResourceId: demo.CIEID,
			FromDate: from.Format(time.DateOnly), ToDate: from.AddDate(0, 0, 14).Format(time.DateOnly)}))
	require.NoError(t, err)
	for _, d := range res.Msg.GetDays() {
		for _, s := range d.GetSlots() {
			if s.GetState() == varcov1.SlotState_SLOT_STATE_AVAILABLE {
				return s
			}
		}
	}
	t.Fatal("no free ID-card slot in the next two weeks")
	return nil
}

// calendarCancelToken reads the plain cancel token from the booking's
// confirmation message, as the e-mail dispatcher will.
func calendarCancelToken(t *testing.T, b *bundle, bookingID string) string {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, b.dbPath, sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	defer func() { require.NoError(t, db.Close()) }()
	msgs, err := db.PendingMessages(ctx, bookingID)
	require.NoError(t, err)
	for _, m := range msgs {
		if m.Kind != outbox.KindBookingConfirmed {
			continue
		}
		var p outbox.BookingPayload
		require.NoError(t, json.Unmarshal(m.Payload, &p))
		require.NotEmpty(t, p.CancelToken)
		return p.CancelToken
	}
	t.Fatalf("no confirmation message among %d pending for %s", len(msgs), bookingID)
	return ""
}

func calendarFetch(t *testing.T, method, url string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, body
}

func parseCalendarEvent(t *testing.T, data []byte) goical.Event {
	t.Helper()
	cal, err := goical.NewDecoder(bytes.NewReader(data)).Decode()
	require.NoError(t, err, "%s", data)
	require.Equal(t, "-//Varco//Prenotazioni//IT", cal.Props.Get("PRODID").Value)
	events := cal.Events()
	require.Len(t, events, 1)
	return events[0]
}
