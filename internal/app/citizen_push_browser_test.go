package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/serviceworker"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/notify/push/pushtest"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// fakePushManager replaces only the browser's own push service, which is
// unreachable here: PushManager.subscribe returns a subscription to the
// test's push service (its endpoint and keys). Everything else is real: the
// page registers the real service worker, asks the real permission, and the
// server encrypts to these keys.
const fakePushManager = `(() => {
  const b64 = (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) %% 4)), c => c.charCodeAt(0)).buffer;
  let sub = null;
  const make = () => ({
    endpoint: %q,
    expirationTime: null,
    options: { userVisibleOnly: true },
    getKey: (n) => n === "p256dh" ? b64(%q) : b64(%q),
    toJSON() { return { endpoint: this.endpoint, keys: { p256dh: %q, auth: %q } }; },
    unsubscribe: async () => { sub = null; return true; },
  });
  PushManager.prototype.subscribe = async function () { sub = make(); return sub; };
  PushManager.prototype.getSubscription = async function () { return sub; };
  PushManager.prototype.permissionState = async function () { return "granted"; };
})();`

func TestPushWarningReachesTheServiceWorker(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	lt := &lateTransport{}
	b := setupOpts(t, clk, []app.Option{app.WithManualDispatch(), app.WithPushHTTPClient(&http.Client{Transport: lt})},
		func(c *config.Config) { c.VAPIDSubject, c.PushAllowAnyHTTPS = "mailto:varco@comune.example", true })
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	key, err := varcov1connect.NewNotificationServiceClient(http.DefaultClient, b.baseURL).
		GetVapidPublicKey(ctx, authBearer(&varcov1.GetVapidPublicKeyRequest{}, ""))
	require.NoError(t, err)
	svc := pushtest.New(t, key.Msg.GetPublicKey(), "mailto:varco@comune.example", pushtest.Always201)
	lt.rt.Store(svc.Client().Transport)

	// A citizen with a guided-tour ticket (booked through the API).
	p := registerCitizens(t, b, "PSH", 1)[0]
	slot := tourSlot(t, b, clk.Now(), 0)
	bk, payload := bookTour(t, p, slot, 1)

	tab := browsertest.New(t).NewTab(t)
	origin := b.baseURL
	var regMu sync.Mutex
	var registrationID string
	require.NoError(t, chromedp.Listen(tab, func(ev any) {
		if e, ok := ev.(*serviceworker.EventWorkerRegistrationUpdated); ok {
			for _, r := range e.Registrations {
				if strings.HasPrefix(r.ScopeURL, origin) && !r.IsDeleted {
					regMu.Lock()
					registrationID = string(r.RegistrationID)
					regMu.Unlock()
				}
			}
		}
	}))
	script := fmt.Sprintf(fakePushManager, svc.Endpoint, svc.P256dh(), svc.Auth(), svc.P256dh(), svc.Auth())
	_, err = chromedp.Call(tab, serviceworker.Enable, cdp.Empty{})
	require.NoError(t, err)
	_, err = chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: script})
	require.NoError(t, err)
	require.NoError(t, browsertest.GrantPermissions(tab, origin, "notifications"))

	// Log in through the app and switch the warning on from the ticket page.
	u := &citizenUI{t: t, b: b, ctx: tab}
	u.run(
		chromedp.Navigate(origin+"/#/biglietto/"+bk.GetId()),
		chromedp.WaitVisible("#login"),
		chromedp.SendKeys("#login", p.cf),
		chromedp.SendKeys("#password", "una password lunga"),
		chromedp.Click("#login-submit"),
		chromedp.WaitVisible("#push-on"),
		chromedp.Click("#push-on"),
		chromedp.WaitVisible("#push-status"),
	)
	browsertest.RequireNoSeriousAxe(t, tab, "ticket with push on")

	// The ticket is scanned in: the server schedules the expiry warning and
	// sends it when due (10 minutes before the 90-minute stay ends).
	g := scanner{enrollGate(t, b, organizer, "Ingresso", varcov1.GateDirection_GATE_DIRECTION_BOTH), varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)}
	clk.Set(slot.GetStart().AsTime().Add(-5 * time.Minute))
	v := g.scan(t, uuid.NewString(), payload, entry)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, v.GetVerdict())
	expires := v.GetExpiresAt().AsTime()
	// The ticket page shows the citizen inside, with the time left.
	u.run(chromedp.Reload(), chromedp.WaitVisible(`//*[@id="ticket-state" and contains(., "Dentro")]`), chromedp.WaitVisible("#ticket-left"),
		chromedp.WaitVisible(fmt.Sprintf(`//*[contains(., "uscita entro le %s")]`, expires.In(mustRome(t)).Format("15:04"))))
	clk.Set(expires.Add(-10 * time.Minute))
	for range 3 { // confirmation, reminder, warning: whatever is due
		_, err := b.app.DispatchOnce(ctx)
		require.NoError(t, err)
	}
	var warning []byte
	for _, m := range svc.Received() {
		var pp notify.PushPayload
		require.NoError(t, json.Unmarshal(m.Plaintext, &pp))
		if pp.Tag == "ticket_expiry_warning" || strings.Contains(pp.Title, "scadere") {
			warning = m.Plaintext
		}
	}
	require.NotNil(t, warning, "the push service received the expiry warning")

	// Deliver the decrypted payload to the page's service worker, as the
	// browser's push service would, and read the notification it shows.
	require.Eventually(t, func() bool { regMu.Lock(); defer regMu.Unlock(); return registrationID != "" }, 10*time.Second, 50*time.Millisecond)
	regMu.Lock()
	reg := registrationID
	regMu.Unlock()
	_, err = chromedp.Call(tab, serviceworker.DeliverPushMessage, serviceworker.DeliverPushMessageParams{
		Origin: origin, RegistrationID: serviceworker.RegistrationID(reg), Data: string(warning)})
	require.NoError(t, err)
	type shown struct{ Title, Body, URL string }
	var got []shown
	require.Eventually(t, func() bool {
		got, err = chromedp.Run(tab, chromedp.Evaluate[[]shown](`navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns => ns.map(n => ({Title: n.title, Body: n.body, URL: (n.data || {}).url || ""})))`,
			chromedp.EvalAwaitPromise))
		return err == nil && len(got) > 0
	}, 10*time.Second, 100*time.Millisecond)
	require.Len(t, got, 1)
	at := expires.In(mustRome(t)).Format("15:04")
	require.Equal(t, "Il tuo biglietto sta per scadere", got[0].Title)
	require.Equal(t, "Il tuo biglietto per Visita guidata al Palazzo Comunale scade alle "+at+": devi uscire entro le "+at+".", got[0].Body)
	require.True(t, strings.HasSuffix(got[0].URL, "/#/biglietto/"+bk.GetId()), got[0].URL)
}
