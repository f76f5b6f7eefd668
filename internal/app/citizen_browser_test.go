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

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// citizenUI drives the citizen app in a real browser, as a person would.
type citizenUI struct {
	t    *testing.T
	b    *bundle
	ctx  context.Context
	shot int
}

func (u *citizenUI) run(actions ...chromedp.Action[chromedp.Void]) {
	u.t.Helper()
	// Every step has a deadline: a missing element fails, never hangs.
	ctx, cancel := context.WithTimeout(u.ctx, 20*time.Second)
	defer cancel()
	u.check(chromedp.Do(ctx, actions...))
}

// check fails the test on err, leaving a screenshot of the page a person
// would have seen in the test's output folder.
func (u *citizenUI) check(err error) {
	u.t.Helper()
	if err == nil {
		return
	}
	if png, serr := chromedp.Run(u.ctx, chromedp.FullScreenshot(100)); serr == nil {
		path := filepath.Join(os.TempDir(), fmt.Sprintf("%s-failure.png", u.t.Name()))
		if os.WriteFile(path, png, 0o644) == nil {
			u.t.Logf("screenshot of the failure: %s", path)
		}
	}
	if text, terr := chromedp.Run(u.ctx, chromedp.Evaluate[string](`document.querySelector("main")?.innerText.slice(0, 2000) ?? ""`)); terr == nil {
		u.t.Logf("the page shows:\n%s", text)
	}
	require.NoError(u.t, err)
}

// eval returns the value of a JavaScript expression in the page.
func eval[T any](u *citizenUI, expr string) T {
	u.t.Helper()
	v, err := chromedp.Run(u.ctx, chromedp.Evaluate[T](expr))
	require.NoError(u.t, err)
	return v
}

// open navigates to a route of the app and waits for its title.
func (u *citizenUI) open(route string) {
	u.t.Helper()
	u.run(chromedp.Navigate(u.b.baseURL+"/#/"+route), chromedp.WaitVisible("#page-title"))
}

// page checks the page a person sees now: no serious accessibility
// violation, and a screenshot for docs/ when asked for.
func (u *citizenUI) page(name string) {
	u.t.Helper()
	browsertest.RequireNoSeriousAxe(u.t, u.ctx, name)
	if dir := os.Getenv("VARCO_SCREENSHOTS"); dir != "" {
		u.shot++
		png, err := chromedp.Run(u.ctx, chromedp.FullScreenshot(100))
		require.NoError(u.t, err)
		require.NoError(u.t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("citizen-%02d-%s.png", u.shot, name)), png, 0o644))
	}
}

// text returns the text of the first element matching sel.
func (u *citizenUI) text(sel string) string {
	u.t.Helper()
	u.run(chromedp.WaitVisible(sel))
	s, err := chromedp.Run(u.ctx, chromedp.Text(sel))
	require.NoError(u.t, err)
	return strings.TrimSpace(s)
}

// gridLoaded waits until the week grid shows the slots of the week it names.
func (u *citizenUI) gridLoaded() {
	u.t.Helper()
	_, err := chromedp.Run(u.ctx, chromedp.Poll[bool](`(() => { const g = document.querySelector("[data-grid-week]");
		return g !== null && g.dataset.loadedWeek === g.dataset.gridWeek })()`))
	u.check(err)
}

// nextWeek moves the grid on by a week with act (a click, or a key on the
// focused button) and waits for that week's slots: a check made before the
// page re-renders would still see the old week.
func (u *citizenUI) nextWeek(act chromedp.Action[chromedp.Void]) {
	u.t.Helper()
	u.gridLoaded()
	before := eval[string](u, `document.querySelector("[data-grid-week]").dataset.gridWeek`)
	u.run(act)
	_, err := chromedp.Run(u.ctx, chromedp.Poll[bool](fmt.Sprintf(`(() => { const g = document.querySelector("[data-grid-week]");
		return g !== null && g.dataset.gridWeek !== %q && g.dataset.loadedWeek === g.dataset.gridWeek })()`, before)))
	u.check(err)
}

// pickFirstFreeSlot clicks the first bookable slot of the grid, moving on
// week by week, and returns its data-start and the day heading.
func (u *citizenUI) pickFirstFreeSlot() {
	u.t.Helper()
	for week := 0; week < 4; week++ {
		u.gridLoaded()
		if eval[int](u, `document.querySelectorAll("button.slot:not([disabled]):not([data-state=\"FULL\"])").length`) > 0 {
			u.run(chromedp.Click(chromedp.CSS(`button.slot:not([disabled]):not([data-state="FULL"])`)))
			return
		}
		u.nextWeek(chromedp.Click("#next-week"))
	}
	u.t.Fatal("no free slot in four weeks")
}

func (u *citizenUI) login(cf, password string) {
	u.t.Helper()
	u.run(chromedp.WaitVisible("#login"),
		chromedp.SendKeys("#login", cf),
		chromedp.SendKeys("#password", password),
		chromedp.Click("#login-submit"))
}

// book goes through the whole flow for a resource and returns the booking
// code shown at the end.
func (u *citizenUI) book(resourceID string, ack bool, weeksAhead int) string {
	u.t.Helper()
	u.open("servizio/" + resourceID)
	u.page("service")
	u.run(chromedp.Click("#book-now"), chromedp.WaitVisible("button.slot"))
	u.page("grid")
	for range weeksAhead {
		u.nextWeek(chromedp.Click("#next-week"))
	}
	u.pickFirstFreeSlot()
	u.run(chromedp.Click("#choose-slot"))
	_, err := chromedp.Run(u.ctx, chromedp.Poll[bool](`document.querySelector("#login, #hold-countdown") !== null`))
	u.check(err)
	if eval[bool](u, `!!document.querySelector("#login")`) {
		u.page("login")
		u.login(u.cf(), testPassword)
	}
	u.run(chromedp.WaitVisible("#hold-countdown"))
	u.page("details")
	if ack {
		u.run(chromedp.Click(chromedp.CSS(`input[id^="ack-"]`)))
	}
	u.run(chromedp.Click("#privacy"), chromedp.Click("#to-summary"),
		chromedp.WaitVisible("#confirm"))
	u.page("summary")
	u.run(chromedp.Click("#confirm"))
	code := u.text("#done-code")
	u.page("done")
	return code
}

func (u *citizenUI) cf() string { return browserCF }

const (
	browserCF    = "RSSMRA85T10A562S"
	testPassword = "una-password-lunga"
)

func TestCitizenBooksInTheBrowser(t *testing.T) {
	t.Parallel()
	b := setup(t)
	auth := varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL)
	_, err := auth.Register(context.Background(), connect.NewRequest(&varcov1.RegisterRequest{GivenName: "Mario", FamilyName: "Rossi",
		Email: "mario.rossi@example.org", CodiceFiscale: browserCF, Phone: "333 123 4567", Password: testPassword, PrivacyConsent: true}))
	require.NoError(t, err)
	login, err := auth.Login(context.Background(), connect.NewRequest(&varcov1.LoginRequest{Login: browserCF, Password: testPassword}))
	require.NoError(t, err)
	token := login.Msg.GetSession().GetToken()

	// A browser of its own: tabs of a shared one would share the session
	// cookie with other tests' servers (cookies ignore the port).
	ctx := browsertest.New(t).NewTab(t)
	u := &citizenUI{t: t, b: b, ctx: ctx}

	// The ID card: an appointment with an acknowledgement to accept.
	u.open("")
	u.page("home")
	// English on request, Italian back.
	u.run(chromedp.Click(`button[lang="en"]`), chromedp.WaitVisible(`//h1[contains(., "Book an appointment")]`))
	require.Equal(t, "en", eval[string](u, `document.documentElement.lang`))
	u.run(chromedp.Click(`button[lang="it"]`), chromedp.WaitVisible(`//h1[contains(., "Prenota un appuntamento")]`))
	u.run(chromedp.Click(`//a[contains(., "Carta d'identità elettronica")]`), chromedp.WaitVisible("#book-now"))
	// Next week: the ID card can be cancelled online until 24 hours before.
	cieCode := u.book(demo.CIEID, true, 1)
	require.Regexp(t, `^[A-Z0-9]{4}-[A-Z0-9]{4}$`, cieCode)

	bookings := varcov1connect.NewBookingServiceClient(http.DefaultClient, b.baseURL)
	mine := func() []*varcov1.Booking {
		req := connect.NewRequest(&varcov1.ListMyBookingsRequest{Filter: varcov1.BookingFilter_BOOKING_FILTER_UPCOMING})
		req.Header().Set("Authorization", "Bearer "+token)
		res, err := bookings.ListMyBookings(context.Background(), req)
		require.NoError(t, err)
		return res.Msg.GetBookings()
	}
	byCode := func(code string) *varcov1.Booking {
		for _, bk := range mine() {
			if bk.GetCode() == code {
				return bk
			}
		}
		t.Fatalf("booking %s not found through the API", code)
		return nil
	}
	cie := byCode(cieCode)
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED, cie.GetStatus())

	// The guided tour: ticketed; the QR on the screen is GetTicket's payload.
	tourCode := u.book(demo.TourID, false, 0)
	tour := byCode(tourCode)
	req := connect.NewRequest(&varcov1.GetTicketRequest{BookingId: tour.GetId()})
	req.Header().Set("Authorization", "Bearer "+token)
	tickets, err := bookings.GetTicket(context.Background(), req)
	require.NoError(t, err)
	require.Len(t, tickets.Msg.GetTickets(), 1)
	u.open("biglietto/" + tour.GetId())
	u.run(chromedp.WaitVisible("img.ticket-qr"))
	qr, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("img.ticket-qr")))
	require.NoError(t, err)
	u.page("ticket")
	require.Equal(t, tickets.Msg.GetTickets()[0].GetPayload(), browsertest.DecodeQR(t, qr), "the QR on the screen must be the ticket")

	// Move the tour to the next week's first free slot: the old booking is
	// marked moved and its ticket revoked, the new one is confirmed.
	u.open("prenotazioni/" + tour.GetId())
	// The receipt: the page hands the browser a PDF (seen through
	// createObjectURL, where the download starts).
	u.run(chromedp.WaitVisible("#receipt"))
	eval[bool](u, `(() => { window.__blobs = []; const o = URL.createObjectURL; URL.createObjectURL = (b) => { window.__blobs.push(b.type + ":" + b.size); return o(b); }; return true; })()`)
	u.run(chromedp.Click("#receipt"))
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`window.__blobs.some((x) => x.startsWith("application/pdf:") && Number(x.split(":")[1]) > 10000)`))
	require.NoError(t, err, "the receipt was downloaded")
	u.run(chromedp.Click("#move"), chromedp.WaitVisible("button.slot"))
	u.nextWeek(chromedp.Click("#next-week"))
	u.pickFirstFreeSlot()
	u.page("move")
	u.run(chromedp.Click("#choose-slot"), chromedp.WaitVisible(`//*[@role="status" and contains(., "Prenotazione spostata")]`))
	moved := map[string]varcov1.BookingStatus{}
	for _, bk := range mine() {
		moved[bk.GetResourceId()+"/"+bk.GetStatus().String()] = bk.GetStatus()
	}
	require.Contains(t, moved, demo.TourID+"/"+varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED.String(), "the moved tour booking is confirmed")
	require.NotEqual(t, tour.GetSpan().GetStart().AsTime(), byStatus(t, mine(), demo.TourID, varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED).GetSpan().GetStart().AsTime())

	// Cancel the ID card from My bookings; its slot is free again.
	u.open("prenotazioni")
	u.page("my-bookings")
	u.run(chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="#/prenotazioni/%s"]`, cie.GetId()))), chromedp.WaitVisible("#cancel"))
	u.page("booking")
	u.run(chromedp.Click("#cancel"), chromedp.WaitVisible("#cancel-dialog"),
		chromedp.SendKeys("#cancel-reason", "Non posso venire"))
	u.page("cancel")
	u.run(chromedp.Click("#cancel-confirm"))
	require.Eventually(t, func() bool { return strings.Contains(u.text("#booking-status"), "Annullata") }, 10*time.Second, 100*time.Millisecond)

	// The grid shows the slot free again.
	start := cie.GetSpan().GetStart().AsTime()
	u.open("prenota/" + demo.CIEID)
	local := start.In(mustRome(t)).Format("15:04")
	day := start.In(mustRome(t)).Format(time.DateOnly)
	for week := 0; week < 4; week++ {
		u.gridLoaded()
		if eval[bool](u, fmt.Sprintf(`[...document.querySelectorAll('section[aria-labelledby="day-%s"] button.slot[data-start="%s"]')].some(b => !b.disabled)`, day, local)) {
			return
		}
		u.nextWeek(chromedp.Click("#next-week"))
	}
	t.Fatalf("the cancelled slot %s %s is not free in the grid", day, local)
}

// byStatus finds the booking of a resource in a status.
func byStatus(t *testing.T, list []*varcov1.Booking, resourceID string, st varcov1.BookingStatus) *varcov1.Booking {
	t.Helper()
	for _, bk := range list {
		if bk.GetResourceId() == resourceID && bk.GetStatus() == st {
			return bk
		}
	}
	t.Fatalf("no %s booking of %s", st, resourceID)
	return nil
}

func mustRome(t *testing.T) *time.Location {
	t.Helper()
	l, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	return l
}
