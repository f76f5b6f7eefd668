package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/clock"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// offlineAnswer is an answer of the shared table of offline cases
// (internal/scanner/testdata/offline_cases.json, whose TestOfflineCases
// holds the Go scanner to it); zero and missing fields read the same.
type offlineAnswer struct {
	Verdict     int    `json:"verdict"`
	Reason      string `json:"reason"`
	TicketID    string `json:"ticket_id"`
	Seats       int    `json:"seats"`
	EnteredAtMs int64  `json:"entered_at_ms"`
	ExpiresAtMs int64  `json:"expires_at_ms"`
	TimeLeftMs  int64  `json:"time_left_ms"`
	Next        *struct {
		ResourceID  string `json:"resource_id"`
		State       int    `json:"state"`
		EnteredAtMs int64  `json:"entered_at_ms"`
		ExpiresAtMs int64  `json:"expires_at_ms"`
		ExitedAtMs  int64  `json:"exited_at_ms"`
		Seats       int    `json:"seats"`
	} `json:"next"`
}

// The gate web app decides offline exactly as the Go scanner does: every
// case of the one shared table (signature, keys, revocations, presences,
// gate rules, malformed payloads) gets the recorded answer from the app's
// own bundled decider, in real Chromium with its WebCrypto Ed25519.
func TestGateAppOfflineCases(t *testing.T) {
	t.Parallel()
	b := setupWith(t, clock.NewFake(time.Now()))
	file, err := os.ReadFile("../scanner/testdata/offline_cases.json")
	require.NoError(t, err)
	var cases []struct {
		Name string        `json:"name"`
		Want offlineAnswer `json:"want"`
	}
	require.NoError(t, json.Unmarshal(file, &cases))

	tab := browsertest.New(t).NewTab(t)
	u := &citizenUI{t: t, b: b, ctx: tab}
	u.run(chromedp.Navigate(b.baseURL + "/gate/?selftest"))
	u.waitFor(`typeof window.varcoGateSelftest === "function"`)
	out, err := chromedp.Run(tab, chromedp.Evaluate[string](`varcoGateSelftest(`+string(file)+`).then(JSON.stringify)`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	var got []offlineAnswer
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	require.Len(t, got, len(cases))
	for i, c := range cases {
		require.Equal(t, c.Want, got[i], "case %q", c.Name)
	}
	browsertest.RequireNoConsoleErrors(t, tab)
}

// With no network the gate app decides on the phone, with the keys and
// presences it synced: it lets the booked people in and refuses the same
// ticket a moment later (anti-passback without the server), each scan
// queued; back online the queue is sent and the server records both scans
// as decided offline.
func TestGateAppDecidesOffline(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	_, organizer := bootstrapOrganizer(t, b)
	p := registerCitizens(t, b, "GTO", 1)[0]
	slot := tourSlot(t, b, clk.Now(), 0)
	bk, payload := bookTour(t, p, slot, 2)
	clk.Set(slot.GetStart().AsTime().Add(-10 * time.Minute))
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	phone := enrolledPhone(t, b, clk, admin, organizer, "Ingresso senza rete", varcov1.GateDirection_GATE_DIRECTION_BOTH)
	u, tab := phone.citizenUI, phone.ctx
	gateShot(u, "online")

	require.NoError(t, browsertest.Offline(tab, true))
	u.waitFor(`document.querySelector("#gate-status")?.dataset.online === "no"`)
	u.run(chromedp.SendKeys("#manual-code", payload), chromedp.Click("#manual-submit"))
	u.waitFor(`(() => {
		const v = document.querySelector("#verdict");
		return v?.dataset.verdict === "accepted" && v.querySelector("#verdict-offline") !== null &&
			v.querySelector("#verdict-seats")?.textContent === "Persone: 2" &&
			v.querySelector("#verdict-time-left")?.textContent.includes("1 h 30 min") &&
			document.querySelector("#gate-status").dataset.queued === "1";
	})()`)
	gateShot(u, "offline")
	u.run(chromedp.SendKeys("#manual-code", payload), chromedp.Click("#manual-submit"))
	u.waitFor(`document.querySelector("#verdict")?.dataset.reason === "ALREADY_INSIDE" && document.querySelector("#gate-status").dataset.queued === "2"`)
	require.Contains(t, u.text("#gate-status"), "Scansioni in attesa di invio: 2")

	require.NoError(t, browsertest.Offline(tab, false))
	u.waitFor(`document.querySelector("#gate-status")?.dataset.queued === "0" && document.querySelector("#gate-status").dataset.online === "yes"`)

	rows := exportedScans(t, admin, organizer, clk.Now())
	var got []string
	for _, r := range rows {
		require.Equal(t, "Ingresso senza rete", r["Varco"])
		require.Equal(t, bk.GetCode(), r["Prenotazione"])
		got = append(got, r["Direzione"]+" "+r["Esito"]+" "+r["Codice motivo"]+" offline="+r["Offline"])
	}
	require.Equal(t, []string{"Ingresso Accettata OK offline=Sì", "Ingresso Rifiutata ALREADY_INSIDE offline=Sì"}, got)
	browsertest.RequireNoCSPViolations(t, tab)
}

// phoneClock sets the tab's clock (Date) to the server's fake clock, read
// now, before any page loads: offline it is the phone's clock that
// decides, and it must read the time the tickets were made for.
func phoneClock(t *testing.T, tab context.Context, clk clock.Clock) {
	t.Helper()
	phoneClockOff(t, tab, clk, 0)
}

// advancePhoneClock moves the clock phoneClock set on by d, in the page
// as it is now (a reload starts again from phoneClock's).
func advancePhoneClock(u *citizenUI, d time.Duration) {
	u.t.Helper()
	eval[bool](u, fmt.Sprintf(`(globalThis.varcoTestClockShift += %d, true)`, d.Milliseconds()))
}

// phoneClockOff is phoneClock with the phone's clock off by off from the
// server's.
func phoneClockOff(t *testing.T, tab context.Context, clk clock.Clock, off time.Duration) {
	t.Helper()
	shift := clk.Now().Add(off).Sub(time.Now()).Milliseconds()
	_, err := chromedp.Call(tab, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: fmt.Sprintf(`(() => {
		// The shift is a global so that a test can move the clock on
		// (advancePhoneClock).
		globalThis.varcoTestClockShift = %d;
		const real = Date, now = () => real.now() + globalThis.varcoTestClockShift;
		globalThis.Date = class extends real {
			constructor(...a) { if (a.length === 0) super(now()); else super(...a); }
			static now() { return now(); }
		};
	})()`, shift)})
	require.NoError(t, err)
}
