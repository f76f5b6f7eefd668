// Package browsertest drives a real headless Chromium (Debian's chromium
// package) for tests of the web apps: pages opened in a mobile viewport,
// axe-core accessibility checks, console and Content-Security-Policy
// violations, screenshots, QR codes read back with zbarimg, permissions,
// offline emulation and the bytes a page load transfers.
//
// It is a normal package so that the tests of several packages can use it;
// production code must never import it (TestNotInBinaries checks).
//
// Where Chromium (or zbarimg) is missing a test is skipped with a message,
// except under CI (the CI environment variable set), where it fails: CI
// installs both (.ci/run), so a missing one there is a broken machine.
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// Viewport is the default tab size: a common phone (390×844 CSS pixels)
// at device scale 2, so that a QR code drawn at phone size has several
// screenshot pixels per module and reads back reliably.
const (
	ViewportWidth  = 390
	ViewportHeight = 844
	ViewportScale  = 2
)

// ErrNoChromium is returned by Launch when no Chromium is installed.
var ErrNoChromium = errors.New("browsertest: chromium not found (install Debian's chromium package, or set VARCO_CHROMIUM)")

// Browser is one running headless Chromium. Its tabs (NewTab) are
// independent pages that may run in parallel.
type Browser struct {
	ctx      context.Context // the browser's own first tab: keeps it alive
	cancel   context.CancelFunc
	stop     context.CancelFunc // ends the process and waits for it
	dataDir  string
	removeDD bool
}

// chromiumPath finds the browser: $VARCO_CHROMIUM, else chromium on PATH.
func chromiumPath() (string, error) {
	if p := os.Getenv("VARCO_CHROMIUM"); p != "" {
		return p, nil
	}
	p, err := exec.LookPath("chromium")
	if err != nil {
		return "", ErrNoChromium
	}
	return p, nil
}

// missing skips the test, or fails it under CI, for a missing tool.
func missing(t testing.TB, err error) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%v (CI must install it: see .ci/run)", err)
	}
	t.Skip(err)
}

// Launch starts a headless Chromium with a fresh profile in a temporary
// directory, for a browser shared by many tests (see Shared); Close ends
// it. It returns ErrNoChromium when there is no browser to start.
func Launch() (*Browser, error) {
	dir, err := os.MkdirTemp("", "varco-chromium-")
	if err != nil {
		return nil, err
	}
	b, err := launch(dir)
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	b.removeDD = true
	return b, nil
}

// Option adds command-line flags to a browser of New.
type Option func(*[]chromedp.ExecAllocatorOption)

// Flag passes one Chromium command-line flag (--name=value, or --name
// for true).
func Flag(name string, value any) Option {
	return func(o *[]chromedp.ExecAllocatorOption) { *o = append(*o, chromedp.Flag(name, value)) }
}

// Lang sets the browser's language preference, a list as in
// Accept-Language without q-values ("de-AT,de,en"): navigator.languages
// and the Accept-Language header of its requests.
func Lang(tags string) Option {
	return func(o *[]chromedp.ExecAllocatorOption) {
		first, _, _ := strings.Cut(tags, ",")
		*o = append(*o, chromedp.Flag("lang", first), chromedp.Flag("accept-lang", tags))
	}
}

// FakeCamera gives the browser a camera that films the frames of a
// YUV4MPEG2 file (WriteY4M), looped, and answers yes to every camera
// prompt: getUserMedia works with no device and no person.
func FakeCamera(y4m string) Option {
	return func(o *[]chromedp.ExecAllocatorOption) {
		*o = append(*o,
			chromedp.Flag("use-fake-device-for-media-stream", true),
			chromedp.Flag("use-fake-ui-for-media-stream", true),
			chromedp.Flag("use-file-for-fake-video-capture", y4m))
	}
}

func launch(dataDir string, extra ...Option) (*Browser, error) {
	path, err := chromiumPath()
	if err != nil {
		return nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dataDir),
		chromedp.Flag("headless", "new"),
		chromedp.Flag("no-sandbox", true), // CI runs as root, where the sandbox cannot start.
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true), // no traffic beyond the test's own server.
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		// A test tab is never the focused window of a desktop: without
		// these Chromium treats it as a background page, throttles its
		// timers and lowers its renderer's priority, and on a loaded CI
		// machine the gate app's camera loop starved (no frame decoded in
		// 30 s) while the same test read at once on an idle one.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.WindowSize(ViewportWidth, ViewportHeight),
	}
	// The apps follow the browser's language when no choice is stored:
	// an Italian browser by default, as the towns' residents mostly have
	// (a test of another language passes Lang).
	Lang("it-IT,it")(&opts)
	for _, o := range extra {
		o(&opts)
	}
	allocCtx, stop := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	// The first Run starts the process; its context must live as long as
	// the browser, so it has no timeout.
	if err := chromedp.Do(ctx); err != nil {
		cancel()
		stop()
		return nil, fmt.Errorf("browsertest: start %s: %w", path, err)
	}
	return &Browser{ctx: ctx, cancel: cancel, stop: stop, dataDir: dataDir}, nil
}

// Close ends the browser and removes its profile.
func (b *Browser) Close() error {
	b.cancel()
	b.stop() // waits for the process to exit, so the profile is no longer written.
	if b.removeDD {
		return os.RemoveAll(b.dataDir)
	}
	return nil
}

// New starts a browser for this test alone, closed when the test ends. Use
// it when a test changes browser-wide state; otherwise share one (Shared),
// since each start costs about a second. Options add flags (a fake camera).
func New(t testing.TB, opts ...Option) *Browser {
	t.Helper()
	// The web apps do not depend on the database engine: the suite's
	// PostgreSQL pass (VARCO_TEST_POSTGRES, see internal/store/sqlite/pgtest)
	// leaves them to the SQLite pass.
	if v := os.Getenv("VARCO_TEST_POSTGRES"); v != "" && v != "0" && v != "false" {
		t.Skip("browser tests run on SQLite only")
	}
	b, err := launch(t.TempDir(), opts...)
	if errors.Is(err, ErrNoChromium) {
		missing(t, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Error(err)
		}
	})
	return b
}

// Shared is one browser for all the tests of a package, started by the
// first test that asks for it. Declare it next to TestMain and close it
// after the tests:
//
//	var browser browsertest.Shared
//
//	func TestMain(m *testing.M) {
//		code := m.Run()
//		browser.Close()
//		os.Exit(code)
//	}
//
//	func TestPage(t *testing.T) {
//		ctx := browser.Get(t).NewTab(t)
//		...
//	}
type Shared struct {
	once sync.Once
	b    *Browser
	err  error
}

// Get returns the shared browser, starting it on first use; a test on a
// machine without Chromium is skipped (failed under CI).
func (s *Shared) Get(t testing.TB) *Browser {
	t.Helper()
	s.once.Do(func() { s.b, s.err = Launch() })
	if errors.Is(s.err, ErrNoChromium) {
		missing(t, s.err)
	}
	if s.err != nil {
		t.Fatal(s.err)
	}
	return s.b
}

// Close ends the shared browser if it was started.
func (s *Shared) Close() error {
	if s.b == nil {
		return nil
	}
	return s.b.Close()
}
