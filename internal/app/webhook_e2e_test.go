package app_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// hookRequest is one POST a receiver got.
type hookRequest struct {
	path   string
	header http.Header
	body   []byte
}

// receiver is an organization's HTTPS endpoint: a real TLS server that
// records what it gets and answers from a script (204 when it runs out).
type receiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	got     []hookRequest
	answers []answer
}

type answer struct {
	status     int
	retryAfter string
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{}
	r.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, hookRequest{path: req.URL.Path, header: req.Header.Clone(), body: body})
		a := answer{status: http.StatusNoContent}
		if len(r.answers) > 0 {
			a, r.answers = r.answers[0], r.answers[1:]
		}
		r.mu.Unlock()
		if a.retryAfter != "" {
			w.Header().Set("Retry-After", a.retryAfter)
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, http.StatusText(a.status))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// tls trusts the receiver's self-signed certificate.
func (r *receiver) tls() *tls.Config {
	return r.srv.Client().Transport.(*http.Transport).TLSClientConfig
}

func (r *receiver) script(a ...answer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.answers = append(r.answers, a...)
}

func (r *receiver) take() []hookRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.got
	r.got = nil
	return out
}

// verifySignature checks a delivery the way docs/webhooks.md tells
// receivers to, written here from that text (not by calling the signer):
// Varco-Signature is "t=<unix seconds>,v1=<hex>", v1 is HMAC-SHA256 keyed
// with the whole secret over "<t>.<raw body>", and t must be within five
// minutes of the receiver's clock.
func verifySignature(t *testing.T, secret string, r hookRequest, now time.Time) int64 {
	t.Helper()
	var ts, v1 string
	for _, part := range strings.Split(r.header.Get("Varco-Signature"), ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			v1 = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	require.NoError(t, err, "timestamp in %q", r.header.Get("Varco-Signature"))
	require.LessOrEqual(t, now.Sub(time.Unix(sec, 0)).Abs(), 5*time.Minute, "timestamp within the tolerance")
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "." + string(r.body)))
	got, err := hex.DecodeString(v1)
	require.NoError(t, err)
	require.True(t, hmac.Equal(mac.Sum(nil), got), "the HMAC matches")
	return sec
}

// event is the part of a payload the tests look at.
type event struct {
	ID             string    `json:"id"`
	Type           string    `json:"type"`
	OccurredAt     time.Time `json:"occurred_at"`
	OrganizationID string    `json:"organization_id"`
	Booking        *struct {
		ID, Code, Status, Channel string
		ResourceID                string `json:"resource_id"`
		Seats                     int
		Start, End                time.Time
	} `json:"booking"`
	PreviousBooking *struct{ ID, Code, Status string } `json:"previous_booking"`
	Change          *struct{ Actor string }            `json:"change"`
	Ticket          *struct {
		ID        string
		ExpiresAt *time.Time `json:"expires_at"`
	} `json:"ticket"`
	Scan *struct{ Verdict, Reason string } `json:"scan"`
}

func decodeEvent(t *testing.T, r hookRequest) event {
	t.Helper()
	var e event
	require.NoError(t, json.Unmarshal(r.body, &e))
	require.Equal(t, e.Type, r.header.Get("Varco-Event"))
	require.Equal(t, e.ID, r.header.Get("Varco-Event-Id"))
	require.NotEmpty(t, r.header.Get("Varco-Delivery"))
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	require.True(t, strings.HasPrefix(r.header.Get("User-Agent"), "Varco-Webhooks/"))
	return e
}

// webhookEnv is a server whose webhook work runs only when the test says.
type webhookEnv struct {
	b         *bundle
	clk       *clock.Fake
	organizer string
	admin     varcov1connect.AdminServiceClient
	recv      *receiver
}

func setupWebhooks(t *testing.T, mutate ...func(*config.Config)) webhookEnv {
	t.Helper()
	clk := clock.NewFake(time.Now())
	recv := newReceiver(t)
	b := setupOpts(t, clk, []app.Option{app.WithManualDispatch(), app.WithWebhookTLS(recv.tls()),
		app.WithWebhookJitter(func() float64 { return 0 })},
		append([]func(*config.Config){func(c *config.Config) { c.WebhookAllowPrivate = true }}, mutate...)...)
	_, organizer := bootstrapOrganizer(t, b)
	return webhookEnv{b: b, clk: clk, organizer: organizer, recv: recv,
		admin: varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)}
}

func (e webhookEnv) create(t *testing.T, org, path string, events ...varcov1.WebhookEvent) (*varcov1.Webhook, string) {
	t.Helper()
	res, err := e.admin.CreateWebhook(context.Background(), authBearer(&varcov1.CreateWebhookRequest{
		OrganizationId: org, Url: e.recv.srv.URL + path, Events: events}, e.organizer))
	require.NoError(t, err)
	return res.Msg.GetWebhook(), res.Msg.GetSecret()
}

func (e webhookEnv) run(t *testing.T) (int, int) {
	t.Helper()
	fed, sent, err := e.b.app.WebhooksOnce(context.Background())
	require.NoError(t, err)
	return fed, sent
}

func (e webhookEnv) deliveries(t *testing.T, webhookID string) []*varcov1.WebhookDelivery {
	t.Helper()
	res, err := e.admin.ListWebhookDeliveries(context.Background(), authBearer(&varcov1.ListWebhookDeliveriesRequest{WebhookId: webhookID}, e.organizer))
	require.NoError(t, err)
	return res.Msg.GetDeliveries()
}

var allEvents = []varcov1.WebhookEvent{
	varcov1.WebhookEvent_WEBHOOK_EVENT_BOOKING_CREATED, varcov1.WebhookEvent_WEBHOOK_EVENT_BOOKING_CANCELLED,
	varcov1.WebhookEvent_WEBHOOK_EVENT_BOOKING_RESCHEDULED, varcov1.WebhookEvent_WEBHOOK_EVENT_BOOKING_ATTENDANCE,
	varcov1.WebhookEvent_WEBHOOK_EVENT_TICKET_ENTERED, varcov1.WebhookEvent_WEBHOOK_EVENT_TICKET_EXITED,
	varcov1.WebhookEvent_WEBHOOK_EVENT_TICKET_EXPIRED,
}

// bookTour books seats of a tour slot for c and returns the booking and
// its ticket's QR payload.
func bookTour(t *testing.T, c citizen, slot *varcov1.Slot, seats int32) (*varcov1.Booking, string) {
	t.Helper()
	ctx := context.Background()
	h, err := c.hold(ctx, slot.GetStart(), seats)
	require.NoError(t, err)
	bk, err := c.confirm(ctx, h.GetId())
	require.NoError(t, err)
	tk, err := c.booking.GetTicket(ctx, authBearer(&varcov1.GetTicketRequest{BookingId: bk.GetId()}, c.token))
	require.NoError(t, err)
	return bk, tk.Msg.GetTickets()[0].GetPayload()
}

// The whole life of bookings and tickets, driven through the real RPCs,
// arrives at a real HTTPS receiver as signed events: created, cancelled,
// rescheduled, attendance, entered, exited and expired. Other
// organizations, deleted webhooks and webhooks created afterwards get
// nothing; a webhook gets only the events it chose.
func TestWebhooksEndToEnd(t *testing.T) {
	t.Parallel()
	e := setupWebhooks(t)
	ctx := context.Background()

	all, secret := e.create(t, demo.ComuneID, "/all", allEvents...)
	require.True(t, strings.HasPrefix(secret, "whsec_"))
	_, cancelSecret := e.create(t, demo.ComuneID, "/cancelled", varcov1.WebhookEvent_WEBHOOK_EVENT_BOOKING_CANCELLED)
	deleted, _ := e.create(t, demo.ComuneID, "/deleted", allEvents...)
	_, err := e.admin.DeleteWebhook(ctx, authBearer(&varcov1.DeleteWebhookRequest{WebhookId: deleted.GetId()}, e.organizer))
	require.NoError(t, err)
	org, err := e.admin.CreateOrganization(ctx, authBearer(&varcov1.CreateOrganizationRequest{Organization: &varcov1.Organization{
		Name: "Pro Loco", Kind: varcov1.OrganizationKind_ORGANIZATION_KIND_BUSINESS}}, e.organizer))
	require.NoError(t, err)
	e.create(t, org.Msg.GetOrganization().GetId(), "/other-org", allEvents...)

	// The secret is shown once: the list does not carry it.
	list, err := e.admin.ListWebhooks(ctx, authBearer(&varcov1.ListWebhooksRequest{OrganizationId: demo.ComuneID}, e.organizer))
	require.NoError(t, err)
	require.Len(t, list.Msg.GetWebhooks(), 2, "the deleted one is gone")
	require.NotContains(t, list.Msg.String(), secret)

	people := registerCitizens(t, e.b, "WHK", 4)
	slot := tourSlot(t, e.b, e.clk.Now(), 0)
	later := tourSlot(t, e.b, e.clk.Now(), 1)
	bk1, qr1 := bookTour(t, people[0], slot, 2)
	bk2, _ := bookTour(t, people[1], slot, 1)
	_, err = people[1].booking.CancelBooking(ctx, authBearer(&varcov1.CancelBookingRequest{BookingId: bk2.GetId()}, people[1].token))
	require.NoError(t, err)
	bk3, _ := bookTour(t, people[2], slot, 1)
	moved, err := people[2].booking.RescheduleBooking(ctx, authBearer(&varcov1.RescheduleBookingRequest{
		BookingId: bk3.GetId(), NewSlotStart: later.GetStart(), IdempotencyKey: uuid.NewString()}, people[2].token))
	require.NoError(t, err)
	bk4, qr4 := bookTour(t, people[3], slot, 1)

	// At the gate: bk1 enters and leaves after 40 minutes; bk4 enters and
	// overstays its 90 minutes.
	gate := scanner{enrollGate(t, e.b, e.organizer, "Cortile", varcov1.GateDirection_GATE_DIRECTION_BOTH),
		varcov1connect.NewGateServiceClient(http.DefaultClient, e.b.baseURL)}
	e.clk.Set(slot.GetStart().AsTime().Add(-10 * time.Minute))
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, gate.scan(t, uuid.NewString(), qr1, entry).GetVerdict())
	v := gate.scan(t, uuid.NewString(), qr4, entry)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, v.GetVerdict())
	expires := v.GetExpiresAt().AsTime()
	e.clk.Advance(40 * time.Minute)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, gate.scan(t, uuid.NewString(), qr1, exit).GetVerdict())
	_, err = e.admin.MarkAttendance(ctx, authBearer(&varcov1.MarkAttendanceRequest{
		BookingId: bk1.GetId(), Status: varcov1.BookingStatus_BOOKING_STATUS_DONE}, e.organizer))
	require.NoError(t, err)

	// Each batch is checked as it arrives, against the clock of that moment.
	byPath := map[string][]event{}
	ids := map[string]bool{}
	collect := func() {
		for _, r := range e.recv.take() {
			switch r.path {
			case "/all":
				verifySignature(t, secret, r, e.clk.Now())
			case "/cancelled":
				verifySignature(t, cancelSecret, r, e.clk.Now())
			}
			ev := decodeEvent(t, r)
			require.False(t, ids[r.path+ev.ID], "event ids are unique per webhook")
			ids[r.path+ev.ID] = true
			// No personal data: names, codice fiscale, e-mail, phone.
			for _, p := range people {
				require.NotContains(t, string(r.body), p.cf)
			}
			for _, s := range []string{"Cittadino", "Numero", "@example.it", "333000"} {
				require.NotContains(t, string(r.body), s)
			}
			byPath[r.path] = append(byPath[r.path], ev)
		}
	}

	// Before the stay runs out: everything but the expiry.
	fed, sent := e.run(t)
	require.Equal(t, 10+1, fed, "ten events for the first webhook, one for the cancellations-only one")
	require.Equal(t, fed, sent)
	collect()
	e.clk.Set(expires.Add(time.Second))
	fed, sent = e.run(t)
	require.Equal(t, 1, fed, "the expiry, once due")
	require.Equal(t, 1, sent)
	collect()
	fed, sent = e.run(t)
	require.Zero(t, fed+sent, "nothing twice")

	// A webhook created now gets nothing of what happened before.
	late, _ := e.create(t, demo.ComuneID, "/late", allEvents...)
	e.run(t)
	collect()

	require.Empty(t, byPath["/deleted"])
	require.Empty(t, byPath["/other-org"])
	require.Empty(t, byPath["/late"])
	require.Empty(t, e.deliveries(t, late.GetId()))
	require.Len(t, byPath["/cancelled"], 1)
	require.Equal(t, "booking.cancelled", byPath["/cancelled"][0].Type)

	got := map[string][]event{}
	for _, ev := range byPath["/all"] {
		require.Equal(t, demo.ComuneID, ev.OrganizationID)
		got[ev.Type] = append(got[ev.Type], ev)
	}
	counts := map[string]int{}
	for k, v := range got {
		counts[k] = len(v)
	}
	require.Equal(t, map[string]int{"booking.created": 4, "booking.cancelled": 1, "booking.rescheduled": 1,
		"booking.attendance": 1, "ticket.entered": 2, "ticket.exited": 1, "ticket.expired": 1}, counts)

	codes := map[string]bool{}
	for _, ev := range got["booking.created"] {
		codes[ev.Booking.Code] = true
		require.Equal(t, "confirmed", ev.Booking.Status)
		require.Equal(t, "online", ev.Booking.Channel)
		require.Equal(t, demo.TourID, ev.Booking.ResourceID)
		require.Equal(t, "citizen", ev.Change.Actor)
	}
	require.Equal(t, map[string]bool{bk1.GetCode(): true, bk2.GetCode(): true, bk3.GetCode(): true, bk4.GetCode(): true}, codes,
		"the booking made by the reschedule is not a separate booking.created")
	c := got["booking.cancelled"][0]
	require.Equal(t, bk2.GetCode(), c.Booking.Code)
	require.Equal(t, "cancelled_by_user", c.Booking.Status)
	r := got["booking.rescheduled"][0]
	require.Equal(t, moved.Msg.GetBooking().GetCode(), r.Booking.Code)
	require.Equal(t, later.GetStart().AsTime(), r.Booking.Start.UTC())
	require.Equal(t, bk3.GetCode(), r.PreviousBooking.Code)
	require.Equal(t, "rescheduled", r.PreviousBooking.Status)
	a := got["booking.attendance"][0]
	require.Equal(t, bk1.GetCode(), a.Booking.Code)
	require.Equal(t, "done", a.Booking.Status)
	require.Equal(t, "staff", a.Change.Actor)
	require.Equal(t, slot.GetStart().AsTime(), a.Booking.Start.UTC())
	require.Equal(t, 2, a.Booking.Seats)
	x := got["ticket.exited"][0]
	require.Equal(t, bk1.GetCode(), x.Booking.Code)
	require.Equal(t, "accepted", x.Scan.Verdict)
	exp := got["ticket.expired"][0]
	require.Equal(t, bk4.GetCode(), exp.Booking.Code)
	require.Equal(t, expires, exp.OccurredAt.UTC())
	require.Equal(t, expires, exp.Ticket.ExpiresAt.UTC())

	// Every delivery is listed as delivered with its answer.
	ds := e.deliveries(t, all.GetId())
	require.Len(t, ds, 11)
	for _, d := range ds {
		require.Equal(t, varcov1.WebhookDeliveryState_WEBHOOK_DELIVERY_STATE_DELIVERED, d.GetState())
		require.Equal(t, int32(1), d.GetAttempts())
		require.Equal(t, int32(http.StatusNoContent), d.GetLastStatus())
		require.NotNil(t, d.GetDeliveredAt())
		require.NotEmpty(t, d.GetEventId())
	}

	// Another organization's organizer cannot see these deliveries.
	_, err = e.admin.ListWebhookDeliveries(ctx, authBearer(&varcov1.ListWebhookDeliveriesRequest{WebhookId: deleted.GetId()}, e.organizer))
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "a deleted webhook is gone")
}

func newAdminClient(b *bundle) varcov1connect.AdminServiceClient {
	return varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
}
