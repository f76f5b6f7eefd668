package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// The phone keeps its synced data and its queue in IndexedDB. A phone of
// the earlier version, with an offline scan still queued in localStorage,
// has it moved over and uploaded. Then, offline, a scan is queued, the
// page reloaded with no network at all (the service worker serves the
// app), and the phone still knows the keys, the presence it wrote and its
// queue: the same ticket is refused as inside. Back online both go up.
func TestGateAppKeepsItsDataInIndexedDB(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	ps := registerCitizens(t, b, "GIX", 2)
	slot := tourSlot(t, b, clk.Now(), 0)
	old, oldPayload := bookTour(t, ps[0], slot, 1)
	bk, payload := bookTour(t, ps[1], slot, 2)
	clk.Set(slot.GetStart().AsTime().Add(-10 * time.Minute))
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	code, err := admin.CreateDeviceEnrollment(ctx, authBearer(&varcov1.CreateDeviceEnrollmentRequest{OrganizationId: demo.ComuneID,
		Name: "Ingresso del museo", ResourceIds: []string{demo.TourID}, Direction: varcov1.GateDirection_GATE_DIRECTION_ENTRY}, organizer))
	require.NoError(t, err)
	enrolled, err := varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL).Enroll(ctx,
		connect.NewRequest(&varcov1.EnrollRequest{EnrollmentCode: code.Msg.GetEnrollmentCode()}))
	require.NoError(t, err)
	s := enrolled.Msg.GetSettings()

	// What the earlier version left in localStorage: the device, its
	// synced state and one offline entry not uploaded yet.
	store := func(v any) string { b, err := json.Marshal(v); require.NoError(t, err); return string(b) }
	dev := store(map[string]any{"credential": enrolled.Msg.GetCredential(), "deviceId": s.GetDeviceId(), "name": s.GetName(),
		"resourceIds": s.GetResourceIds(), "direction": int(s.GetDirection()), "timeZone": s.GetTimeZone()})
	queue := store([]map[string]any{{"scanId": uuid.NewString(), "payload": oldPayload, "direction": 1, "scannedAt": clk.Now().Add(-time.Minute).UnixMilli(),
		"verdict": 1, "reason": "OK", "ticketId": "", "seats": 1}})
	state := store(map[string]any{"cursor": "", "reentryResourceIds": []string{}, "keys": []any{}, "revoked": map[string]any{}, "presences": map[string]any{}})

	tab := browsertest.New(t).NewTab(t)
	u := &citizenUI{t: t, b: b, ctx: tab}
	phoneClock(t, tab, clk)
	u.run(chromedp.Navigate(b.baseURL + "/gate/manifest.webmanifest"))
	eval[bool](u, fmt.Sprintf(`(() => { localStorage.setItem("varco.gate.device", %q); localStorage.setItem("varco.gate.queue", %q);
		localStorage.setItem("varco.gate.local", %q); return true; })()`, dev, queue, state))
	u.run(chromedp.Navigate(b.baseURL+"/gate/"), chromedp.WaitVisible("#manual-code"))
	u.waitFor(`document.querySelector("#gate-status")?.dataset.online === "yes" && Number(document.querySelector("#gate-status").dataset.keys) > 0 &&
		document.querySelector("#gate-status").dataset.queued === "0"`)
	require.True(t, eval[bool](u, `localStorage.getItem("varco.gate.queue") === null && localStorage.getItem("varco.gate.local") === null`), "moved, not copied")
	// The service worker holds the app for a reload without network.
	u.waitFor(`navigator.serviceWorker.controller !== null`)

	require.NoError(t, browsertest.Offline(tab, true))
	u.waitFor(`document.querySelector("#gate-status")?.dataset.online === "no"`)
	u.run(chromedp.SendKeys("#manual-code", payload), chromedp.Click("#manual-submit"))
	u.waitFor(`document.querySelector("#verdict")?.dataset.verdict === "accepted" && document.querySelector("#gate-status").dataset.queued === "1"`)

	u.run(chromedp.Reload(), chromedp.WaitVisible("#manual-code"))
	u.waitFor(`document.querySelector("#gate-status")?.dataset.queued === "1" && document.querySelector("#gate-status").dataset.online === "no" &&
		Number(document.querySelector("#gate-status").dataset.keys) > 0`)
	u.run(chromedp.SendKeys("#manual-code", payload), chromedp.Click("#manual-submit"))
	u.waitFor(`document.querySelector("#verdict")?.dataset.reason === "ALREADY_INSIDE" && document.querySelector("#verdict-offline") !== null &&
		document.querySelector("#gate-status").dataset.queued === "2"`)

	require.NoError(t, browsertest.Offline(tab, false))
	u.waitFor(`document.querySelector("#gate-status")?.dataset.queued === "0" && document.querySelector("#gate-status").dataset.online === "yes"`)
	var got []string
	for _, r := range exportedScans(t, admin, organizer, clk.Now()) {
		got = append(got, r["Prenotazione"]+" "+r["Esito"]+" "+r["Codice motivo"]+" offline="+r["Offline"])
	}
	require.Equal(t, []string{
		old.GetCode() + " Accettata OK offline=Sì",
		bk.GetCode() + " Accettata OK offline=Sì",
		bk.GetCode() + " Rifiutata ALREADY_INSIDE offline=Sì",
	}, got)
	browsertest.RequireNoCSPViolations(t, tab)
}
