package app_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
)

// The citizen app in German, for the bilingual towns of Alto Adige /
// Südtirol: switched with the language buttons, remembered on the device,
// sent to the API as Accept-Language; and chosen by itself when the
// browser prefers German. Every German page is axe-clean and says
// lang="de", so screen readers speak it as German.
func TestCitizenAppInGerman(t *testing.T) {
	t.Parallel()
	b := setup(t)

	// An Italian browser: Italian first, Deutsch on request.
	ctx := browsertest.New(t).NewTab(t)
	u := &citizenUI{t: t, b: b, ctx: ctx}
	u.open("")
	require.Equal(t, "it", eval[string](u, `document.documentElement.lang`))
	u.run(chromedp.WaitVisible(`//h1[contains(., "Prenota un appuntamento")]`))
	// The button shows DEU and is named Deutsch, in German.
	require.Equal(t, "Deutsch", eval[string](u, `document.querySelector('button[lang="de"] .visually-hidden').textContent`))
	u.run(chromedp.Click(`button[lang="de"]`), chromedp.WaitVisible(`//h1[contains(., "Termin buchen")]`))
	require.Equal(t, "de", eval[string](u, `document.documentElement.lang`))
	require.Equal(t, "true", eval[string](u, `document.querySelector('button[lang="de"]').getAttribute("aria-pressed")`))
	u.page("home-de")

	// Another page, after a reload: the choice is kept, the menu and the
	// footer are German too.
	u.run(chromedp.Click(`//a[contains(., "Carta d'identità elettronica")]`), chromedp.WaitVisible("#book-now"))
	u.run(chromedp.Reload(), chromedp.WaitVisible("#book-now"))
	require.Equal(t, "de", eval[string](u, `document.documentElement.lang`))
	require.Equal(t, "Buchen", u.text("#book-now"))
	require.Contains(t, u.text("footer"), "Personenbezogene Daten")
	u.page("service-de")

	// The grid: German weekdays (de-IT dates) and slot states.
	u.run(chromedp.Click("#book-now"), chromedp.WaitVisible("button.slot"))
	u.gridLoaded()
	require.Contains(t, u.text("#next-week"), "Nächste Woche")
	u.page("grid-de")

	// A browser that prefers German (de-AT before English) starts in
	// German with nothing chosen.
	ctx = browsertest.New(t, browsertest.Lang("de-AT,en-GB")).NewTab(t)
	u = &citizenUI{t: t, b: b, ctx: ctx}
	u.open("")
	require.Equal(t, []string{"de-AT", "en-GB"}, eval[[]string](u, `navigator.languages`))
	u.run(chromedp.WaitVisible(`//h1[contains(., "Termin buchen")]`))
	require.Equal(t, "de", eval[string](u, `document.documentElement.lang`))
	u.page("home-de-browser")
	browsertest.RequireNoConsoleErrors(t, ctx)
}
