package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// The office proposes another date in the staff app (the week grid, a
// message) and sees it pending; the citizen opens the booking in the
// citizen app, sees the proposal and accepts it: the app shows the new
// booking. Every page state passes axe.
func TestProposalInTheBrowser(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	c := registerCitizens(t, b, "PBR", 1)[0]
	first, second := staffSlotPair(t, b)
	booked := admBookCIE(t, b, c, first, "")
	day := first.GetStart().AsTime().In(admRome(t)).Format(time.DateOnly)

	u := staffUI{&citizenUI{t: t, b: b, ctx: browsertest.New(t).NewTab(t), shot: 40}}
	u.open("agenda?servizio="+demo.CIEID+"&giorno="+day, "#login")
	u.login("admin@comune.example", adminPassword)
	u.run(chromedp.Click(row(booked.GetCode(), "CONFIRMED")+` a[data-action="propose"]`), chromedp.WaitVisible(slotButton(second)))
	require.Contains(t, u.text("#propose-who"), "Cittadino Numero")
	u.run(chromedp.Click("#propose-send"), chromedp.WaitVisible("#propose-slot-error"))
	u.page("propose-error")
	u.run(chromedp.Click(slotButton(second)), chromedp.WaitVisible(slotButton(second)+`[aria-pressed="true"]`))
	u.run(chromedp.SendKeys("#propose-message", "Quel giorno lo sportello è chiuso."))
	u.page("propose")
	u.run(chromedp.Click("#propose-send"), chromedp.WaitVisible("#propose-pending"), chromedp.WaitVisible("#propose-sent"))
	u.page("propose-pending")
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	det, err := admin.GetBookingDetails(ctx, authBearer(&varcov1.GetBookingDetailsRequest{BookingId: booked.GetId()}, organizer))
	require.NoError(t, err)
	require.Equal(t, varcov1.ProposalStatus_PROPOSAL_STATUS_PENDING, det.Msg.GetBooking().GetProposals()[0].GetStatus())
	u.run(chromedp.Click("#logout"), chromedp.WaitVisible("#login"))

	// The citizen, in the citizen app.
	u.run(chromedp.Navigate(b.baseURL+"/#/prenotazioni/"+booked.GetId()), chromedp.WaitVisible("#page-title"))
	_, err = chromedp.Run(u.ctx, chromedp.Poll[bool](`document.querySelector("#login, #proposal") !== null`))
	u.check(err)
	if eval[bool](u.citizenUI, `!!document.querySelector("#login")`) {
		u.citizenUI.login(c.cf, "una password lunga")
		u.run(chromedp.WaitVisible("#nav-mine, #page-title"))
		u.run(chromedp.Navigate(b.baseURL + "/#/prenotazioni/" + booked.GetId()))
	}
	u.run(chromedp.WaitVisible("#proposal"))
	require.Contains(t, u.text("#proposal"), "Quel giorno lo sportello è chiuso.")
	u.citizenUI.page("proposal")
	u.run(chromedp.Click(`#proposal button[data-accept="1"]`))
	_, err = chromedp.Run(u.ctx, chromedp.Poll[bool](`location.hash !== "#/prenotazioni/`+booked.GetId()+`" && document.querySelector("#proposal") === null && document.body.innerText.includes("`+second.GetLocalStart()+`")`))
	u.check(err)
	u.citizenUI.page("proposal-accepted")

	got, err := c.booking.GetBooking(ctx, authBearer(&varcov1.GetBookingRequest{BookingId: booked.GetId()}, c.token))
	require.NoError(t, err)
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_RESCHEDULED, got.Msg.GetBooking().GetStatus())
	nb, err := c.booking.GetBooking(ctx, authBearer(&varcov1.GetBookingRequest{BookingId: got.Msg.GetBooking().GetRescheduledToId()}, c.token))
	require.NoError(t, err)
	require.True(t, nb.Msg.GetBooking().GetSpan().GetStart().AsTime().Equal(second.GetStart().AsTime()))
}
