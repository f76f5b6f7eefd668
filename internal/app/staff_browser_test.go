package app_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
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
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// staffUI drives the staff app at /staff/ in a real browser; it reuses the
// citizen app's steps with deadlines and failure screenshots.
type staffUI struct{ *citizenUI }

// open navigates to a route of the staff app.
func (u staffUI) open(route string, until string) {
	u.t.Helper()
	u.run(chromedp.Navigate(u.b.baseURL+"/staff/#/"+route), chromedp.WaitVisible(until))
}

// page checks the page on screen: no serious accessibility violation, and a
// screenshot for docs/ when asked for.
func (u staffUI) page(name string) {
	u.t.Helper()
	browsertest.RequireNoSeriousAxe(u.t, u.ctx, name)
	if dir := os.Getenv("VARCO_SCREENSHOTS"); dir != "" {
		u.shot++
		png, err := chromedp.Run(u.ctx, chromedp.FullScreenshot(100))
		require.NoError(u.t, err)
		require.NoError(u.t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("staff-%02d-%s.png", u.shot, name)), png, 0o644))
	}
}

func (u staffUI) login(login, password string) {
	u.t.Helper()
	u.run(chromedp.WaitVisible("#login"), chromedp.SendKeys("#login", login), chromedp.SendKeys("#password", password),
		chromedp.Click("#login-submit"), chromedp.WaitVisible("#nav-agenda"))
}

// row is the agenda row of a booking code, optionally in a status.
func row(code, status string) string {
	if status == "" {
		return fmt.Sprintf(`tr[data-code=%q]`, code)
	}
	return fmt.Sprintf(`tr[data-code=%q][data-status=%q]`, code, status)
}

// staffSlotPair returns two free ID-card slots of the same Monday-to-Sunday
// week, the second at least an hour after the first (so it is still too
// early to mark when the first begins).
func staffSlotPair(t *testing.T, b *bundle) (*varcov1.Slot, *varcov1.Slot) {
	t.Helper()
	rome := admRome(t)
	week := func(s *varcov1.Slot) string {
		y, w := s.GetStart().AsTime().In(rome).ISOWeek()
		return fmt.Sprint(y, w)
	}
	slots := admCIESlots(t, b)
	for i, a := range slots {
		for _, c := range slots[i+1:] {
			if week(a) == week(c) && c.GetStart().AsTime().Sub(a.GetStart().AsTime()) >= time.Hour {
				return a, c
			}
		}
	}
	t.Fatal("no two ID card slots in one week")
	return nil, nil
}

// The operator's day in the browser: an operator of the ID-card service
// logs in at /staff/, sees a booking made through the API and one made
// while the page is open (no reload), marks the first attended when it is
// due, is told in the row why the other cannot be marked yet, cancels it
// with a reason after the server refused an empty one, and the citizen's
// cancellation e-mail carries the reason. No organizer page is offered to
// an operator; every page passes axe.
func TestStaffOperatorDayInTheBrowser(t *testing.T) {
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
	// Three citizens: the ID card allows one active booking per person.
	people := registerCitizens(t, b, "STF", 4)
	operator, citizen, other, late := people[0], people[1], people[2], people[3]
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	_, err := admin.GrantRole(ctx, authBearer(&varcov1.GrantRoleRequest{OrganizationId: demo.ComuneID, Login: operator.cf,
		Kind: varcov1.StaffRoleKind_STAFF_ROLE_KIND_OPERATOR, ResourceIds: []string{demo.CIEID}}, organizer))
	require.NoError(t, err)

	first, second := staffSlotPair(t, b)
	due := admBookCIE(t, b, citizen, first, "")
	later := admBookCIE(t, b, other, second, "")
	day := first.GetStart().AsTime().In(admRome(t)).Format(time.DateOnly)

	u := staffUI{&citizenUI{t: t, b: b, ctx: browsertest.New(t).NewTab(t)}}
	u.open("agenda?servizio="+demo.CIEID+"&giorno="+day, "#login")
	u.page("login")
	u.login(operator.cf, "una password lunga")
	u.run(chromedp.WaitVisible(row(due.GetCode(), "CONFIRMED")))
	u.page("agenda-day")
	text := u.text(row(due.GetCode(), ""))
	require.Contains(t, text, "Cittadino Numero")
	require.Contains(t, text, citizen.cf)
	require.False(t, eval[bool](u.citizenUI, `!!document.querySelector("#nav-stats, #nav-devices")`), "an operator has no organizer pages")
	require.Equal(t, demo.CIEID, eval[string](u.citizenUI, `document.querySelector("#service").value`), "the route keeps the service")
	browsertest.RequireNoConsoleErrors(t, u.ctx) // errors on purpose follow

	// Booked online while the agenda is open: it appears by itself.
	walkIn := admBookCIE(t, b, late, first, "")
	u.run(chromedp.WaitVisible(row(walkIn.GetCode(), "CONFIRMED")))

	// The appointment is due: attended.
	clk.Set(first.GetStart().AsTime().Add(-10 * time.Minute))
	u.run(chromedp.Click(row(due.GetCode(), "")+` button[data-action="done"]`), chromedp.WaitVisible(row(due.GetCode(), "DONE")))
	got, err := admin.GetBookingDetails(ctx, authBearer(&varcov1.GetBookingDetailsRequest{BookingId: due.GetId()}, organizer))
	require.NoError(t, err)
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_DONE, got.Msg.GetBooking().GetStatus())

	// The week: the later one cannot be marked yet, and the row says why.
	u.run(chromedp.Click("#view-week"), chromedp.WaitVisible(row(later.GetCode(), "CONFIRMED")))
	u.run(chromedp.Click(row(later.GetCode(), "") + ` button[data-action="done"]`))
	tooEarly := u.text(row(later.GetCode(), "") + ` [role="alert"]`)
	require.NotEmpty(t, tooEarly)
	u.page("agenda-week-error")

	// Cancel with a reason; without one the server's field error shows
	// under the reason box.
	u.run(chromedp.Click(row(later.GetCode(), "")+` button[data-action="cancel"]`), chromedp.WaitVisible("#cancel-reason"),
		chromedp.Click("#cancel-confirm"), chromedp.WaitVisible("#cancel-reason-error"))
	u.page("cancel-dialog-error")
	const why = "Sportello chiuso per un guasto al sistema"
	u.run(chromedp.SendKeys("#cancel-reason", why), chromedp.Click("#cancel-confirm"),
		chromedp.WaitVisible(row(later.GetCode(), "CANCELLED_BY_OPERATOR")), chromedp.WaitNotPresent("#cancel-dialog"))
	u.page("agenda-week")
	require.False(t, eval[bool](u.citizenUI, fmt.Sprintf(`!!document.querySelector(%q)`, row(later.GetCode(), "")+` [role="alert"]`)),
		"the earlier refusal is gone once the booking is cancelled")

	// The citizen is told, with the reason.
	_, err = b.app.DispatchOnce(ctx)
	require.NoError(t, err)
	var told bool
	for _, m := range sink.Messages() {
		msg, parts := parseMail(t, m.Data)
		for _, p := range parts {
			if p.contentType == "text/plain" && strings.Contains(string(p.body), why) {
				require.Contains(t, m.To, "STF2@example.it")
				require.Contains(t, subjectOf(t, msg)+string(p.body), later.GetCode())
				told = true
			}
		}
	}
	require.True(t, told, "the cancellation e-mail with the reason reached the citizen")

	// In English, too.
	u.run(chromedp.Click(`button[lang="en"]`), chromedp.WaitVisible(`//h1[starts-with(., "Agenda from")]`))
	require.Contains(t, u.text(row(later.GetCode(), "")+" td.status"), "Cancelled by the office")
}

// An organizer's pages: statistics as bars with the numbers in a table,
// the export buttons, and a gate enrollment code (after the server's
// field error for a missing name).
func TestStaffOrganizerPagesInTheBrowser(t *testing.T) {
	t.Parallel()
	b, _ := setupWithOrganizer(t)
	// Screenshots numbered after the operator's.
	u := staffUI{&citizenUI{t: t, b: b, ctx: browsertest.New(t).NewTab(t), shot: 10}}
	u.open("", "#login")
	u.login("admin@comune.example", adminPassword)
	u.run(chromedp.WaitVisible("#service"))
	u.page("organizer-agenda")

	u.run(chromedp.Click("#nav-stats"), chromedp.WaitVisible("#stats-table"), chromedp.WaitVisible("svg.stat-bars"))
	require.Contains(t, u.text("#stats-table"), "Prenotazioni")
	require.True(t, eval[bool](u.citizenUI, `!!document.querySelector("#export-bookings") && !!document.querySelector("#export-scans")`))
	u.page("stats")
	browsertest.RequireNoConsoleErrors(t, u.ctx) // an error on purpose follows

	u.run(chromedp.Click("#nav-devices"), chromedp.WaitVisible("#device-enroll"), chromedp.Click("#device-enroll"),
		chromedp.WaitVisible("#device-name-error"))
	u.page("devices-error")
	u.run(chromedp.SendKeys("#device-name", "Ingresso nord"), chromedp.Click(fmt.Sprintf(`input[id="dev-res-%s"]`, demo.TourID)),
		chromedp.Click("#device-enroll"), chromedp.WaitVisible("#enrollment-code"))
	require.NotEmpty(t, u.text("#enrollment-code"))
	u.page("devices")
}
