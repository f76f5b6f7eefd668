package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// gridTo moves the week grid on until it shows slot and clicks it.
func (u *citizenUI) gridTo(slot *varcov1.Slot) {
	u.t.Helper()
	date := slot.GetStart().AsTime().In(rome(u.t)).Format(time.DateOnly)
	sel := fmt.Sprintf(`section[aria-labelledby="day-%s"] button[data-start=%q]`, date, slot.GetLocalStart())
	for week := 0; week < 4; week++ {
		u.gridLoaded()
		if eval[bool](u, fmt.Sprintf(`document.querySelector(%q) !== null`, sel)) {
			u.run(chromedp.Click(sel))
			return
		}
		u.nextWeek(chromedp.Click("#next-week"))
	}
	u.t.Fatalf("slot %s %s not in the grid", date, slot.GetLocalStart())
}

// The waiting list in the browsers: a citizen finds a tour slot full, joins
// its line for 2 seats and sees their place; the office sees them in the
// staff list; a cancellation through the API offers them the seats, which
// they confirm through the ordinary confirm flow; the staff list and the
// statistics show the conversion. Every state shown is axe-clean; a CSP
// violation fails the test.
func TestWaitlistInTheBrowser(t *testing.T) {
	t.Parallel()
	b, _ := bootstrapOrganizer(t, setup(t))
	ctx := context.Background()
	slot := tourSlot(t, b, time.Now(), 0)
	fillers, booked := fillTour(t, b, "WBF", slot)

	auth := varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL)
	_, err := auth.Register(ctx, connect.NewRequest(&varcov1.RegisterRequest{GivenName: "Mario", FamilyName: "Rossi",
		Email: "mario.rossi@example.org", CodiceFiscale: browserCF, Phone: "333 123 4567", Password: testPassword, PrivacyConsent: true}))
	require.NoError(t, err)
	login, err := auth.Login(ctx, connect.NewRequest(&varcov1.LoginRequest{Login: browserCF, Password: testPassword}))
	require.NoError(t, err)
	mario := waiters(b, []citizen{{token: login.Msg.GetSession().GetToken(), cf: browserCF}})[0]

	u := &citizenUI{t: t, b: b, ctx: browsertest.New(t).NewTab(t)}
	u.open("accesso")
	u.login(browserCF, testPassword)
	u.run(chromedp.WaitVisible("#mine-waitlist"))

	// The full slot offers the line instead of "Avanti".
	u.open("prenota/" + demo.TourID)
	u.gridTo(slot)
	u.run(chromedp.WaitVisible("#wl-panel"))
	require.Zero(t, eval[int](u, `document.querySelectorAll("#choose-slot").length`))
	u.page("waitlist-join")
	staffUI{u}.setInput("#wl-seats", "2", "change")
	u.run(chromedp.Click("#join-waitlist"))
	require.Contains(t, u.text("#wl-joined"), "posizione 1")
	u.page("waitlist-joined")
	require.Equal(t, int32(2), mario.mine(t, slot).GetSeats())

	// My waiting list: place in line, seats, leave.
	u.run(chromedp.Click("#wl-joined-link"), chromedp.WaitVisible(`#wl-list li[data-state="WAITING"]`))
	require.Contains(t, u.text(`#wl-list li[data-state="WAITING"] .wl-state`), "In attesa: posizione 1")
	require.Contains(t, u.text(`#wl-list li[data-state="WAITING"]`), "posti: 2")
	u.page("waitlist-mine")

	// The office's list.
	s := staffUI{&citizenUI{t: t, b: b, ctx: browsertest.New(t).NewTab(t)}}
	s.open("", "#login")
	s.login("admin@comune.example", adminPassword)
	s.open("lista-attesa?risorsa="+demo.TourID, `tr[data-state="WAITING"]`)
	row := s.text(`tr[data-state="WAITING"]`)
	require.Contains(t, row, "Mario Rossi")
	require.Contains(t, row, "mario.rossi@example.org")
	require.Equal(t, "1", eval[string](s.citizenUI, `document.querySelector('tr[data-state="WAITING"]').dataset.position`))
	s.page("waitlist")

	// A cancellation offers Mario the seats, held until the offer's end.
	_, err = fillers[0].booking.CancelBooking(ctx, authBearer(&varcov1.CancelBookingRequest{BookingId: booked[0].GetId()}, fillers[0].token))
	require.NoError(t, err)
	offer := mario.mine(t, slot)
	require.Equal(t, varcov1.WaitlistState_WAITLIST_STATE_OFFERED, offer.GetState())
	until := offer.GetOfferExpiresAt().AsTime().In(rome(t)).Format("15:04")
	// "Le mie prenotazioni" says an offer waits; its link leads to it.
	u.open("prenotazioni")
	u.run(chromedp.WaitVisible(`//p[a[@id="mine-waitlist"]]/strong`))
	u.run(chromedp.Click("#mine-waitlist"), chromedp.WaitVisible(`#wl-list li[data-state="OFFERED"]`))
	require.Contains(t, u.text(`#wl-list li[data-state="OFFERED"] .wl-state`), "Posti riservati per te fino alle "+until)
	u.page("waitlist-offer")
	s.run(chromedp.Click("#wl-refresh"), chromedp.WaitVisible(`tr[data-state="OFFERED"]`))
	require.Contains(t, s.text(`tr[data-state="OFFERED"]`), until)
	s.page("waitlist-offered")

	// Confirmed like any hold: details, summary, confirm.
	u.run(chromedp.Click(`#wl-list li[data-state="OFFERED"] .wl-confirm`), chromedp.WaitVisible("#hold-countdown"))
	u.page("waitlist-offer-details")
	u.run(chromedp.Click("#privacy"), chromedp.Click("#to-summary"), chromedp.WaitVisible("#confirm"))
	u.run(chromedp.Click("#confirm"))
	code := u.text("#done-code")
	require.NotEmpty(t, code)
	done := mario.mine(t, slot)
	require.Equal(t, varcov1.WaitlistState_WAITLIST_STATE_CONVERTED, done.GetState())
	u.open("lista-attesa")
	u.run(chromedp.WaitVisible(`#wl-list li[data-state="CONVERTED"]`))
	require.Zero(t, eval[int](u, `document.querySelectorAll("#wl-list .wl-leave").length`), "an ended entry cannot be left")
	u.page("waitlist-converted")

	// The office: the history and the statistics of the slot's day.
	s.open("lista-attesa?tutte=1&risorsa="+demo.TourID, `tr[data-state="CONVERTED"]`)
	day := slot.GetStart().AsTime().In(rome(t)).Format(time.DateOnly)
	s.open("statistiche?dal="+day+"&al="+day, `tr[data-measure="waitlistConverted"]`)
	for measure, want := range map[string]string{"waitlistJoined": "1", "waitlistOffered": "1", "waitlistConverted": "1", "waitlistLapsed": "0"} {
		require.Equal(t, want, eval[string](s.citizenUI, fmt.Sprintf(`document.querySelector('tr[data-measure=%q] td').textContent`, measure)), measure)
	}
	s.page("waitlist-stats")
}
