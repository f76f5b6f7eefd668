package app_test

import (
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/clock"
)

// How long the gate app takes to decide a ticket offline on a slow phone:
// the tab is slowed 4× (DevTools CPU throttling, Lighthouse's "mid-tier
// mobile") and decides 200 valid tickets of the shared table one by one
// through the ?selftest hook, each the whole offline path (base45, claims,
// key id, Ed25519 in WebCrypto, the gate rules) plus the import of the
// case's keys, which the app does once per sync: an upper bound. The
// figures are logged for docs/gate-app.md, never compared with a limit
// (wall clock on a shared machine); the test requires only that every
// decision is the recorded one. The page's clock (performance.now) ticks
// in 0.1 ms steps, as in any page that is not cross-origin isolated, so
// the median of fast decisions reads 0.1 ms; the mean is the figure.
func TestGateAppOfflineDecisionTime(t *testing.T) {
	t.Parallel()
	b := setupWith(t, clock.NewFake(time.Now()))
	file, err := os.ReadFile("../scanner/testdata/offline_cases.json")
	require.NoError(t, err)
	var all []json.RawMessage
	require.NoError(t, json.Unmarshal(file, &all))
	var valid []json.RawMessage
	for _, c := range all {
		var w struct {
			Want offlineAnswer `json:"want"`
		}
		require.NoError(t, json.Unmarshal(c, &w))
		if w.Want.Verdict == 1 { // accepted: the path that verifies everything
			valid = append(valid, c)
		}
	}
	require.NotEmpty(t, valid)
	const decisions = 200
	batch := make([]json.RawMessage, decisions)
	for i := range batch {
		batch[i] = valid[i%len(valid)]
	}
	cases, err := json.Marshal(batch)
	require.NoError(t, err)

	tab := browsertest.New(t).NewTab(t)
	u := &citizenUI{t: t, b: b, ctx: tab}
	u.run(chromedp.Navigate(b.baseURL + "/gate/?selftest"))
	u.waitFor(`typeof window.varcoGateSelftest === "function"`)
	for _, rate := range []float64{1, 4} {
		_, err := chromedp.Call(tab, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: rate})
		require.NoError(t, err)
		out, err := chromedp.Run(tab, chromedp.Evaluate[string](`(async (cases) => {
			const ms = [], verdicts = [];
			for (const c of cases) {
				const t0 = performance.now();
				const [r] = await varcoGateSelftest([c]);
				ms.push(performance.now() - t0);
				verdicts.push(r.verdict);
			}
			return JSON.stringify({ms, verdicts});
		})(`+string(cases)+`)`, chromedp.EvalAwaitPromise))
		require.NoError(t, err)
		var got struct {
			Ms       []float64 `json:"ms"`
			Verdicts []int     `json:"verdicts"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &got))
		require.Len(t, got.Ms, decisions)
		for i, v := range got.Verdicts {
			require.Equal(t, 1, v, "decision %d", i)
		}
		var sum float64
		for _, ms := range got.Ms {
			sum += ms
		}
		slices.Sort(got.Ms)
		t.Logf("CPU %g×: %d offline decisions, mean %.2f ms, median %.2f ms, p95 %.2f ms, max %.2f ms",
			rate, decisions, sum/decisions, got.Ms[decisions/2], got.Ms[decisions*95/100], got.Ms[decisions-1])
	}
	browsertest.RequireNoConsoleErrors(t, tab)
}
