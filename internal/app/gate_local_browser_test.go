package app_test

import (
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/clock"
	device "github.com/varco-gate/varco/internal/scanner"
	"github.com/varco-gate/varco/internal/webapp"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// A gate box runs the scanner program with --http: a phone on its LAN
// opens the same gate app from the box, pairs with the box's code (no
// enrollment: the box is the device) and scans. The box decides: online
// through the server, offline alone when its link to the server is cut;
// the page shows the box's verdicts, its online/offline state, the age of
// its data, its queue and the server's live occupancy. Back online the
// box uploads what it decided alone, and the server has every scan.
func TestGateAppOnAGateBox(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	_, organizer := bootstrapOrganizer(t, b)
	p := registerCitizens(t, b, "GLB", 1)[0]
	slot := tourSlot(t, b, clk.Now(), 0)
	bk, payload := bookTour(t, p, slot, 2)
	clk.Set(slot.GetStart().AsTime().Add(-10 * time.Minute))

	box := enrollDevice(t, b, organizer, "Cancello del cortile", varcov1.GateDirection_GATE_DIRECTION_BOTH, clk)
	ctx, cancel := context.WithCancel(context.Background())
	app, err := fs.Sub(webapp.Dist(), "gate")
	require.NoError(t, err)
	const token = "abbinamento-di-prova"
	page, err := box.sc.NewPage(device.PageOptions{Lang: device.Italian, App: app, Token: token,
		Occupancy: func(ctx context.Context, each func(*varcov1.WatchOccupancyResponse)) error {
			return device.FollowOccupancy(ctx, box.link.client(), b.baseURL, box.st.Credential, device.Italian, each)
		}})
	require.NoError(t, err)
	srv := httptest.NewServer(page)
	done := make(chan struct{}, 2)
	go func() { _ = box.sc.Run(ctx); done <- struct{}{} }()
	go func() { page.Run(ctx); done <- struct{}{} }()
	t.Cleanup(func() {
		cancel()
		<-done
		<-done
		srv.Close()
	})

	tab := browsertest.New(t).NewTab(t)
	u := &citizenUI{t: t, b: b, ctx: tab}
	// Without the code the box answers nothing but the app itself.
	u.run(chromedp.Navigate(srv.URL+"/"), chromedp.WaitVisible("#pair-code"))
	require.Contains(t, eval[string](u, `location.pathname`), "/gate/")
	gateShot(u, "box-pair")
	u.run(chromedp.SendKeys("#pair-code", "sbagliato"), chromedp.Click("#pair-submit"))
	u.waitFor(`document.querySelector("#pair-error")?.textContent === "Codice di abbinamento errato."`)
	eval[bool](u, `(() => { const f = document.querySelector("#pair-code"); f.value = ""; f.dispatchEvent(new Event("input")); return true; })()`)
	u.run(chromedp.SendKeys("#pair-code", token), chromedp.Click("#pair-submit"), chromedp.WaitVisible("#manual-code"))
	require.False(t, eval[bool](u, `localStorage.getItem("varco.gate.device") !== null`), "no enrollment on the phone")
	require.Contains(t, u.text("header"), "Cancello del cortile")
	u.waitFor(`document.querySelector("#gate-status")?.dataset.online === "yes"`)
	require.Contains(t, u.text("#gate-status"), "In linea con il server · dati aggiornati alle")

	// Online: the server decides, through the box.
	u.run(chromedp.SendKeys("#manual-code", payload), chromedp.Click("#manual-submit"))
	u.waitFor(`(() => {
		const v = document.querySelector("#verdict");
		return v?.dataset.verdict === "accepted" && v.querySelector("#verdict-offline") === null &&
			v.querySelector("#verdict-seats")?.textContent === "Persone: 2" &&
			v.querySelector("#verdict-time-left")?.textContent.includes("1 h 30 min");
	})()`)
	u.waitFor(`document.querySelector("#occupancy .occ-inside")?.textContent === "2"`)
	gateShot(u, "box-online")

	// The box loses the server (the phone still reaches the box): it
	// decides alone and queues; the page says so.
	box.link.setCut(true)
	clk.Advance(time.Minute)
	u.waitFor(`document.querySelector("#gate-status")?.dataset.online === "no"`)
	u.run(chromedp.SendKeys("#manual-code", payload), chromedp.Click("#manual-submit"))
	u.waitFor(`document.querySelector("#verdict")?.dataset.reason === "ALREADY_INSIDE" && document.querySelector("#verdict-offline") !== null`)
	require.Contains(t, u.text("#verdict-message"), "Già entrato")
	rome, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	require.Contains(t, u.text("#recent li"), clk.Now().In(rome).Format("15:04")+" · Entrata", "the box's time, not the phone's")
	clk.Advance(time.Minute)
	u.run(chromedp.Click("#dir-exit"), chromedp.SendKeys("#manual-code", payload), chromedp.Click("#manual-submit"))
	u.waitFor(`document.querySelector("#verdict")?.dataset.verdict === "accepted" && document.querySelector("#verdict-offline") !== null &&
		document.querySelector("#gate-status").dataset.queued === "2"`)
	require.Contains(t, u.text("#gate-status"), "Fuori linea: il dispositivo decide da solo")
	require.Contains(t, u.text("#gate-status"), "Scansioni in attesa di invio: 2")
	gateShot(u, "box-offline")
	require.Equal(t, 2, box.st.QueueLen(), "the box queued them, not the phone")

	// Back online the box uploads its queue; the page follows.
	box.link.setCut(false)
	u.waitFor(`document.querySelector("#gate-status")?.dataset.online === "yes" && document.querySelector("#gate-status").dataset.queued === "0"`)
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	var got []string
	for _, r := range exportedScans(t, admin, organizer, clk.Now()) {
		require.Equal(t, "Cancello del cortile", r["Varco"])
		require.Equal(t, bk.GetCode(), r["Prenotazione"])
		got = append(got, r["Direzione"]+" "+r["Esito"]+" "+r["Codice motivo"]+" offline="+r["Offline"])
	}
	require.Equal(t, []string{"Ingresso Accettata OK offline=No", "Ingresso Rifiutata ALREADY_INSIDE offline=Sì", "Uscita Accettata OK offline=Sì"}, got)
	u.waitFor(`document.querySelector("#occupancy .occ-inside")?.textContent === "0"`)
	browsertest.RequireNoCSPViolations(t, tab)
}
