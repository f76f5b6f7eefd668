package app_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
)

// firstLoadBudget is the most the first load of / may transfer
// (compressed), the aim for citizens on mobile data.
const firstLoadBudget = 250 * 1024

// TestCitizenAppInBrowser loads the embedded citizen app from the real
// server in headless Chromium: no Content-Security-Policy violation, no
// serious accessibility violation, and the first load's size.
func TestCitizenAppInBrowser(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := browser.Get(t).NewTab(t)
	tr, err := browsertest.LoadTransfer(ctx, b.baseURL+"/", chromedp.WaitVisible("main"))
	require.NoError(t, err)
	t.Logf("first load of /: %d bytes transferred in %d responses", tr.Bytes, tr.Requests)
	require.LessOrEqual(t, tr.Bytes, int64(firstLoadBudget))
	lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	require.NoError(t, err)
	require.Equal(t, "it", lang)
	browsertest.RequireNoSeriousAxe(t, ctx, "/")

	// Installable: the manifest names the start page and icons that exist.
	icons, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`fetch("/manifest.webmanifest").then(r => r.json()).then(m =>
		m.start_url === "/" && m.display === "standalone" ? Promise.all(m.icons.map(i => fetch(i.src).then(r => r.ok && r.headers.get("Content-Type") === "image/png" ? parseInt(i.sizes) : 0))) : [])`,
		chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.Equal(t, []int{192, 512, 512}, icons)
	browsertest.RequireNoConsoleErrors(t, ctx)
}
