package app_test

import (
	"bytes"
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// gatePhone is one phone running the gate app, in a browser of its own
// (its own localStorage, hence its own device credential and queue).
type gatePhone struct {
	*citizenUI
	deviceID string
}

// enrolledPhone starts a browser, enrolls the gate app with a new code for
// gate name and waits until it has synced the keys.
func enrolledPhone(t *testing.T, b *bundle, clk clock.Clock, admin varcov1connect.AdminServiceClient, organizer, name string, dir varcov1.GateDirection) *gatePhone {
	t.Helper()
	code, err := admin.CreateDeviceEnrollment(context.Background(), authBearer(&varcov1.CreateDeviceEnrollmentRequest{OrganizationId: demo.ComuneID,
		Name: name, ResourceIds: []string{demo.TourID}, Direction: dir}, organizer))
	require.NoError(t, err)
	tab := browsertest.New(t).NewTab(t)
	u := &citizenUI{t: t, b: b, ctx: tab}
	phoneClock(t, tab, clk)
	u.run(chromedp.Navigate(b.baseURL+"/gate/"), chromedp.WaitVisible("#enroll-code"))
	u.run(chromedp.SendKeys("#enroll-code", code.Msg.GetEnrollmentCode()), chromedp.Click("#enroll-submit"), chromedp.WaitVisible("#camera-toggle"))
	u.waitFor(`document.querySelector("#gate-status")?.dataset.online === "yes" && Number(document.querySelector("#gate-status").dataset.keys) > 0`)
	id := eval[string](u, `JSON.parse(localStorage.getItem("varco.gate.device")).deviceId`)
	require.NotEmpty(t, id)
	return &gatePhone{citizenUI: u, deviceID: id}
}

// Two phones at two entrances both lose the network and both let the same
// ticket in, each knowing nothing of the other. Back online both queues are
// sent: the server keeps both scans (nothing dropped, both marked offline)
// and records the one that reaches it second as a conflict (the server's
// ALREADY_INSIDE against the phone's ENTRA), which organizers read with
// ListScanConflicts and in the export.
func TestGateAppOfflineConflictAcrossTwoPhones(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	p := registerCitizens(t, b, "GTC", 1)[0]
	slot := tourSlot(t, b, clk.Now(), 0)
	bk, payload := bookTour(t, p, slot, 1)
	clk.Set(slot.GetStart().AsTime().Add(-10 * time.Minute))
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	north := enrolledPhone(t, b, clk, admin, organizer, "Ingresso nord", varcov1.GateDirection_GATE_DIRECTION_ENTRY)
	south := enrolledPhone(t, b, clk, admin, organizer, "Ingresso sud", varcov1.GateDirection_GATE_DIRECTION_ENTRY)

	// North first, then south: each decides alone and lets the ticket in.
	for _, ph := range []*gatePhone{north, south} {
		require.NoError(t, browsertest.Offline(ph.ctx, true))
		ph.waitFor(`document.querySelector("#gate-status")?.dataset.online === "no"`)
	}
	for _, ph := range []*gatePhone{north, south} {
		ph.run(chromedp.SendKeys("#manual-code", payload), chromedp.Click("#manual-submit"))
		ph.waitFor(`(() => {
			const v = document.querySelector("#verdict");
			return v?.dataset.verdict === "accepted" && v.querySelector("#verdict-offline") !== null &&
				document.querySelector("#gate-status").dataset.queued === "1";
		})()`)
	}
	for _, ph := range []*gatePhone{north, south} {
		require.NoError(t, browsertest.Offline(ph.ctx, false))
		ph.waitFor(`document.querySelector("#gate-status")?.dataset.queued === "0" && document.querySelector("#gate-status").dataset.online === "yes"`)
	}

	conflicts, err := admin.ListScanConflicts(ctx, authBearer(&varcov1.ListScanConflictsRequest{OrganizationId: demo.ComuneID}, organizer))
	require.NoError(t, err)
	require.Len(t, conflicts.Msg.GetConflicts(), 1)
	c := conflicts.Msg.GetConflicts()[0]
	require.Equal(t, south.deviceID, c.GetDeviceId(), "the entry uploaded second is the conflict")
	require.Equal(t, varcov1.ScanDirection_SCAN_DIRECTION_ENTRY, c.GetDirection())
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, c.GetLocalVerdict().GetVerdict())
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_REFUSED, c.GetServerVerdict().GetVerdict())
	require.Equal(t, varcov1.ScanReason_SCAN_REASON_ALREADY_INSIDE, c.GetServerVerdict().GetReason())

	// Nothing dropped: both scans are in the export, offline.
	days := []string{time.Now().In(mustRome(t)).Format(time.DateOnly), clk.Now().In(mustRome(t)).Format(time.DateOnly)}
	slices.Sort(days)
	stream, err := admin.ExportScans(ctx, authBearer(&varcov1.ExportScansRequest{OrganizationId: demo.ComuneID,
		FromDate: days[0], ToDate: days[1]}, organizer))
	require.NoError(t, err)
	var out bytes.Buffer
	for stream.Receive() {
		out.Write(stream.Msg().GetChunk())
	}
	require.NoError(t, stream.Err())
	_, rows := csvRows(t, out.Bytes(), ';')
	got := map[string]string{}
	for _, r := range rows {
		require.Equal(t, bk.GetCode(), r["Prenotazione"])
		got[r["Varco"]] = r["Esito"] + " " + r["Codice motivo"] + ", device: " + r["Esito sul dispositivo"] +
			", offline " + r["Offline"] + ", conflict " + r["Conflitto"] + ", " + r["ID dispositivo"]
	}
	require.Equal(t, map[string]string{
		"Ingresso nord": "Accettata OK, device: Accettata, offline Sì, conflict No, " + north.deviceID,
		"Ingresso sud":  "Rifiutata ALREADY_INSIDE, device: Accettata, offline Sì, conflict Sì, " + south.deviceID,
	}, got)
}
