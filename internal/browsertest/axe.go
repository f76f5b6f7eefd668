package browsertest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// AxeVersion is the embedded axe-core (axe/README.md says how to update).
const AxeVersion = "4.14.1"

//go:embed axe/axe.min.js
var axeSource string

// AxeTags are the rule sets Axe runs: WCAG 2.1 levels A and AA, the level
// the Italian accessibility law (Legge Stanca, via EN 301 549) requires.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}

// Violation is one axe rule that failed with serious or critical impact.
type Violation struct {
	ID      string          `json:"id"`
	Impact  string          `json:"impact"`
	Help    string          `json:"help"`
	HelpURL string          `json:"helpUrl"`
	Nodes   []ViolationNode `json:"nodes"`
}

// ViolationNode is one element that broke the rule.
type ViolationNode struct {
	// Target is the CSS selector of the element (through shadow roots and
	// frames, joined with " >>> ").
	Target  string `json:"target"`
	HTML    string `json:"html"`
	Summary string `json:"failureSummary"`
}

func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s — %s", v.ID, v.Impact, v.Help, v.HelpURL)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    %s: %s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n      "))
	}
	return b.String()
}

// axeRun runs axe on the document and returns the serious and critical
// violations as JSON. The page's CSP does not apply to code the DevTools
// protocol evaluates, so injecting axe needs no exception in the policy.
const axeRun = `(async (tags) => {
	const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
	return JSON.stringify(r.violations
		.filter(v => v.impact === 'serious' || v.impact === 'critical')
		.map(v => ({id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
			nodes: v.nodes.map(n => ({target: n.target.flat(Infinity).join(' >>> '), html: n.html, failureSummary: n.failureSummary || ''}))})));
})(%s)`

// Axe checks the tab's current page with axe-core against WCAG 2.1 A and
// AA and returns the serious and critical violations (none is success).
// Wait for the page to show what should be checked before calling it.
func Axe(ctx context.Context) ([]Violation, error) {
	loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err != nil {
		return nil, fmt.Errorf("browsertest: axe: %w", err)
	}
	if !loaded {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](axeSource+";undefined")); err != nil {
			return nil, fmt.Errorf("browsertest: inject axe: %w", err)
		}
	}
	tags, err := json.Marshal(AxeTags)
	if err != nil {
		return nil, err
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(axeRun, tags), chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("browsertest: run axe: %w", err)
	}
	var vs []Violation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		return nil, fmt.Errorf("browsertest: axe result: %w", err)
	}
	return vs, nil
}

// RequireNoSeriousAxe fails the test if axe finds a serious or critical
// violation on the tab's current page; page names it in the message.
func RequireNoSeriousAxe(t testing.TB, ctx context.Context, page string) {
	t.Helper()
	vs, err := Axe(ctx)
	if err != nil {
		t.Fatalf("%s: %v", page, err)
	}
	if len(vs) == 0 {
		return
	}
	lines := make([]string, len(vs))
	for i, v := range vs {
		lines[i] = "  " + v.String()
	}
	t.Errorf("%s: %d serious or critical accessibility violations (axe-core %s, WCAG 2.1 AA):\n%s",
		page, len(vs), AxeVersion, strings.Join(lines, "\n"))
}
