package browsertest

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TabOption adjusts NewTab.
type TabOption func(*tabConfig)

type tabConfig struct {
	allowCSP bool
}

// AllowCSPViolations keeps NewTab from failing the test on Content-
// Security-Policy violations (for a test that provokes one on purpose and
// reads them with CSPViolations).
func AllowCSPViolations() TabOption { return func(c *tabConfig) { c.allowCSP = true } }

// consoleKey finds a tab's console record in its context.
type consoleKey struct{}

// console records what a tab wrote to its console. Listeners run on
// chromedp's reading goroutine, hence the lock.
type console struct {
	mu     sync.Mutex
	errors []string
	csp    []string
}

func (c *console) add(level, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if level == "error" || level == "exception" {
		c.errors = append(c.errors, text)
	}
	// Chromium's wording: "Refused to ... because it violates the
	// following Content Security Policy directive: ...".
	if strings.Contains(text, "Content Security Policy") {
		c.csp = append(c.csp, text)
	}
}

// listen is the tab's event listener: it must return fast and never call
// the browser (chromedp.Listen's rules).
func (c *console) listen(ev any) {
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range e.Args {
			switch {
			case len(a.Value) > 0:
				parts = append(parts, strings.Trim(string(a.Value), `"`))
			case a.Description != "":
				parts = append(parts, a.Description)
			}
		}
		c.add(string(e.Type), strings.Join(parts, " "))
	case *runtime.EventExceptionThrown:
		text := e.ExceptionDetails.Text
		if ex := e.ExceptionDetails.Exception; ex != nil && ex.Description != "" {
			text += " " + ex.Description
		}
		c.add("exception", text)
	case *log.EventEntryAdded:
		text := e.Entry.Text
		if e.Entry.URL != "" {
			text += " (" + e.Entry.URL + ")" // which resource failed to load
		}
		c.add(string(e.Entry.Level), text)
	}
}

// NewTab opens a tab in the browser, emulating a phone (ViewportWidth ×
// ViewportHeight at ViewportScale, touch, mobile), and closes it when the
// test ends. It records the tab's console (ConsoleErrors, CSPViolations)
// and, unless AllowCSPViolations, fails the test at its end if the page
// broke the Content-Security-Policy. Pass the returned context to chromedp
// and to this package's helpers.
func (b *Browser) NewTab(t testing.TB, opts ...TabOption) context.Context {
	t.Helper()
	var cfg tabConfig
	for _, o := range opts {
		o(&cfg)
	}
	rec := &console{}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithListener(rec.listen))
	ctx = context.WithValue(ctx, consoleKey{}, rec)
	t.Cleanup(cancel)
	err := chromedp.Do(ctx, chromedp.EmulateViewport(ViewportWidth, ViewportHeight,
		chromedp.EmulateScale(ViewportScale), chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
	if err != nil {
		t.Fatalf("browsertest: new tab: %v", err)
	}
	// Reduced motion, as real people may set it. Bootstrap then drops its
	// transitions and smooth scrolling: on a long page a click pressed
	// mid-scroll was released over another element and lost, and axe
	// measuring a button's contrast in the middle of its colour change saw
	// a blend neither state has.
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}}); err != nil {
		t.Fatalf("browsertest: new tab: reduced motion: %v", err)
	}
	if !cfg.allowCSP {
		t.Cleanup(func() { RequireNoCSPViolations(t, ctx) })
	}
	return ctx
}

func recordOf(ctx context.Context) *console {
	rec, _ := ctx.Value(consoleKey{}).(*console)
	if rec == nil {
		panic("browsertest: context is not a tab of NewTab")
	}
	return rec
}

// ConsoleErrors returns the errors the tab's pages logged so far: console
// errors, uncaught exceptions, and the browser's own error entries (a
// failed load, a CSP refusal).
func ConsoleErrors(ctx context.Context) []string {
	rec := recordOf(ctx)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.errors...)
}

// CSPViolations returns the Content-Security-Policy violations the tab
// reported so far.
func CSPViolations(ctx context.Context) []string {
	rec := recordOf(ctx)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.csp...)
}

// RequireNoCSPViolations fails the test if the tab reported any.
func RequireNoCSPViolations(t testing.TB, ctx context.Context) {
	t.Helper()
	if v := CSPViolations(ctx); len(v) > 0 {
		t.Errorf("Content-Security-Policy violations:\n%s", strings.Join(v, "\n"))
	}
}

// RequireNoConsoleErrors fails the test if the tab logged any error.
func RequireNoConsoleErrors(t testing.TB, ctx context.Context) {
	t.Helper()
	if e := ConsoleErrors(ctx); len(e) > 0 {
		t.Errorf("console errors:\n%s", strings.Join(e, "\n"))
	}
}
