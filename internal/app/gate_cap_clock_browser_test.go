package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// A phone whose clock is three hours behind the server's: the status line
// warns after the first Sync (server_time), and offline the phone decides
// at the corrected time, so a ticket for the tour starting in ten minutes
// is let in (by its own clock it would be hours too early) with its full
// stay, and queued at the server's time.
func TestGateAppCorrectsASkewedClock(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	p := registerCitizens(t, b, "GSK", 1)[0]
	slot := tourSlot(t, b, clk.Now(), 0)
	bk, payload := bookTour(t, p, slot, 2)
	clk.Set(slot.GetStart().AsTime().Add(-10 * time.Minute))
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	code, err := admin.CreateDeviceEnrollment(ctx, authBearer(&varcov1.CreateDeviceEnrollmentRequest{OrganizationId: demo.ComuneID,
		Name: "Ingresso con l'orologio indietro", ResourceIds: []string{demo.TourID}, Direction: varcov1.GateDirection_GATE_DIRECTION_ENTRY}, organizer))
	require.NoError(t, err)

	tab := browsertest.New(t).NewTab(t)
	u := &citizenUI{t: t, b: b, ctx: tab}
	phoneClockOff(t, tab, clk, -3*time.Hour)
	u.run(chromedp.Navigate(b.baseURL+"/gate/"), chromedp.WaitVisible("#enroll-code"))
	u.run(chromedp.SendKeys("#enroll-code", code.Msg.GetEnrollmentCode()), chromedp.Click("#enroll-submit"), chromedp.WaitVisible("#camera-toggle"))
	u.waitFor(`document.querySelector("#gate-status")?.dataset.online === "yes" && Number(document.querySelector("#gate-status").dataset.keys) > 0 &&
		document.querySelector("#gate-clock-skew") !== null`)
	require.Contains(t, u.text("#gate-clock-skew"), "l'orologio del dispositivo differisce da quello del server di 180 minuti: fuori linea vale l'ora del server")
	gateShot(u, "clock-skew")

	require.NoError(t, browsertest.Offline(tab, true))
	u.waitFor(`document.querySelector("#gate-status")?.dataset.online === "no"`)
	u.run(chromedp.SendKeys("#manual-code", payload), chromedp.Click("#manual-submit"))
	u.waitFor(`(() => {
		const v = document.querySelector("#verdict");
		return v?.dataset.verdict === "accepted" && v.querySelector("#verdict-offline") !== null &&
			v.querySelector("#verdict-time-left")?.textContent.includes("1 h 30 min");
	})()`)
	require.NoError(t, browsertest.Offline(tab, false))
	u.waitFor(`document.querySelector("#gate-status")?.dataset.queued === "0" && document.querySelector("#gate-status").dataset.online === "yes"`)
	rows := exportedScans(t, admin, organizer, clk.Now())
	require.Len(t, rows, 1)
	require.Equal(t, bk.GetCode(), rows[0]["Prenotazione"])
	require.Equal(t, "Accettata OK offline=Sì", rows[0]["Esito"]+" "+rows[0]["Codice motivo"]+" offline="+rows[0]["Offline"],
		"the server, at its own time, finds the phone's decision right: no conflict")
	require.Equal(t, "No", rows[0]["Conflitto"])
	browsertest.RequireNoCSPViolations(t, tab)
}

// The tour has a room for two people at once (max_inside 2). Online the
// server refuses a third person with "Capienza raggiunta, attendere
// un'uscita" until the couple inside leaves; offline the phone counts from
// what it knows and gives the same answer, and lets the person in after
// the exit.
func TestGateAppRefusesAFullVenue(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	cat := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL)
	res, err := cat.GetResource(ctx, authBearer(&varcov1.GetResourceRequest{ResourceId: demo.TourID}, organizer))
	require.NoError(t, err)
	tour := res.Msg.GetResource()
	tour.GetPolicy().GetTickets().MaxInside = 2
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	_, err = admin.UpdateResource(ctx, authBearer(&varcov1.UpdateResourceRequest{Resource: tour}, organizer))
	require.NoError(t, err)

	people := registerCitizens(t, b, "GVF", 3)
	slot := tourSlot(t, b, clk.Now(), 0)
	_, couple := bookTour(t, people[0], slot, 2)
	_, single := bookTour(t, people[1], slot, 1)
	_, other := bookTour(t, people[2], slot, 1)
	clk.Set(slot.GetStart().AsTime().Add(-10 * time.Minute))
	phone := enrolledPhone(t, b, clk, admin, organizer, "Ingresso della sala", varcov1.GateDirection_GATE_DIRECTION_BOTH)
	u, tab := phone.citizenUI, phone.ctx
	scan := func(payload string) {
		u.t.Helper()
		u.run(chromedp.SendKeys("#manual-code", payload), chromedp.Click("#manual-submit"))
	}
	scan(couple)
	u.waitFor(`document.querySelector("#verdict")?.dataset.verdict === "accepted"`)
	scan(single)
	u.waitFor(`(() => {
		const v = document.querySelector("#verdict");
		return v?.dataset.verdict === "refused" && v.dataset.reason === "VENUE_FULL" && v.querySelector("#verdict-offline") === null;
	})()`)
	require.Equal(t, "Capienza raggiunta, attendere un'uscita", u.text("#verdict-message"))
	require.Contains(t, u.text("#verdict"), "FERMO")
	gateShot(u, "venue-full")

	// Offline the phone knows the couple is inside (its own scan).
	require.NoError(t, browsertest.Offline(tab, true))
	u.waitFor(`document.querySelector("#gate-status")?.dataset.online === "no"`)
	scan(other)
	u.waitFor(`(() => {
		const v = document.querySelector("#verdict");
		return v?.dataset.reason === "VENUE_FULL" && v.querySelector("#verdict-offline") !== null;
	})()`)
	require.Equal(t, "Capienza raggiunta, attendere un'uscita", u.text("#verdict-message"))
	u.run(chromedp.Click("#dir-exit"))
	scan(couple)
	u.waitFor(`document.querySelector("#verdict")?.dataset.verdict === "accepted" && document.querySelector("#gate-status").dataset.queued === "2"`)
	u.run(chromedp.Click("#dir-entry"))
	scan(other)
	u.waitFor(`document.querySelector("#verdict")?.dataset.verdict === "accepted" && document.querySelector("#gate-status").dataset.queued === "3"`)
	require.NoError(t, browsertest.Offline(tab, false))
	u.waitFor(`document.querySelector("#gate-status")?.dataset.queued === "0"`)
	var got []string
	for _, r := range exportedScans(t, admin, organizer, clk.Now()) {
		got = append(got, r["Direzione"]+" "+r["Codice motivo"]+" offline="+r["Offline"]+" conflict="+r["Conflitto"])
	}
	// The phone's offline instants are the server's time as of its last
	// Sync (the fake clock stands still), so the order is not asserted.
	require.ElementsMatch(t, []string{
		"Ingresso OK offline=No conflict=No",
		"Ingresso VENUE_FULL offline=No conflict=No",
		"Ingresso VENUE_FULL offline=Sì conflict=No",
		"Uscita OK offline=Sì conflict=No",
		"Ingresso OK offline=Sì conflict=No",
	}, got)
	browsertest.RequireNoCSPViolations(t, tab)
}

// The tour allows offline decisions with data at most a minute old. Past
// it the phone refuses entries as DATA_TOO_OLD and says so in its status
// line, but still lets a person out who is inside: refusing an exit would
// keep them counted inside, and the server, which would have let them
// out, would record a conflict it does not apply.
func TestGateAppStaleDataRefusesEntriesNotExits(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	cat := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL)
	res, err := cat.GetResource(ctx, authBearer(&varcov1.GetResourceRequest{ResourceId: demo.TourID}, organizer))
	require.NoError(t, err)
	tour := res.Msg.GetResource()
	tour.GetPolicy().GetTickets().OfflineMaxAge = durationpb.New(time.Minute)
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	_, err = admin.UpdateResource(ctx, authBearer(&varcov1.UpdateResourceRequest{Resource: tour}, organizer))
	require.NoError(t, err)
	people := registerCitizens(t, b, "GDO", 2)
	slot := tourSlot(t, b, clk.Now(), 0)
	_, couple := bookTour(t, people[0], slot, 2)
	_, late := bookTour(t, people[1], slot, 1)
	clk.Set(slot.GetStart().AsTime().Add(-10 * time.Minute))
	phone := enrolledPhone(t, b, clk, admin, organizer, "Ingresso e uscita", varcov1.GateDirection_GATE_DIRECTION_BOTH)
	u, tab := phone.citizenUI, phone.ctx
	scan := func(payload string) {
		u.t.Helper()
		u.run(chromedp.SendKeys("#manual-code", payload), chromedp.Click("#manual-submit"))
	}
	scan(couple)
	u.waitFor(`document.querySelector("#verdict")?.dataset.verdict === "accepted"`)

	// Emulated offline leaves the open Sync stream alone, and its
	// heartbeats keep the data fresh; a reload (the service worker serves
	// the app) starts with no stream at all, as a real outage does.
	u.waitFor(`navigator.serviceWorker.controller !== null`)
	require.NoError(t, browsertest.Offline(tab, true))
	u.run(chromedp.Reload(), chromedp.WaitVisible("#manual-code"))
	u.waitFor(`document.querySelector("#gate-status")?.dataset.online === "no" && Number(document.querySelector("#gate-status").dataset.keys) > 0`)
	advancePhoneClock(u, 2*time.Minute)
	clk.Advance(2 * time.Minute)
	scan(late)
	u.waitFor(`document.querySelector("#verdict")?.dataset.reason === "DATA_TOO_OLD" && document.querySelector("#gate-data-too-old") !== null`)
	require.Equal(t, "Dati del dispositivo troppo vecchi: ricollegare alla rete", u.text("#verdict-message"))
	require.Contains(t, u.text("#gate-data-too-old"), "dati troppo vecchi: fuori linea gli ingressi sono rifiutati")
	gateShot(u, "data-too-old")
	u.run(chromedp.Click("#dir-exit"))
	scan(couple)
	u.waitFor(`document.querySelector("#verdict")?.dataset.verdict === "accepted" && document.querySelector("#verdict-offline") !== null &&
		document.querySelector("#gate-status").dataset.queued === "2"`)
	require.Contains(t, u.text("#verdict"), "ESCE")

	require.NoError(t, browsertest.Offline(tab, false))
	u.waitFor(`document.querySelector("#gate-status")?.dataset.queued === "0"`)
	var got []string
	for _, r := range exportedScans(t, admin, organizer, clk.Now()) {
		got = append(got, r["Direzione"]+" "+r["Codice motivo"]+" offline="+r["Offline"]+" conflict="+r["Conflitto"])
	}
	require.ElementsMatch(t, []string{
		"Ingresso OK offline=No conflict=No",
		// The server would have let the late one in (its reason is the
		// export's): a conflict, recorded.
		"Ingresso OK offline=Sì conflict=Sì",
		"Uscita OK offline=Sì conflict=No",
	}, got)
	browsertest.RequireNoCSPViolations(t, tab)
}
