package app_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
)

// TestCitizenSPIDLoginInTheBrowser: the citizen clicks "Entra con SPID /
// CIE", logs in at the provider (another site: localhost against the
// server's 127.0.0.1, so the SameSite=Lax attempt cookie is really tested)
// and comes back into the app: the first time through the privacy step,
// logged in with the provider's names; logout also ends the provider's
// session; the second time straight in; a refused login explains itself.
// A server without a provider shows no button.
func TestCitizenSPIDLoginInTheBrowser(t *testing.T) {
	t.Parallel()
	b, prov := setupSPID(t, "localhost")
	anna := spidPerson("BRW", "Annalisa", "Bruni", "annalisa.bruni@example.it")
	prov.SetPerson(anna)
	ctx := browsertest.New(t).NewTab(t)
	u := &citizenUI{t: t, b: b, ctx: ctx}

	u.open("accesso")
	require.Equal(t, "Entra con SPID / CIE", u.text("#spid-login"))
	u.page("login-spid")
	u.run(chromedp.Click(`button[lang="en"]`), chromedp.WaitVisible(`//button[@id="spid-login"][contains(., "Log in with SPID / CIE")]`))
	u.run(chromedp.Click(`button[lang="it"]`), chromedp.WaitVisible(`//button[@id="spid-login"][contains(., "Entra con SPID / CIE")]`))

	// First login: the provider, then the privacy step.
	u.run(chromedp.Click("#spid-login"), chromedp.WaitVisible("#spid-complete"))
	require.Contains(t, eval[string](u, `location.href`), b.baseURL+"/#/accesso/spid?passo=consenso")
	u.page("spid-consent")
	u.run(chromedp.Click("#spid-complete"), chromedp.WaitVisible("#privacy_consent-error"))
	u.run(chromedp.Click("#privacy_consent"), chromedp.Click("#spid-complete"),
		chromedp.WaitVisible(`//a[@id="nav-account"][contains(., "Annalisa")]`))
	require.Contains(t, eval[string](u, `location.hash`), "#/prenotazioni")

	// Logout ends the provider's session too and comes back to the app.
	u.run(chromedp.Click("#nav-account"), chromedp.WaitVisible("#logout"), chromedp.Click("#logout"),
		chromedp.WaitVisible("#nav-login"))
	require.Len(t, prov.Logouts(), 1)
	require.Equal(t, b.baseURL+"/", eval[string](u, `location.href.split("#")[0]`))

	// Second login: straight in, back to the page it started from.
	u.open("accesso?ritorno=account")
	u.run(chromedp.Click("#spid-login"), chromedp.WaitVisible("#logout"))
	require.Equal(t, "#/account", eval[string](u, `location.hash`))
	u.run(chromedp.Click("#logout"), chromedp.WaitVisible("#nav-login"))

	// A provider answer that does not verify: refused, and said so.
	prov.Tamper(func(c map[string]any) { c["nonce"] = "another" })
	u.open("accesso")
	u.run(chromedp.Click("#spid-login"), chromedp.WaitVisible("#spid-error"))
	require.Contains(t, u.text("#spid-error"), "non è valida")
	u.page("spid-error")
	_, err := chromedp.Run(ctx, chromedp.WaitVisible("#nav-login"))
	require.NoError(t, err)

	// The account has no password: a fresh SPID/CIE login confirms its
	// erasure.
	prov.Tamper(nil)
	u.open("accesso?ritorno=account")
	u.run(chromedp.Click("#spid-login"), chromedp.WaitVisible("#delete-account"), chromedp.Click("#delete-account"),
		chromedp.WaitVisible(`//dialog//button[@type="submit"]`))
	require.False(t, eval[bool](u, `document.querySelector("#del-password") !== null`), "no password to ask for")
	u.run(chromedp.Click(`//dialog//button[@type="submit"]`), chromedp.WaitVisible("#nav-login"))
	require.Zero(t, countRows(t, openDB(t, b), `SELECT count(*) FROM accounts WHERE codice_fiscale = ?`, anna.CodiceFiscale))

	// Without a provider, no button.
	plain := setup(t)
	u2 := &citizenUI{t: t, b: plain, ctx: browsertest.New(t).NewTab(t)}
	u2.open("accesso")
	_, err = chromedp.Run(u2.ctx, chromedp.Poll[bool](
		`performance.getEntriesByType("resource").some((e) => e.name.includes("GetLoginOptions"))`))
	u2.check(err)
	require.False(t, eval[bool](u2, `document.querySelector("#spid-login") !== null`))
}
