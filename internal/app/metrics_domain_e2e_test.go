package app_test

import (
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/notify/email/mailtest"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// scrape reads /metrics from a running server and parses the exposition
// format (not a grep: types and label sets are checked too).
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(url + "/metrics")
	require.NoError(t, err)
	defer res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(res.Body)
	require.NoError(t, err)
	return fams
}

// sample finds the series of family name with exactly the labels given
// (name=value pairs, in any order); ok is false when there is none.
func sample(fams map[string]*dto.MetricFamily, name string, labels ...string) (*dto.Metric, bool) {
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	for _, m := range fams[name].GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		if maps.Equal(got, want) {
			return m, true
		}
	}
	return nil, false
}

// value is a counter's or gauge's value; it fails the test when the series
// is missing or of another type.
func value(t *testing.T, fams map[string]*dto.MetricFamily, typ dto.MetricType, name string, labels ...string) float64 {
	t.Helper()
	m, ok := sample(fams, name, labels...)
	require.True(t, ok, "%s%v not exposed", name, labels)
	require.Equal(t, typ, fams[name].GetType(), name)
	switch typ {
	case dto.MetricType_COUNTER:
		return m.GetCounter().GetValue()
	case dto.MetricType_GAUGE:
		return m.GetGauge().GetValue()
	}
	t.Fatalf("value of %s: type %s", name, typ)
	return 0
}

// The domain metrics scraped from a running server after a booking, a
// hold that lapses, a sent e-mail, online and offline scans: each with its
// value, on both engines.
func TestDomainMetrics(t *testing.T) {
	t.Parallel()
	forEngines(t, func(t *testing.T, onEngine func(*config.Config)) {
		clk := clock.NewFake(time.Now())
		sink := &mailtest.Sink{}
		port := mailtest.Start(t, sink, mailtest.PlainOnly, nil)
		b := setupOpts(t, clk, []app.Option{app.WithManualDispatch()}, onEngine, func(c *config.Config) {
			c.SMTPHost, c.SMTPPort, c.SMTPTLS, c.MailFrom = "127.0.0.1", port, "none", "Comune <noreply@comune.example>"
		})
		ctx := context.Background()
		_, organizer := bootstrapOrganizer(t, b)
		g := scanner{enrollGate(t, b, organizer, "Ingresso", varcov1.GateDirection_GATE_DIRECTION_BOTH), varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)}
		const counter, gauge = dto.MetricType_COUNTER, dto.MetricType_GAUGE

		before := scrape(t, b.baseURL)
		for _, ch := range []string{"email", "push", "io", "webhook"} {
			require.Zero(t, value(t, before, counter, "varco_notify_deliveries_total", "channel", ch), "every channel reported from the start")
			for _, kind := range []string{"temporary", "permanent", "gone"} {
				require.Zero(t, value(t, before, counter, "varco_notify_delivery_failures_total", "channel", ch, "kind", kind))
			}
		}
		require.Zero(t, value(t, before, counter, "varco_holds_swept_total"))
		_, ok := sample(before, "varco_people_inside", "resource", demo.TourID)
		require.False(t, ok, "no tickets today yet: the tour is not reported")
		commitsBefore, _ := sample(before, "varco_store_commit_transactions")

		// A booking of 2 seats, and its confirmation e-mail.
		p := registerCitizens(t, b, "MTR", 1)[0]
		slot := tourSlot(t, b, clk.Now(), 0)
		_, payload := bookTour(t, p, slot, 2)
		sent, err := b.app.DispatchOnce(ctx)
		require.NoError(t, err)
		require.Positive(t, sent)
		emails := len(sink.Messages())
		require.Positive(t, emails)

		// Entry, a malformed QR, and an offline upload from the gate.
		clk.Set(slot.GetStart().AsTime().Add(-10 * time.Minute))
		require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, g.scan(t, uuid.NewString(), payload, entry).GetVerdict())
		g.scan(t, uuid.NewString(), "not-a-ticket", entry)
		res, err := g.gate.UploadScans(ctx, authBearer(&varcov1.UploadScansRequest{Scans: []*varcov1.OfflineScan{{
			ScanId: uuid.NewString(), Payload: "also-not-a-ticket", Direction: entry, ScannedAt: timestamppb.New(clk.Now().Add(-time.Minute)),
			LocalVerdict: &varcov1.Verdict{Verdict: varcov1.ScanVerdict_SCAN_VERDICT_REFUSED, Reason: varcov1.ScanReason_SCAN_REASON_MALFORMED},
		}}}, g.cred))
		require.NoError(t, err)
		require.Equal(t, varcov1.UploadOutcome_UPLOAD_OUTCOME_RECORDED, res.Msg.GetResults()[0].GetOutcome())

		// A hold on a later slot that lapses and is swept.
		h, err := p.hold(ctx, tourSlot(t, b, clk.Now(), 1).GetStart(), 1)
		require.NoError(t, err)
		clk.Set(h.GetExpiresAt().AsTime().Add(time.Second))
		_, err = b.app.SweepHoldsOnce(ctx)
		require.NoError(t, err)

		after := scrape(t, b.baseURL)
		require.Equal(t, float64(emails), value(t, after, counter, "varco_notify_deliveries_total", "channel", "email"))
		require.Zero(t, value(t, after, counter, "varco_notify_deliveries_total", "channel", "push"), "no push subscription")
		require.Zero(t, value(t, after, counter, "varco_notify_delivery_failures_total", "channel", "email", "kind", "temporary"))
		require.Equal(t, 1.0, value(t, after, counter, "varco_holds_swept_total"))
		require.Equal(t, 1.0, value(t, after, counter, "varco_scans_total", "mode", "online", "verdict", "accepted", "reason", "OK"))
		require.Equal(t, 1.0, value(t, after, counter, "varco_scans_total", "mode", "online", "verdict", "refused", "reason", "MALFORMED"))
		require.Equal(t, 1.0, value(t, after, counter, "varco_scans_total", "mode", "offline", "verdict", "refused", "reason", "MALFORMED"))
		require.Len(t, after["varco_scans_total"].GetMetric(), 3, "only the combinations seen")
		require.Equal(t, 2.0, value(t, after, gauge, "varco_people_inside", "resource", demo.TourID), "the 2 seats that entered")
		require.Len(t, after["varco_people_inside"].GetMetric(), 1, "only the resource active today")
		require.Equal(t, 2.0, value(t, after, counter, "varco_rpc_requests_total", "procedure", "/varco.v1.GateService/Scan", "code", "ok"))
		retries := value(t, after, counter, "varco_store_serialization_retries_total")
		if !strings.HasPrefix(b.dbPath, "postgres") {
			require.Zero(t, retries, "SQLite's single writer never conflicts")
		}

		// Group commits: at least the registration, hold, confirmation,
		// dispatch, scans, upload and sweep since the first scrape.
		require.Equal(t, dto.MetricType_HISTOGRAM, after["varco_store_commit_transactions"].GetType())
		hist, ok := sample(after, "varco_store_commit_transactions")
		require.True(t, ok)
		commits := hist.GetHistogram().GetSampleCount() - commitsBefore.GetHistogram().GetSampleCount()
		txs := hist.GetHistogram().GetSampleSum() - commitsBefore.GetHistogram().GetSampleSum()
		require.GreaterOrEqual(t, commits, uint64(8))
		require.GreaterOrEqual(t, txs, float64(commits), "each commit carries at least one transaction")
		require.LessOrEqual(t, txs, 128*float64(commits))

		metricsDocumented(t, after)
	})
}

// metricsDocumented checks docs/metrics.md and the Grafana dashboard
// against the metrics a server exposes (fams, scraped after every kind of
// event): every varco_ metric has its row in the page and a panel in the
// dashboard; the page and the dashboard name no metric that does not
// exist; the dashboard is valid JSON with a Prometheus data source
// variable.
func metricsDocumented(t *testing.T, fams map[string]*dto.MetricFamily) {
	t.Helper()
	page, err := os.ReadFile("../../docs/metrics.md")
	require.NoError(t, err)
	raw, err := os.ReadFile("../../docs/grafana/varco.json")
	require.NoError(t, err)
	var dash struct {
		Templating struct {
			List []struct{ Name, Type, Query string }
		}
		Panels []struct {
			Type, Title string
			Datasource  struct{ Type, UID string }
			Targets     []struct{ Expr string }
		}
	}
	require.NoError(t, json.Unmarshal(raw, &dash), "docs/grafana/varco.json is not valid JSON")
	require.Len(t, dash.Templating.List, 1)
	require.Equal(t, "datasource", dash.Templating.List[0].Type)
	require.Equal(t, "prometheus", dash.Templating.List[0].Query)
	name := regexp.MustCompile(`varco_[a-z_]+`)
	// A histogram's series are its name plus _bucket, _sum and _count.
	family := func(series string) string {
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if base, ok := strings.CutSuffix(series, suffix); ok && fams[base].GetType() == dto.MetricType_HISTOGRAM {
				return base
			}
		}
		return series
	}
	used := map[string]bool{}
	for _, p := range dash.Panels {
		if p.Type == "row" {
			continue
		}
		require.Equal(t, "${"+dash.Templating.List[0].Name+"}", p.Datasource.UID, "panel %q uses the data source variable", p.Title)
		require.NotEmpty(t, p.Targets, p.Title)
		for _, tg := range p.Targets {
			found := name.FindAllString(tg.Expr, -1)
			require.NotEmpty(t, found, "panel %q: %s", p.Title, tg.Expr)
			for _, s := range found {
				f := family(s)
				require.Contains(t, fams, f, "panel %q uses %s, which the server does not expose", p.Title, s)
				used[f] = true
			}
		}
	}
	for _, s := range name.FindAllString(string(page), -1) {
		require.Contains(t, fams, family(s), "docs/metrics.md names %s, which the server does not expose", s)
	}
	for f := range fams {
		switch {
		case strings.HasPrefix(f, "varco_"):
			row := "| `" + f + "` | " + strings.ToLower(fams[f].GetType().String()) + " |"
			require.True(t, strings.Contains(string(page), row), "docs/metrics.md lacks the row %s", row)
			require.True(t, used[f], "the dashboard has no panel for %s", f)
		case strings.HasPrefix(f, "go_"), strings.HasPrefix(f, "process_"), strings.HasPrefix(f, "promhttp_"):
			// The client library's standard collectors, described as a group.
			group := "`" + f[:strings.Index(f, "_")+1] + "*`"
			require.True(t, strings.Contains(string(page), group), "docs/metrics.md does not describe %s (%s)", group, f)
		default:
			t.Errorf("metric %s: neither varco_ nor a standard collector", f)
		}
	}
}
