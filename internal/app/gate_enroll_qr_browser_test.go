package app_test

import (
	"bytes"
	"context"
	"image/png"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/qrcode"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// A fresh phone enrolls by filming the organizer's QR, the very image
// `varco enroll-code --png` writes (a link to /gate/ with ?codice=, drawn
// by internal/qrcode with its quiet zone), and then scans a booked ticket
// online: the credential it got is the gate's.
func TestGateAppEnrollsFromQR(t *testing.T) {
	// Not parallel: decoding camera frames in JavaScript while a dozen other
	// browsers and servers share two cores missed the QR for half a minute
	// in two full runs; run alone (before the parallel tests) it reads at once.
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	p := registerCitizens(t, b, "GTQ", 1)[0]
	slot := tourSlot(t, b, clk.Now(), 0)
	_, payload := bookTour(t, p, slot, 1)
	clk.Set(slot.GetStart().AsTime().Add(-10 * time.Minute))
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	code, err := admin.CreateDeviceEnrollment(ctx, authBearer(&varcov1.CreateDeviceEnrollmentRequest{OrganizationId: demo.ComuneID,
		Name: "Ingresso dal QR", ResourceIds: []string{demo.TourID}, Direction: varcov1.GateDirection_GATE_DIRECTION_ENTRY}, organizer))
	require.NoError(t, err)

	m, err := qrcode.Encode(b.baseURL + "/gate/#/?codice=" + code.Msg.GetEnrollmentCode())
	require.NoError(t, err)
	file, err := m.PNG(8)
	require.NoError(t, err)
	img, err := png.Decode(bytes.NewReader(file))
	require.NoError(t, err)
	video := filepath.Join(t.TempDir(), "enroll.y4m")
	require.NoError(t, browsertest.WriteY4M(video, img, 3))

	tab := browsertest.New(t, browsertest.FakeCamera(video)).NewTab(t)
	u := &citizenUI{t: t, b: b, ctx: tab}
	phoneClock(t, tab, clk)
	u.run(chromedp.Navigate(b.baseURL+"/gate/"), chromedp.WaitVisible("#enroll-scan"))
	u.run(chromedp.Click("#enroll-scan"))
	u.run(chromedp.WaitVisible("#camera-toggle"))
	require.Contains(t, u.text(".navbar-brand"), "Ingresso dal QR")

	u.run(chromedp.SendKeys("#manual-code", payload), chromedp.Click("#manual-submit"))
	u.waitFor(`(() => {
		const v = document.querySelector("#verdict");
		return v?.dataset.verdict === "accepted" && v.innerText.includes("ENTRA") && v.querySelector("#verdict-offline") === null;
	})()`)
	browsertest.RequireNoConsoleErrors(t, tab)
}
