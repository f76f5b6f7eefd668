package app_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// snap checks a page state with axe and, when VARCO_SCREENSHOTS is set,
// saves it as docs/screenshots/staff-<name>.png.
func (u staffUI) snap(name string) {
	u.t.Helper()
	browsertest.RequireNoSeriousAxe(u.t, u.ctx, name)
	if dir := os.Getenv("VARCO_SCREENSHOTS"); dir != "" {
		png, err := chromedp.Run(u.ctx, chromedp.FullScreenshot(100))
		require.NoError(u.t, err)
		require.NoError(u.t, os.WriteFile(filepath.Join(dir, "staff-"+name+".png"), png, 0o644))
	}
}

// tableNumbers reads a chart's table: row key → column key → the raw
// number in the cell's data-n.
func tableNumbers(u staffUI, id string) map[string]map[string]float64 {
	u.t.Helper()
	return eval[map[string]map[string]float64](u.citizenUI, fmt.Sprintf(`(() => {
		const out = {};
		document.querySelectorAll(%q).forEach((tr) => {
			const r = {};
			tr.querySelectorAll("td[data-n]").forEach((td) => { r[td.dataset.k] = Number(td.dataset.n); });
			out[tr.dataset.row] = r;
		});
		return out;
	})()`, "#"+id+" tbody tr"))
}

// chartBars reads every bar of a chart: [row or date, series, number].
func chartBars(u staffUI, figure string) [][3]any {
	u.t.Helper()
	return eval[[][3]any](u.citizenUI, fmt.Sprintf(`[...document.querySelectorAll(%q)].map((r) => {
		const g = r.closest("[data-row],[data-date]");
		return [g.dataset.row ?? g.dataset.date, r.dataset.series, Number(r.dataset.n)];
	})`, "#"+figure+" rect[data-series]"))
}

// The statistics page draws the dataset of TestStatsEndToEnd (whose
// comments work out every figure) for its week with the clock change: the
// test checks each chart's table against those figures, and each bar of
// each chart against its table.
func TestStaffStatsChartsInTheBrowser(t *testing.T) {
	t.Parallel()
	env := stDataset(t)
	ctx := context.Background()
	boss := registerCitizens(t, env.b, "STB", 1)[0]
	_, err := env.back.GrantRole(ctx, authBearer(&varcov1.GrantRoleRequest{OrganizationId: env.org.id, Login: boss.cf,
		Kind: varcov1.StaffRoleKind_STAFF_ROLE_KIND_ORGANIZER}, env.admin))
	require.NoError(t, err)

	u := staffUI{&citizenUI{t: t, b: env.b, ctx: browsertest.New(t).NewTab(t)}}
	u.open("", "#login")
	u.login(boss.cf, "una password lunga")
	u.open("statistiche?dal=2026-03-23&al=2026-03-29", "#chart-gates-table")

	days := tableNumbers(u, "stats-days")
	want := map[string][9]float64{ // bookings, by citizen, by office, done, no-show, in, out, previous bookings, previous cancelled
		"2026-03-23": {3, 0, 1, 0, 0, 0, 0, 3, 1}, // C1, C2, C10; Mon 16: P1, P2, P3 (cancelled)
		"2026-03-24": {1, 0, 0, 0, 0, 0, 0, 0, 0},
		"2026-03-25": {0, 0, 0, 0, 0, 0, 0, 0, 0},
		"2026-03-26": {1, 0, 0, 1, 0, 0, 0, 0, 0},
		"2026-03-27": {1, 1, 0, 0, 0, 0, 0, 0, 0},
		"2026-03-28": {2, 0, 0, 0, 0, 5, 3, 2, 0}, // C3, C4; Sat 21: P4, P5
		"2026-03-29": {2, 0, 0, 0, 0, 4, 4, 0, 0},
	}
	require.Len(t, days, len(want))
	cols := []string{"bookings", "cancelledByUser", "cancelledByOperator", "done", "noShow", "entries", "exits", "prevBookings", "prevCancelled"}
	for date, w := range want {
		for i, c := range cols {
			require.Equal(t, w[i], days[date][c], "%s %s", date, c)
		}
	}

	n, a, e := env.org.n, env.org.a, env.org.e
	requireTable := func(id string, want map[string]map[string]float64) {
		t.Helper()
		got := tableNumbers(u, id)
		require.Len(t, got, len(want), id)
		for row, cells := range want {
			for k, v := range cells {
				require.InDelta(t, v, got[row][k], 1e-9, "%s %s %s", id, row, k)
			}
		}
	}
	requireTable("chart-saturation-table", map[string]map[string]float64{
		n: {"cur": 100 * 6 / 80.0, "prev": 100 * 2 / 90.0, "chart.slotsOffered": 8, "chart.capacityHours": 80},
		a: {"cur": 100 / 7.5, "prev": 10, "chart.slotsOffered": 8, "chart.capacityHours": 7.5},
		e: {"cur": 5, "prev": 100 * 6 / 270.0, "chart.slotsOffered": 6, "chart.capacityHours": 270},
	})
	requireTable("chart-firstfree-table", map[string]map[string]float64{
		n: {"cur": 0.5, "prev": 0.5},
		a: {"cur": (45.5 + 1.5 + 45.5 + 1.5 + 45.5) / 5 / 24, "prev": (45 + 45 + 45.5) / 3.0 / 24},
		e: {"cur": 1.0 / 24, "prev": 1.0 / 24},
	})
	requireTable("chart-attendance-table", map[string]map[string]float64{
		n: {"done": 0, "noShow": 0, "prevDone": 0, "prevNoShow": 0},
		a: {"done": 1, "noShow": 0, "noShowPercent": 0, "prevDone": 1, "prevNoShow": 1},
		e: {"done": 0, "noShow": 0, "prevDone": 0, "prevNoShow": 0},
	})
	requireTable("chart-gates-table", map[string]map[string]float64{
		n: {"entries": 0, "exits": 0, "peak": 0, "overstays": 0},
		e: {"entries": 9, "exits": 7, "peak": 5, "overstays": 2, "prevEntries": 4, "prevPeak": 4},
	})

	// Every bar says what its table says.
	for figure, table := range map[string]string{
		"chart-bookings": "stats-days", "chart-cancellations": "stats-days", "chart-saturation": "chart-saturation-table",
		"chart-firstfree": "chart-firstfree-table", "chart-attendance": "chart-attendance-table", "chart-gates": "chart-gates-table",
	} {
		numbers := tableNumbers(u, table)
		bars := chartBars(u, figure)
		require.NotEmpty(t, bars, figure)
		for _, bar := range bars {
			row, series, v := bar[0].(string), bar[1].(string), bar[2].(float64)
			require.Contains(t, numbers[row], series, "%s: a column for series %s", figure, series)
			require.InDelta(t, numbers[row][series], v, 1e-9, "%s %s %s", figure, row, series)
		}
	}
	require.Len(t, chartBars(u, "chart-bookings"), 14, "7 days × this period and the previous one")
	u.snap("stats-charts")

	// One service: only its figures, and the English page.
	u.setInput("#stats-service", e, "change")
	u.run(chromedp.Click("#stats-show"))
	_, err = chromedp.Run(u.ctx, chromedp.Poll[bool](`document.querySelectorAll("#chart-saturation-table tbody tr").length === 1`))
	require.NoError(t, err)
	require.Equal(t, map[string]float64{"entries": 9, "exits": 7, "peak": 5, "overstays": 2, "prevEntries": 4, "prevPeak": 4},
		tableNumbers(u, "chart-gates-table")[e])
	u.run(chromedp.Click(`button[lang="en"]`), chromedp.WaitVisible("#chart-gates-table"))
	require.Contains(t, u.text("#chart-gates-caption"), "Entries, exits and most people inside")
	u.snap("stats-service-en")
}
