package app_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/person"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// TestTicketOfflineAndExpiredSession: a ticket that has loaded once still
// shows its QR after a reload with no network (gates have poor signal), and
// a session that ends sends the citizen to log in and back to the same page.
func TestTicketOfflineAndExpiredSession(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	p := registerCitizens(t, b, "OFF", 1)[0]
	slot := tourSlot(t, b, time.Now(), 0)
	bk, payload := bookTour(t, p, slot, 2)

	u := &citizenUI{t: t, b: b, ctx: browsertest.New(t).NewTab(t)}
	u.open("biglietto/" + bk.GetId())
	u.login(p.cf, "una password lunga")
	u.run(chromedp.WaitVisible("img.ticket-qr"))
	// Once the service worker controls the page, a reload offline is served.
	_, err := chromedp.Run(u.ctx, chromedp.Poll[bool](`navigator.serviceWorker.controller !== null`))
	u.check(err)

	require.NoError(t, browsertest.Offline(u.ctx, true))
	u.run(chromedp.Reload(), chromedp.WaitVisible("img.ticket-qr"), chromedp.WaitVisible(`//*[contains(., "Sei offline")]`))
	u.page("ticket-offline")
	qr, err := chromedp.Run(u.ctx, chromedp.Screenshot(chromedp.CSS("img.ticket-qr")))
	require.NoError(t, err)
	require.Equal(t, payload, browsertest.DecodeQR(t, qr), "offline, the QR is still the ticket")
	require.NoError(t, browsertest.Offline(u.ctx, false))

	// The session ends elsewhere (a password change revokes the others): the
	// next page that needs it asks to log in, then comes back.
	_, err = varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL).ChangePassword(ctx,
		authBearer(&varcov1.ChangePasswordRequest{CurrentPassword: "una password lunga", NewPassword: "un'altra password lunga"}, p.token))
	require.NoError(t, err)
	u.open("prenotazioni")
	u.run(chromedp.WaitVisible("#login"))
	u.login(p.cf, "un'altra password lunga")
	u.run(chromedp.WaitVisible(fmt.Sprintf(`a[href="#/prenotazioni/%s"]`, bk.GetId())))
	require.Equal(t, "Le mie prenotazioni", u.text("#page-title"))
}

// TestConfirmRetriesWithTheSameKey: the connection drops while the booking
// is confirmed; the app retries with the same idempotency key and the
// citizen ends up with one booking, not two.
func TestConfirmRetriesWithTheSameKey(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := registerCitizens(t, b, "RTY", 1)[0]
	u := &citizenUI{t: t, b: b, ctx: browsertest.New(t).NewTab(t)}

	// The first ConfirmBooking reaches the server, but its answer is lost
	// on the way back (the worst case: the booking is made, the page does
	// not know).
	var dropped atomic.Int32
	_, err := chromedp.Call(u.ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: "*/varco.v1.BookingService/ConfirmBooking", RequestStage: fetch.RequestStageResponse}}})
	require.NoError(t, err)
	require.NoError(t, chromedp.Listen(u.ctx, func(ev any) {
		if e, ok := ev.(*fetch.EventRequestPaused); ok {
			go func() {
				if dropped.Add(1) == 1 {
					_, _ = chromedp.Call(u.ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: e.RequestID, ErrorReason: network.ErrorReasonConnectionReset})
					return
				}
				_, _ = chromedp.Call(u.ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID})
			}()
		}
	}))
	u.open("prenota/" + demo.TourID)
	u.pickFirstFreeSlot()
	u.run(chromedp.Click("#choose-slot"), chromedp.WaitVisible("#login"))
	u.login(p.cf, "una password lunga")
	u.run(chromedp.WaitVisible("#hold-countdown"), chromedp.Click("#privacy"), chromedp.Click("#to-summary"),
		chromedp.WaitVisible("#confirm"), chromedp.Click("#confirm"))
	code := u.text("#done-code")
	require.GreaterOrEqual(t, dropped.Load(), int32(2), "the first answer was lost and the app asked again")

	res, err := p.booking.ListMyBookings(context.Background(), authBearer(&varcov1.ListMyBookingsRequest{}, p.token))
	require.NoError(t, err)
	require.Len(t, res.Msg.GetBookings(), 1, "one booking, not two")
	require.Equal(t, code, res.Msg.GetBookings()[0].GetCode())
}

// TestBookingWithTheKeyboardAlone tabs through the whole booking: every
// control is reachable and usable without a mouse. It also shows the
// server's field errors next to their fields.
func TestBookingWithTheKeyboardAlone(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := registerCitizens(t, b, "KBD", 1)[0]
	u := &citizenUI{t: t, b: b, ctx: browsertest.New(t).NewTab(t)}

	// tabTo presses Tab until the focused element matches sel, as a person
	// would, and fails if it never does.
	tabTo := func(sel string) {
		t.Helper()
		for range 400 {
			if eval[bool](u, fmt.Sprintf(`document.activeElement !== null && document.activeElement.matches(%q)`, sel)) {
				return
			}
			u.run(chromedp.KeyEvent(kb.Tab))
		}
		t.Fatalf("Tab never reached %s", sel)
	}
	press := func(keys string) { t.Helper(); u.run(chromedp.KeyEvent(keys)) }

	u.open("")
	tabTo(`a[href="#/servizio/` + demo.CIEID + `"]`)
	press(kb.Enter)
	u.run(chromedp.WaitVisible("#book-now"))
	tabTo("#book-now")
	press(kb.Enter)
	u.run(chromedp.WaitVisible("button.slot"))
	tabTo("#next-week") // far enough to be cancellable online
	u.nextWeek(chromedp.KeyEvent(kb.Enter))
	tabTo(`button.slot:not([disabled])`)
	press(" ")
	u.run(chromedp.WaitVisible("#chosen-slot"))
	tabTo("#choose-slot")
	press(kb.Enter)

	// Register rather than log in, and make the server refuse a field.
	u.run(chromedp.WaitVisible("#login"))
	tabTo("#mode-register")
	press(kb.Enter)
	u.run(chromedp.WaitVisible("#given_name"))
	fill := func(sel, text string) { t.Helper(); tabTo(sel); press(text) }
	fill("#given_name", "Giulia")
	fill("#family_name", "Verdi")
	cf := person.CompleteCodiceFiscale("VRDGLI90A41F205")
	wrong := "X"
	if strings.HasSuffix(cf, wrong) {
		wrong = "Y"
	}
	fill("#codice_fiscale", cf[:15]+wrong) // checked while typing, with the server's rules
	u.run(chromedp.WaitVisible(`//*[@id="codice_fiscale-error" and contains(., "carattere di controllo")]`))
	press(kb.Backspace + cf[15:])
	u.run(chromedp.WaitNotPresent("#codice_fiscale-error"))
	fill("#email", p.cf+"@example.it") // taken by nobody
	fill("#phone", "12")               // the server refuses it
	fill("#new_password", "una password lunga")
	tabTo("#privacy_consent")
	press(" ")
	tabTo("#register-submit")
	press(kb.Enter)
	u.run(chromedp.WaitVisible("#phone-error"))
	u.page("register-error")
	tabTo("#phone")
	press(kb.Backspace + kb.Backspace + "333 765 4321")
	tabTo("#register-submit")
	press(kb.Enter)

	u.run(chromedp.WaitVisible("#hold-countdown"))
	tabTo(`input[id^="ack-"]`)
	press(" ")
	tabTo("#privacy")
	press(" ")
	tabTo("#to-summary")
	press(kb.Enter)
	u.run(chromedp.WaitVisible("#confirm"))
	tabTo("#confirm")
	press(kb.Enter)
	code := u.text("#done-code")
	require.Regexp(t, `^[A-Z0-9]{4}-[A-Z0-9]{4}$`, code)

	login, err := varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL).Login(context.Background(),
		connect.NewRequest(&varcov1.LoginRequest{Login: cf, Password: "una password lunga"}))
	require.NoError(t, err)
	res, err := p.booking.ListMyBookings(context.Background(), authBearer(&varcov1.ListMyBookingsRequest{}, login.Msg.GetSession().GetToken()))
	require.NoError(t, err)
	require.Len(t, res.Msg.GetBookings(), 1)
	require.Equal(t, code, res.Msg.GetBookings()[0].GetCode())
}

// TestLeavingTheFlowReleasesTheHold: a citizen who holds a slot and walks
// away from the booking flow gives the seat back at once, not after the
// hold's ten minutes.
func TestLeavingTheFlowReleasesTheHold(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := registerCitizens(t, b, "LVE", 1)[0]
	u := &citizenUI{t: t, b: b, ctx: browsertest.New(t).NewTab(t)}
	u.open("accesso")
	u.login(p.cf, "una password lunga")
	u.run(chromedp.WaitVisible(`//h1[contains(., "Le mie prenotazioni")]`))
	u.open("prenota/" + demo.CIEID)
	u.run(chromedp.WaitVisible("button.slot"))
	u.nextWeek(chromedp.Click("#next-week"))
	u.pickFirstFreeSlot()
	day := eval[string](u, `document.querySelector('button.slot[aria-pressed="true"]').closest("section").getAttribute("aria-labelledby").slice(4)`)
	start := eval[string](u, `document.querySelector('button.slot[aria-pressed="true"]').dataset.start`)
	u.run(chromedp.Click("#choose-slot"), chromedp.WaitVisible("#hold-countdown"))

	seatsLeft := func() int32 {
		res, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL).GetAvailability(context.Background(),
			connect.NewRequest(&varcov1.GetAvailabilityRequest{ResourceId: demo.CIEID, FromDate: day, ToDate: day}))
		require.NoError(t, err)
		for _, s := range res.Msg.GetDays()[0].GetSlots() {
			if s.GetLocalStart() == start {
				return s.GetSeatsLeft()
			}
		}
		t.Fatalf("slot %s %s not in the grid", day, start)
		return 0
	}
	require.Equal(t, int32(1), seatsLeft(), "the hold takes one of the two counters")
	u.open("") // walks away
	require.Eventually(t, func() bool { return seatsLeft() == 2 }, 10*time.Second, 50*time.Millisecond, "leaving releases the hold")
}

// TestCodiceFiscaleRulesMatchTheServer types one table of codici fiscali
// into the registration form: the message the page shows while typing is
// exactly the server's (internal/person), or none when the server accepts
// the code. The page's rules are a TypeScript copy; this keeps them equal.
func TestCodiceFiscaleRulesMatchTheServer(t *testing.T) {
	t.Parallel()
	b := setup(t)
	u := &citizenUI{t: t, b: b, ctx: browsertest.New(t).NewTab(t)}
	u.open("accesso")
	u.run(chromedp.Click("#mode-register"), chromedp.WaitVisible("#codice_fiscale"))
	cases := []string{
		"RSSMRA85T10A562S", "BNCLRA92E52F205Y", "VRDGPP13R10B293P", "FRRGLI00B69H501A", "RSSMRA85T10A56NH", "rssmra85t10a562s",
		"RSSMRÀ85T10A562S", "RSSMRA85T10A562-", "R5SMRA85T10A562S", "RSSMRA85110A562S", "RSSMRA8AT10A562S", "RSSMRA85T101562S",
		"RSSMRA85T10A5621", "RSSMRA85T10A562T", "RSSMRA85T10A56NS",
	}
	for _, first15 := range []string{"RSSMRA85F10A562", "RSSMRA85Z10A562", "RSSMRA85T00A562", "RSSMRA85T32A562", "RSSMRA85T40A562",
		"RSSMRA85T72A562", "RSSMRA85D31A562", "RSSMRA84B30A562", "RSSMRA84B70A562", "RSSMRA85B29A562", "RSSMRA84B29A562", "RSSMRA84B69A562"} {
		cases = append(cases, person.CompleteCodiceFiscale(first15))
	}
	for _, in := range cases {
		want := ""
		if _, err := person.ParseCodiceFiscale(in); err != nil {
			var ve *person.ValidationError
			require.ErrorAs(t, err, &ve)
			want = ve.Message("it")
		}
		u.run(chromedp.Evaluate[chromedp.Void](`(() => { const e = document.getElementById("codice_fiscale"); e.focus(); e.select(); })()`),
			chromedp.KeyEvent(kb.Backspace), chromedp.SendKeys("#codice_fiscale", in))
		got := eval[string](u, `document.getElementById("codice_fiscale-error")?.textContent ?? ""`)
		require.Equal(t, want, got, "codice fiscale %q", in)
	}
}

// TestAccountExportAndDelete: from the account page a citizen downloads
// what is held about them and deletes the account with the password.
func TestAccountExportAndDelete(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := registerCitizens(t, b, "ACC", 1)[0]
	u := &citizenUI{t: t, b: b, ctx: browsertest.New(t).NewTab(t)}
	u.open("account")
	u.login(p.cf, "una password lunga")
	u.run(chromedp.WaitVisible("#export-data"))
	u.page("account")
	u.run(chromedp.Click("#export-data"), chromedp.WaitVisible(`//*[@role="status" and contains(., "dati scaricato")]`))
	// The App IO switch: on by default, turned off in one click, kept.
	require.True(t, eval[bool](u, `document.getElementById("app-io").checked`))
	u.run(chromedp.Click("#app-io"), chromedp.WaitVisible(`//*[@role="status" and contains(., "Non riceverai più")]`))
	u.page("account-io-off")
	who, err := varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL).WhoAmI(context.Background(), authBearer(&varcov1.WhoAmIRequest{}, p.token))
	require.NoError(t, err)
	require.True(t, who.Msg.GetAccount().GetAppIoOptOut())
	u.run(chromedp.Click("#delete-account"), chromedp.WaitVisible("#del-password"), chromedp.SendKeys("#del-password", "sbagliata!!"),
		chromedp.Click(`//dialog//button[@type="submit"]`), chromedp.WaitVisible("#del-password-error"))
	u.page("delete-account")
	u.run(chromedp.Evaluate[chromedp.Void](`(() => { const e = document.getElementById("del-password"); e.focus(); e.select(); })()`),
		chromedp.KeyEvent(kb.Backspace), chromedp.SendKeys("#del-password", "una password lunga"),
		chromedp.Click(`//dialog//button[@type="submit"]`), chromedp.WaitVisible(`//*[@role="status" and contains(., "Account eliminato")]`),
		chromedp.WaitVisible("#nav-login"))
	_, err = varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL).Login(context.Background(),
		connect.NewRequest(&varcov1.LoginRequest{Login: p.cf, Password: "una password lunga"}))
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "the account is gone")
}
