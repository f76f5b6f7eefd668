package app_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// A visitor with no account books the tour in the browser: the form, the
// code from the e-mail (a wrong one first), the confirmation with the QR.
func TestGuestBooksInTheBrowser(t *testing.T) {
	t.Parallel()
	e := newGuestEnv(t, func(*config.Config) {}, booking.GuestConfig{})
	e.allow(varcov1.GuestBooking_GUEST_BOOKING_EMAIL, 0)
	u := &citizenUI{t: t, b: e.b, ctx: browsertest.New(t).NewTab(t)}

	u.open("servizio/" + demo.TourID)
	u.run(chromedp.Click("#book-now"), chromedp.WaitVisible("button.slot"))
	u.pickFirstFreeSlot()
	u.run(chromedp.Click("#choose-slot"), chromedp.WaitVisible("#guest-offer"))
	u.page("guest-offer")
	u.run(chromedp.Click("#guest-offer"), chromedp.WaitVisible("#g_given"))
	u.run(chromedp.Click("#guest-send"), chromedp.WaitVisible("#g_given-error"))
	u.page("guest-form-errors")
	u.run(chromedp.SendKeys("#g_given", "Lucia"), chromedp.SendKeys("#g_family", "Mondella"),
		chromedp.SendKeys("#g_email", "lucia@example.it"))
	eval[bool](u, `(document.querySelectorAll('input[id^="g-ack-"]').forEach((c) => c.checked || c.click()), true)`)
	u.run(chromedp.Click("#g-privacy"), chromedp.Click("#guest-send"), chromedp.WaitVisible("#guest-code-sent"))
	u.page("guest-code")

	mails := e.dispatch(0)
	require.Len(t, mails, 1)
	code := codeIn(t, mails[0], "lucia@example.it")
	u.run(chromedp.SendKeys("#guest-code", otherCode(code)), chromedp.Click("#guest-confirm"), chromedp.WaitVisible("#guest-code-error"))
	u.page("guest-code-wrong")
	u.run(chromedp.SendKeys("#guest-code", strings.Repeat("\b", 6)+code), chromedp.Click("#guest-confirm"),
		chromedp.WaitVisible("#guest-confirmed"), chromedp.WaitVisible("#guest-qr"))
	u.page("guest-confirmed")
	require.NotEmpty(t, u.text("#guest-booking-code"))
	require.NotEmpty(t, eval[string](u, `document.querySelector("#guest-qr").dataset.payload`))
}
