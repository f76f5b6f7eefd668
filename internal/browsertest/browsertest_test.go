package browsertest_test

import (
	"bytes"
	"context"
	"encoding/base64"
	stdpng "image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/ticket"
	"github.com/varco-gate/varco/internal/webapp"
)

// browser is shared by the package's tests: one Chromium start.
var browser browsertest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	if err := browser.Close(); err != nil && code == 0 {
		code = 1
	}
	os.Exit(code)
}

// payload looks like a VT1 ticket: upper-case alphanumeric, as the QR's
// alphanumeric mode wants.
const payload = "VT1:6BFOXN*TS0BI$ZD4N9:9S6RCVN5+O30K3/XIV0W23NTDEMWK4MI6UOS03CR96"

const goodPage = `<!doctype html>
<html lang="it">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Biglietto - Varco</title>
<link rel="stylesheet" href="assets/app.css">
<link rel="manifest" href="manifest.webmanifest">
<link rel="icon" href="icon.svg" type="image/svg+xml">
<script type="module" src="assets/app.js"></script>
</head>
<body>
<main>
<h1>Il tuo biglietto</h1>
<img id="qr" src="qr.png" alt="Codice QR del biglietto" width="150" height="150">
<p id="status">caricamento</p>
</main>
</body>
</html>
`

// badPage breaks two critical WCAG rules: an image without text and a
// field without a label.
const badPage = `<!doctype html>
<html lang="it"><head><meta charset="utf-8"><title>Sbagliata</title></head>
<body><main><h1>Sbagliata</h1><img src="qr.png" width="150" height="150"><input type="text"></main></body></html>
`

// cspPage runs an inline script, which the policy forbids.
const cspPage = `<!doctype html>
<html lang="it"><head><meta charset="utf-8"><title>Inline</title></head>
<body><main><h1>Inline</h1><script>document.title = "ran";</script></main></body></html>
`

func serve(t *testing.T) string {
	t.Helper()
	qr, err := ticket.PNG(payload, 300)
	require.NoError(t, err)
	h, err := webapp.New(fstest.MapFS{
		"index.html":           {Data: []byte(goodPage)},
		"bad.html":             {Data: []byte(badPage)},
		"csp.html":             {Data: []byte(cspPage)},
		"qr.png":               {Data: qr},
		"icon.svg":             {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" fill="#06c"/></svg>`)},
		"manifest.webmanifest": {Data: []byte(`{"name":"Varco","start_url":".","display":"standalone"}`)},
		"assets/app.css":       {Data: []byte("body { margin: 0; padding: 1rem; font-family: sans-serif; }\nimg { display: block; }\n" + strings.Repeat("/* padding to make gzip matter */\n", 40))},
		"assets/app.js":        {Data: []byte(`document.getElementById("status").textContent = "pronto";` + "\n")},
	}, webapp.Options{})
	require.NoError(t, err)
	srv := httptest.NewServer(h) // a real listener on 127.0.0.1: a secure context.
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestGoodPage(t *testing.T) {
	t.Parallel()
	base := serve(t)
	ctx := browser.Get(t).NewTab(t)

	res, err := chromedp.RunResponse(ctx, chromedp.Navigate(base+"/"))
	require.NoError(t, err)
	require.Equal(t, int64(http.StatusOK), res.Status)
	require.Equal(t, webapp.ContentSecurityPolicy, res.Headers["Content-Security-Policy"])
	// The module script ran under the policy.
	_, err = chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("status").textContent === "pronto"`))
	require.NoError(t, err)
	require.Empty(t, browsertest.CSPViolations(ctx))
	browsertest.RequireNoConsoleErrors(t, ctx)
	browsertest.RequireNoSeriousAxe(t, ctx, "good page")

	// The QR code as the phone shows it reads back as the ticket.
	png, err := browsertest.Screenshot(ctx, "")
	require.NoError(t, err)
	require.Equal(t, payload, browsertest.DecodeQR(t, png))
}

func TestBadPageFailsAxe(t *testing.T) {
	t.Parallel()
	base := serve(t)
	ctx := browser.Get(t).NewTab(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/bad.html")))
	vs, err := browsertest.Axe(ctx)
	require.NoError(t, err)
	ids := map[string]bool{}
	for _, v := range vs {
		ids[v.ID] = true
		require.Contains(t, []string{"serious", "critical"}, v.Impact)
		require.NotEmpty(t, v.Nodes)
	}
	require.True(t, ids["image-alt"], "%v", vs)
	require.True(t, ids["label"], "%v", vs)
}

func TestInlineScriptIsACSPViolation(t *testing.T) {
	t.Parallel()
	base := serve(t)
	ctx := browser.Get(t).NewTab(t, browsertest.AllowCSPViolations())
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/csp.html")))
	title, err := chromedp.Run(ctx, chromedp.Title())
	require.NoError(t, err)
	require.Equal(t, "Inline", title, "the inline script must not run")
	v := browsertest.CSPViolations(ctx)
	require.NotEmpty(t, v)
	require.Contains(t, v[0], "script-src")
}

func TestDecodeServerQR(t *testing.T) {
	t.Parallel()
	png, err := ticket.PNG(payload, 300)
	require.NoError(t, err)
	require.Equal(t, payload, browsertest.DecodeQR(t, png))
}

func TestPermissionsAndOffline(t *testing.T) {
	t.Parallel()
	base := serve(t)
	ctx := browser.Get(t).NewTab(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/")))

	perm, err := chromedp.Run(ctx, chromedp.Evaluate[string](`Notification.permission`))
	require.NoError(t, err)
	require.Equal(t, "default", perm)
	require.NoError(t, browsertest.GrantPermissions(ctx, base, "notifications"))
	perm, err = chromedp.Run(ctx, chromedp.Evaluate[string](`Notification.permission`))
	require.NoError(t, err)
	require.Equal(t, "granted", perm)

	const fetchOK = `fetch("manifest.webmanifest", {cache: "no-store"}).then(r => r.ok, () => false)`
	require.NoError(t, browsertest.Offline(ctx, true))
	online, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`navigator.onLine`))
	require.NoError(t, err)
	require.False(t, online)
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fetchOK, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.False(t, ok)

	require.NoError(t, browsertest.Offline(ctx, false))
	ok, err = chromedp.Run(ctx, chromedp.Evaluate[bool](fetchOK, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.True(t, ok)
}

func TestLoadTransfer(t *testing.T) {
	t.Parallel()
	base := serve(t)
	ctx := browser.Get(t).NewTab(t)
	tr, err := browsertest.LoadTransfer(ctx, base+"/",
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.getElementById("status").textContent === "pronto"`))
			return err
		}))
	require.NoError(t, err)
	t.Logf("first load of /: %d bytes in %d responses: %v", tr.Bytes, tr.Requests, tr.ByURL)
	// The icon and the manifest may come after the load, or not at all.
	require.GreaterOrEqual(t, tr.Requests, 4, "html, css, js, png")
	for _, u := range []string{base + "/", base + "/assets/app.js", base + "/assets/app.css", base + "/qr.png"} {
		require.Positive(t, tr.ByURL[u], u)
	}
	// The stylesheet travelled gzipped: fewer bytes than its text.
	require.Less(t, tr.ByURL[base+"/assets/app.css"], int64(1500))
}

// TestNotInBinaries: the harness and chromedp stay out of the programs.
func TestNotInBinaries(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps",
		"github.com/varco-gate/varco/server", "github.com/varco-gate/varco/scanner", "github.com/varco-gate/varco/client/...").CombinedOutput()
	require.NoError(t, err, string(out))
	require.NotContains(t, string(out), "internal/browsertest")
	require.NotContains(t, string(out), "chromedp")
}

// TestFakeCamera: a browser given a fake camera films the QR code of the
// Y4M file, and the frame it shows the page reads back as the ticket.
func TestFakeCamera(t *testing.T) {
	t.Parallel()
	base := serve(t)
	png, err := ticket.PNG(payload, 300)
	require.NoError(t, err)
	img, err := stdpng.Decode(bytes.NewReader(png))
	require.NoError(t, err)
	video := filepath.Join(t.TempDir(), "qr.y4m")
	require.NoError(t, browsertest.WriteY4M(video, img, 3))
	fi, err := os.Stat(video)
	require.NoError(t, err)
	require.Equal(t, int64(len("YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")+3*(len("FRAME\n")+640*480*3/2)), fi.Size())

	ctx := browsertest.New(t, browsertest.FakeCamera(video)).NewTab(t)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(base+"/")))
	// DevTools evaluation is not bound by the page's CSP.
	frame, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(async () => {
		const s = await navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}});
		const v = document.createElement("video");
		v.muted = true;
		v.srcObject = s;
		await v.play();
		await new Promise((r) => v.requestVideoFrameCallback(r));
		const c = document.createElement("canvas");
		c.width = v.videoWidth;
		c.height = v.videoHeight;
		c.getContext("2d").drawImage(v, 0, 0);
		s.getTracks().forEach((tr) => tr.stop());
		return c.toDataURL("image/png");
	})()`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	data, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(frame, "data:image/png;base64,"))
	require.NoError(t, err)
	shot, err := stdpng.DecodeConfig(bytes.NewReader(data))
	require.NoError(t, err)
	require.Equal(t, [2]int{640, 480}, [2]int{shot.Width, shot.Height})
	require.Equal(t, payload, browsertest.DecodeQR(t, data))
}

// Tabs ask pages for reduced motion, so no CSS transition is caught half
// way by axe or a screenshot.
func TestTabPrefersReducedMotion(t *testing.T) {
	t.Parallel()
	ctx := browser.Get(t).NewTab(t)
	_, err := chromedp.Run(ctx, chromedp.Navigate(serve(t)+"/"))
	require.NoError(t, err)
	reduced, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`matchMedia("(prefers-reduced-motion: reduce)").matches`))
	require.NoError(t, err)
	require.True(t, reduced)
}
