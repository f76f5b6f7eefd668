package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/notify/email/mailtest"
	"github.com/varco-gate/varco/internal/person"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// setInput sets an input's or a select's value as a person would, with
// the event the page listens to (typing into date and time inputs
// depends on the browser's locale).
func (u staffUI) setInput(sel, value, event string) {
	u.t.Helper()
	u.run(chromedp.WaitVisible(sel))
	require.True(u.t, eval[bool](u.citizenUI, fmt.Sprintf(
		`(() => { const el = document.querySelector(%q); el.value = %q; el.dispatchEvent(new Event(%q, {bubbles: true})); return el.value === %q; })()`,
		sel, value, event, value)), "value of %s", sel)
}

// slotButton is the week grid's button for a slot.
func slotButton(s *varcov1.Slot) string {
	return fmt.Sprintf(`.slot-picker button[data-start=%q]`, s.GetStart().AsTime().UTC().Format("2006-01-02T15:04:05.000Z"))
}

// The rest of the operator's day in the browser: an operator moves a
// booking to another slot of the week (it shows in the agenda at its new
// time and the citizen's e-mail gives the new time), books at the counter
// for someone without an account (after the server asked for the privacy
// notice; the booking shows in the agenda and through the API), and blocks
// the time of the operator that booking was given to, which lists the
// booking it cancelled. Every new page passes axe.
func TestStaffDeskInTheBrowser(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	sink := &mailtest.Sink{}
	port := mailtest.Start(t, sink, mailtest.PlainOnly, nil)
	b := setupOpts(t, clk, []app.Option{app.WithManualDispatch()}, func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS = "127.0.0.1", port, "none"
		c.MailFrom = "Comune <noreply@comune.example>"
	})
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	people := registerCitizens(t, b, "DSK", 2)
	operator, citizen := people[0], people[1]
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	_, err := admin.GrantRole(ctx, authBearer(&varcov1.GrantRoleRequest{OrganizationId: demo.ComuneID, Login: operator.cf,
		Kind: varcov1.StaffRoleKind_STAFF_ROLE_KIND_OPERATOR, ResourceIds: []string{demo.CIEID}}, organizer))
	require.NoError(t, err)
	rome := admRome(t)
	first, second := staffSlotPair(t, b)
	booked := admBookCIE(t, b, citizen, first, "")
	day := first.GetStart().AsTime().In(rome).Format(time.DateOnly)

	u := staffUI{&citizenUI{t: t, b: b, ctx: browsertest.New(t).NewTab(t), shot: 20}}
	u.open("agenda?servizio="+demo.CIEID+"&giorno="+day, "#login")
	u.login(operator.cf, "una password lunga")

	// Move: the week grid of the service, the later slot, a reason.
	u.run(chromedp.Click(row(booked.GetCode(), "CONFIRMED")+` a[data-action="move"]`), chromedp.WaitVisible(slotButton(second)))
	require.Contains(t, u.text("#move-who"), "Cittadino Numero")
	u.run(chromedp.Click(slotButton(second)), chromedp.WaitVisible(slotButton(second)+`[aria-pressed="true"]`))
	const why = "Spostato su richiesta telefonica"
	u.run(chromedp.SendKeys("#move-reason", why))
	u.page("move")
	u.run(chromedp.Click("#move-confirm"), chromedp.WaitVisible("#move-done"))
	old, err := admin.GetBookingDetails(ctx, authBearer(&varcov1.GetBookingDetailsRequest{BookingId: booked.GetId()}, organizer))
	require.NoError(t, err)
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_RESCHEDULED, old.Msg.GetBooking().GetStatus())
	moved, err := admin.GetBookingDetails(ctx, authBearer(&varcov1.GetBookingDetailsRequest{BookingId: old.Msg.GetBooking().GetRescheduledToId()}, organizer))
	require.NoError(t, err)
	nb := moved.Msg.GetBooking()
	require.True(t, nb.GetSpan().GetStart().AsTime().Equal(second.GetStart().AsTime()))
	u.page("move-done")
	u.run(chromedp.Click("#move-agenda"), chromedp.WaitVisible(row(nb.GetCode(), "CONFIRMED")))
	require.Contains(t, u.text(row(nb.GetCode(), "")+" td"), second.GetLocalStart(), "the agenda shows it at its new time")

	_, err = b.app.DispatchOnce(ctx)
	require.NoError(t, err)
	var told bool
	newTime := "ore " + second.GetLocalStart()
	for _, m := range sink.Messages() {
		msg, parts := parseMail(t, m.Data)
		if !strings.Contains(subjectOf(t, msg), "spostata") {
			continue
		}
		for _, p := range parts {
			if p.contentType == "text/plain" && strings.Contains(string(p.body), newTime) {
				require.Contains(t, m.To, "DSK1@example.it")
				told = true
			}
		}
	}
	require.True(t, told, "the citizen's e-mail gives the new time")

	// At the counter, for someone without an account: the freed slot.
	u.run(chromedp.Click("#to-counter"), chromedp.WaitVisible("#cb-given")) // the agenda shows the same week
	u.run(chromedp.WaitVisible(slotButton(first)), chromedp.Click(slotButton(first)), chromedp.WaitVisible("#counter-chosen"))
	cf := person.CompleteCodiceFiscale("BNCLCU80A41H501")
	u.run(chromedp.SendKeys("#cb-given", "Lucia"), chromedp.SendKeys("#cb-family", "Bianchi"), chromedp.SendKeys("#cb-cf", cf),
		chromedp.SendKeys("#cb-phone", "+39 333 1234567"), chromedp.SendKeys("#cb-email", "lucia.bianchi@example.it"), chromedp.SendKeys("#cb-reason", "Rinnovo carta d'identità"))
	browsertest.RequireNoConsoleErrors(t, u.ctx) // an error on purpose follows
	u.run(chromedp.Click("#counter-confirm"), chromedp.WaitVisible("#cb-consent-error"))
	u.page("counter-error")
	u.run(chromedp.Click("#cb-consent"), chromedp.Click("#counter-confirm"), chromedp.WaitVisible("#counter-code"))
	code := u.text("#counter-code")
	u.page("counter-done")
	list := admCalendar(t, admin, organizer, first.GetStart(), nil)
	var walkIn *varcov1.Booking
	for _, x := range list {
		if x.GetCode() == code {
			walkIn = x
		}
	}
	require.NotNil(t, walkIn, "the counter booking through the API")
	require.True(t, walkIn.GetOnBehalf())
	require.Equal(t, cf, walkIn.GetBeneficiary().GetCodiceFiscale())
	require.Contains(t, walkIn.GetBeneficiary().GetPhone(), "3331234567")
	require.Equal(t, "lucia.bianchi@example.it", walkIn.GetBeneficiary().GetEmail())
	require.Equal(t, "Rinnovo carta d'identità", walkIn.GetReason())
	require.True(t, walkIn.GetSpan().GetStart().AsTime().Equal(first.GetStart().AsTime()))
	u.run(chromedp.Click("#counter-agenda"), chromedp.WaitVisible(row(code, "CONFIRMED")))
	require.Contains(t, u.text(row(code, "")), "Lucia Bianchi")

	// The operator it was given to is away then: the booking is cancelled
	// and listed to call back.
	require.NotEmpty(t, walkIn.GetOperator().GetId())
	u.run(chromedp.Click("#to-block"), chromedp.WaitVisible("#block-reason"),
		chromedp.WaitReady(fmt.Sprintf(`#block-operator option[value=%q]`, walkIn.GetOperator().GetId())))
	u.setInput("#block-operator", walkIn.GetOperator().GetId(), "change")
	u.setInput("#block-day", day, "input")
	u.setInput("#block-from", first.GetLocalStart(), "input")
	u.setInput("#block-to", first.GetLocalEnd(), "input")
	u.run(chromedp.SendKeys("#block-reason", "Operatore assente"))
	u.page("block")
	u.run(chromedp.Click("#block-confirm"), chromedp.WaitVisible(fmt.Sprintf(`#stranded li[data-code=%q]`, code)))
	require.Contains(t, u.text("#stranded"), walkIn.GetBeneficiary().GetPhone(), "with the number to call")
	u.page("block-done")
	got, err := admin.GetBookingDetails(ctx, authBearer(&varcov1.GetBookingDetailsRequest{BookingId: walkIn.GetId()}, organizer))
	require.NoError(t, err)
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CANCELLED_BY_OPERATOR, got.Msg.GetBooking().GetStatus())
	require.Equal(t, "Operatore assente", admLastChange(got.Msg.GetBooking()).GetReason())
}
