package app_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/store/sqlite"
	"github.com/varco-gate/varco/internal/webhook"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// msUTC is an instant as the database keeps it.
func msUTC(t time.Time) time.Time { return t.Truncate(time.Millisecond).UTC() }

// rebind points a citizen's client at another server (after a restart).
func rebind(c citizen, b *bundle) citizen {
	c.booking = varcov1connect.NewBookingServiceClient(newHTTPClient(), b.baseURL)
	return c
}

func onlyDelivery(t *testing.T, e webhookEnv, webhookID string) *varcov1.WebhookDelivery {
	t.Helper()
	ds := e.deliveries(t, webhookID)
	require.Len(t, ds, 1)
	return ds[0]
}

// A receiver that fails: 503 with Retry-After is retried no sooner than
// asked; 500s back off exponentially; a 400 is final. ListWebhookDeliveries
// shows attempts, the last status and the next attempt throughout; a
// replay delivers the same event again under a fresh signature; deleting
// the webhook cancels what is pending.
func TestWebhookRetriesReplayAndDelete(t *testing.T) {
	t.Parallel()
	e := setupWebhooks(t)
	ctx := context.Background()
	hook, secret := e.create(t, demo.ComuneID, "/h", varcov1.WebhookEvent_WEBHOOK_EVENT_BOOKING_CREATED)
	people := registerCitizens(t, e.b, "WHF", 3)
	slot := tourSlot(t, e.b, e.clk.Now(), 0)

	// 503 + Retry-After: 120, then 200.
	e.recv.script(answer{status: 503, retryAfter: "120"}, answer{status: 200})
	bookTour(t, people[0], slot, 1)
	fed, sent := e.run(t)
	require.Equal(t, 1, fed)
	require.Zero(t, sent)
	d := onlyDelivery(t, e, hook.GetId())
	require.Equal(t, varcov1.WebhookDeliveryState_WEBHOOK_DELIVERY_STATE_PENDING, d.GetState())
	require.Equal(t, int32(1), d.GetAttempts())
	require.Equal(t, int32(503), d.GetLastStatus())
	require.Contains(t, d.GetLastError(), "HTTP 503")
	require.Equal(t, msUTC(e.clk.Now().Add(120*time.Second)), d.GetNextAttemptAt().AsTime(),
		"Retry-After beats the 15 s backoff")
	first := e.recv.take()
	require.Len(t, first, 1)
	firstT := verifySignature(t, secret, first[0], e.clk.Now())
	e.clk.Advance(60 * time.Second)
	_, sent = e.run(t)
	require.Zero(t, sent, "not before Retry-After")
	require.Empty(t, e.recv.take())
	e.clk.Advance(60 * time.Second)
	_, sent = e.run(t)
	require.Equal(t, 1, sent)
	second := e.recv.take()
	require.Len(t, second, 1)
	verifySignature(t, secret, second[0], e.clk.Now())
	require.Equal(t, first[0].body, second[0].body, "a retry sends the same event")
	require.Equal(t, first[0].header.Get("Varco-Delivery"), second[0].header.Get("Varco-Delivery"))
	d = onlyDelivery(t, e, hook.GetId())
	require.Equal(t, varcov1.WebhookDeliveryState_WEBHOOK_DELIVERY_STATE_DELIVERED, d.GetState())
	require.Equal(t, int32(2), d.GetAttempts())
	require.Equal(t, int32(200), d.GetLastStatus())
	require.Empty(t, d.GetLastError())
	require.Nil(t, d.GetNextAttemptAt())
	require.Equal(t, msUTC(e.clk.Now()), d.GetDeliveredAt().AsTime())

	// 500, 500, then 400: backoff 15 s, then 30 s (base 30 s doubling,
	// jitter fixed at its minimum), then a permanent failure.
	e.recv.script(answer{status: 500}, answer{status: 500}, answer{status: 400})
	bookTour(t, people[1], slot, 1)
	e.run(t)
	d = e.deliveries(t, hook.GetId())[0]
	require.Equal(t, int32(500), d.GetLastStatus())
	require.Equal(t, msUTC(e.clk.Now().Add(15*time.Second)), d.GetNextAttemptAt().AsTime())
	e.clk.Advance(15 * time.Second)
	e.run(t)
	d = e.deliveries(t, hook.GetId())[0]
	require.Equal(t, int32(2), d.GetAttempts())
	require.Equal(t, msUTC(e.clk.Now().Add(30*time.Second)), d.GetNextAttemptAt().AsTime())
	e.clk.Advance(30 * time.Second)
	e.run(t)
	failed := e.deliveries(t, hook.GetId())[0]
	require.Equal(t, varcov1.WebhookDeliveryState_WEBHOOK_DELIVERY_STATE_FAILED, failed.GetState())
	require.Equal(t, int32(3), failed.GetAttempts())
	require.Equal(t, int32(400), failed.GetLastStatus())
	require.Equal(t, "HTTP 400: Bad Request: permanent failure", failed.GetLastError())
	require.Nil(t, failed.GetDeliveredAt())
	attempts := e.recv.take()
	require.Len(t, attempts, 3)
	e.clk.Advance(time.Hour)
	_, sent = e.run(t)
	require.Zero(t, sent, "a failed delivery is not retried")

	// Replay: a new delivery of the same event, signed now.
	e.clk.Advance(10 * time.Minute)
	res, err := e.admin.ReplayWebhookDelivery(ctx, authBearer(&varcov1.ReplayWebhookDeliveryRequest{DeliveryId: failed.GetId()}, e.organizer))
	require.NoError(t, err)
	replay := res.Msg.GetDelivery()
	require.Equal(t, failed.GetId(), replay.GetReplayOf())
	require.Equal(t, failed.GetEventId(), replay.GetEventId())
	require.NotEqual(t, failed.GetId(), replay.GetId())
	require.Equal(t, varcov1.WebhookDeliveryState_WEBHOOK_DELIVERY_STATE_PENDING, replay.GetState())
	_, sent = e.run(t)
	require.Equal(t, 1, sent)
	got := e.recv.take()
	require.Len(t, got, 1)
	replayT := verifySignature(t, secret, got[0], e.clk.Now())
	require.Greater(t, replayT, firstT, "a fresh timestamp")
	require.Equal(t, attempts[0].body, got[0].body, "the same event")
	require.Equal(t, replay.GetId(), got[0].header.Get("Varco-Delivery"))
	require.Equal(t, failed.GetEventId(), got[0].header.Get("Varco-Event-Id"))

	// Three deliveries, newest first, in pages of two.
	page, err := e.admin.ListWebhookDeliveries(ctx, authBearer(&varcov1.ListWebhookDeliveriesRequest{WebhookId: hook.GetId(), PageSize: 2}, e.organizer))
	require.NoError(t, err)
	require.Len(t, page.Msg.GetDeliveries(), 2)
	require.Equal(t, replay.GetId(), page.Msg.GetDeliveries()[0].GetId())
	require.Equal(t, varcov1.WebhookDeliveryState_WEBHOOK_DELIVERY_STATE_DELIVERED, page.Msg.GetDeliveries()[0].GetState())
	page, err = e.admin.ListWebhookDeliveries(ctx, authBearer(&varcov1.ListWebhookDeliveriesRequest{WebhookId: hook.GetId(), PageSize: 2,
		PageToken: page.Msg.GetNextPageToken()}, e.organizer))
	require.NoError(t, err)
	require.Len(t, page.Msg.GetDeliveries(), 1)
	require.Empty(t, page.Msg.GetNextPageToken())

	// A delivery still being retried is cancelled with its webhook.
	e.clk.Advance(time.Minute)
	e.recv.script(answer{status: 500})
	bookTour(t, people[2], slot, 1)
	e.run(t)
	pending := e.deliveries(t, hook.GetId())[0]
	require.Equal(t, varcov1.WebhookDeliveryState_WEBHOOK_DELIVERY_STATE_PENDING, pending.GetState())
	e.recv.take()
	_, err = e.admin.DeleteWebhook(ctx, authBearer(&varcov1.DeleteWebhookRequest{WebhookId: hook.GetId()}, e.organizer))
	require.NoError(t, err)
	e.clk.Advance(time.Hour)
	fed, sent = e.run(t)
	require.Zero(t, fed+sent)
	require.Empty(t, e.recv.take(), "nothing after the deletion")
	db, err := sqlite.Open(ctx, e.b.dbPath, sqlite.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	defer db.Close()
	got1, err := db.GetDelivery(ctx, pending.GetId())
	require.NoError(t, err)
	require.Equal(t, webhook.Cancelled, got1.State)
	require.Equal(t, "webhook deleted", got1.LastError)
	_, err = e.admin.ReplayWebhookDelivery(ctx, authBearer(&varcov1.ReplayWebhookDeliveryRequest{DeliveryId: failed.GetId()}, e.organizer))
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "no replays to a deleted webhook")
}

// reopen starts a new server on the same database file, as after a crash
// or a restart.
func reopen(t *testing.T, e webhookEnv, mutate ...func(*config.Config)) webhookEnv {
	t.Helper()
	path := e.b.dbPath
	b := setupOpts(t, e.clk, []app.Option{app.WithManualDispatch(), app.WithWebhookTLS(e.recv.tls()),
		app.WithWebhookJitter(func() float64 { return 0 })},
		append([]func(*config.Config){func(c *config.Config) { c.DB, c.WebhookAllowPrivate = path, true }}, mutate...)...)
	e.b = b
	e.admin = newAdminClient(b)
	return e
}

// Events committed before a crash are delivered after the restart, once;
// a delivery interrupted by a crash is resumed, not duplicated.
func TestWebhookSurvivesRestart(t *testing.T) {
	t.Parallel()
	forEngines(t, webhookSurvivesRestart)
}

func webhookSurvivesRestart(t *testing.T, onEngine func(*config.Config)) {
	e := setupWebhooks(t, onEngine)
	hook, secret := e.create(t, demo.ComuneID, "/h", allEvents...)
	people := registerCitizens(t, e.b, "WHR", 2)
	slot := tourSlot(t, e.b, e.clk.Now(), 0)
	bookTour(t, people[0], slot, 1)
	require.NoError(t, e.b.stop(), "the process ends before the feeder ran")

	e = reopen(t, e)
	fed, sent := e.run(t)
	require.Equal(t, 1, fed, "the booking made before the restart")
	require.Equal(t, 1, sent)
	e.recv.script(answer{status: 502})
	bookTour(t, rebind(people[1], e.b), slot, 1)
	fed, sent = e.run(t)
	require.Equal(t, 1, fed)
	require.Zero(t, sent, "the receiver is down")
	require.NoError(t, e.b.stop())

	e = reopen(t, e)
	e.clk.Advance(time.Minute)
	fed, sent = e.run(t)
	require.Zero(t, fed, "nothing fed twice")
	require.Equal(t, 1, sent, "the pending delivery resumes")
	fed, sent = e.run(t)
	require.Zero(t, fed+sent)

	events := map[string]int{}
	for _, r := range e.recv.take() {
		verifySignature(t, secret, r, e.clk.Now())
		events[decodeEvent(t, r).ID]++
	}
	require.Len(t, events, 2, "two events")
	ds := e.deliveries(t, hook.GetId())
	require.Len(t, ds, 2, "one delivery per event")
	for _, d := range ds {
		require.Equal(t, varcov1.WebhookDeliveryState_WEBHOOK_DELIVERY_STATE_DELIVERED, d.GetState())
	}
}

// Webhook URLs cannot point into the server's own network: IP literals
// are refused when the webhook is created, and every connection is checked
// after DNS resolution, so an endpoint that later resolves (here: is
// reached) at a loopback address is refused at delivery time.
func TestWebhookSSRF(t *testing.T) {
	t.Parallel()
	e := setupWebhooks(t)
	ctx := context.Background()
	hook, _ := e.create(t, demo.ComuneID, "/h", allEvents...)
	require.NoError(t, e.b.stop())
	e = reopen(t, e, func(c *config.Config) { c.WebhookAllowPrivate = false })

	for _, u := range []string{"https://127.0.0.1/x", "https://localhost:8443/x", "https://[::1]/x", "https://10.1.2.3/x",
		"https://169.254.169.254/latest/meta-data", "https://[::ffff:127.0.0.1]/x", "https://100.64.0.1/x"} {
		_, err := e.admin.CreateWebhook(ctx, authBearer(&varcov1.CreateWebhookRequest{OrganizationId: demo.ComuneID, Url: u,
			Events: allEvents}, e.organizer))
		require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), u)
		requireFieldViolation(t, err, "url")
	}

	people := registerCitizens(t, e.b, "WHS", 1)
	bookTour(t, people[0], tourSlot(t, e.b, e.clk.Now(), 0), 1)
	fed, sent := e.run(t)
	require.Equal(t, 1, fed)
	require.Equal(t, 1, sent, "finished at once: retrying cannot help")
	require.Empty(t, e.recv.take(), "the receiver on 127.0.0.1 was never reached")
	d := onlyDelivery(t, e, hook.GetId())
	require.Equal(t, varcov1.WebhookDeliveryState_WEBHOOK_DELIVERY_STATE_FAILED, d.GetState())
	require.Zero(t, d.GetLastStatus())
	require.Contains(t, d.GetLastError(), "destination address not allowed")
}

// Every field is checked and named.
func TestWebhookValidation(t *testing.T) {
	t.Parallel()
	e := setupWebhooks(t)
	ctx := context.Background()
	hook, _ := e.create(t, demo.ComuneID, "/h", allEvents...)
	create := func(org, u string, events ...varcov1.WebhookEvent) error {
		_, err := e.admin.CreateWebhook(ctx, authBearer(&varcov1.CreateWebhookRequest{OrganizationId: org, Url: u, Events: events}, e.organizer))
		return err
	}
	ok := e.recv.srv.URL + "/ok"
	for _, tc := range []struct {
		name, org, url string
		events         []varcov1.WebhookEvent
		field          string
	}{
		{"no url", demo.ComuneID, "", allEvents, "url"},
		{"http", demo.ComuneID, "http://example.org/h", allEvents, "url"},
		{"credentials", demo.ComuneID, "https://user:pw@example.org/h", allEvents, "url"},
		{"not a url", demo.ComuneID, "https://exa mple.org/h", allEvents, "url"},
		{"no host", demo.ComuneID, "https:///h", allEvents, "url"},
		{"fragment", demo.ComuneID, "https://example.org/h#x", allEvents, "url"},
		{"too long", demo.ComuneID, "https://example.org/" + strings.Repeat("a", 2040), allEvents, "url"},
		{"no events", demo.ComuneID, ok, nil, "events"},
		{"unspecified event", demo.ComuneID, ok, []varcov1.WebhookEvent{0}, "events"},
		{"unknown event", demo.ComuneID, ok, []varcov1.WebhookEvent{99}, "events"},
		{"no organization", "", ok, allEvents, "organization_id"},
	} {
		err := create(tc.org, tc.url, tc.events...)
		require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), tc.name)
		requireFieldViolation(t, err, tc.field)
	}
	_, err := e.admin.ListWebhookDeliveries(ctx, authBearer(&varcov1.ListWebhookDeliveriesRequest{WebhookId: hook.GetId(), PageSize: 201}, e.organizer))
	requireFieldViolation(t, err, "page_size")
	_, err = e.admin.ListWebhookDeliveries(ctx, authBearer(&varcov1.ListWebhookDeliveriesRequest{WebhookId: hook.GetId(), PageToken: "%%"}, e.organizer))
	requireFieldViolation(t, err, "page_token")
	_, err = e.admin.ListWebhookDeliveries(ctx, authBearer(&varcov1.ListWebhookDeliveriesRequest{}, e.organizer))
	requireFieldViolation(t, err, "webhook_id")
	_, err = e.admin.ReplayWebhookDelivery(ctx, authBearer(&varcov1.ReplayWebhookDeliveryRequest{DeliveryId: "nope"}, e.organizer))
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "unknown ids look like other organizations' ones")
	_, err = e.admin.ListWebhooks(ctx, connect.NewRequest(&varcov1.ListWebhooksRequest{OrganizationId: demo.ComuneID}))
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))

	// Duplicated events are kept once; the limit per organization holds.
	dup, err := e.admin.CreateWebhook(ctx, authBearer(&varcov1.CreateWebhookRequest{OrganizationId: demo.ComuneID, Url: ok,
		Events: []varcov1.WebhookEvent{1, 1, 2}}, e.organizer))
	require.NoError(t, err)
	require.Len(t, dup.Msg.GetWebhook().GetEvents(), 2)
	for range webhook.MaxPerOrganization - 2 {
		require.NoError(t, create(demo.ComuneID, ok, allEvents...))
	}
	err = create(demo.ComuneID, ok, allEvents...)
	require.Equal(t, connect.CodeFailedPrecondition, connect.CodeOf(err))
	require.Equal(t, "too_many_webhooks", reasonOf(err))
}
