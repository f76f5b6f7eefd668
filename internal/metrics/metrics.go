// Package metrics exposes Prometheus metrics: at the RPC edge, how many
// calls each procedure answered with each code and how long they took;
// beyond it, the queues' backlogs, notification deliveries, group commits,
// holds swept, scans and people inside (docs/metrics.md lists them all).
package metrics

import (
	"context"
	"errors"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/varco-gate/varco/internal/clock"
)

// RPC holds the RPC metrics in a registry of its own (no global state, so
// tests can run servers side by side).
type RPC struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	clk      clock.Clock
}

// NewRPC registers the RPC metrics plus the Go runtime and process collectors.
func NewRPC(clk clock.Clock) *RPC {
	reg := prometheus.NewRegistry()
	m := &RPC{
		registry: reg,
		clk:      clk,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "varco_rpc_requests_total",
			Help: "RPCs handled, by procedure and Connect code (ok for success).",
		}, []string{"procedure", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "varco_rpc_duration_seconds",
			Help: "RPC handling time in seconds, by procedure and code; for streams, the stream's lifetime.",
			// Booking RPCs should answer in milliseconds; streams live long.
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5, 30, 300},
		}, []string{"procedure", "code"}),
	}
	reg.MustRegister(m.requests, m.latency,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *RPC) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry})
}

// Registry lets other packages (outbox dispatcher, gate) add their metrics.
func (m *RPC) Registry() prometheus.Registerer { return m.registry }

// Interceptor records every handled RPC.
func (m *RPC) Interceptor() connect.Interceptor { return interceptor{m} }

func (m *RPC) observe(procedure string, start time.Time, err error) {
	code := "ok"
	if err != nil {
		code = connect.CodeOf(err).String()
		if errors.Is(err, context.Canceled) {
			code = connect.CodeCanceled.String()
		}
	}
	m.requests.WithLabelValues(procedure, code).Inc()
	m.latency.WithLabelValues(procedure, code).Observe(m.clk.Now().Sub(start).Seconds())
}

type interceptor struct{ m *RPC }

func (i interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		start := i.m.clk.Now()
		res, err := next(ctx, req)
		i.m.observe(req.Spec().Procedure, start, err)
		return res, err
	}
}

func (i interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (i interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		start := i.m.clk.Now()
		err := next(ctx, conn)
		i.m.observe(conn.Spec().Procedure, start, err)
		return err
	}
}

// Backlog is one queue's due, unsent work (see Backlogs).
type Backlog struct {
	Queue  string
	Due    int
	Oldest time.Time
}

// Backlogs reads the queues' backlogs at a scrape.
type Backlogs func(ctx context.Context, now time.Time) ([]Backlog, error)

// backlogCollector turns Backlogs into two gauges per queue at each scrape:
// the number of due items and the age of the oldest. A dispatcher that
// keeps up holds both near zero; a stuck channel shows as a growing age.
type backlogCollector struct {
	read        Backlogs
	clk         clock.Clock
	due, oldest *prometheus.Desc
}

// RegisterBacklogs adds the queue backlog gauges, read from the store at
// each scrape (bounded by the scrape's deadline of 5 s).
func (m *RPC) RegisterBacklogs(read Backlogs) {
	m.registry.MustRegister(&backlogCollector{read: read, clk: m.clk,
		due: prometheus.NewDesc("varco_queue_due", "Due items not sent yet, by queue (outbox:<kind>, webhook).",
			[]string{"queue"}, nil),
		oldest: prometheus.NewDesc("varco_queue_oldest_due_seconds", "How long the oldest due item has waited, by queue.",
			[]string{"queue"}, nil)})
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.due; ch <- c.oldest }

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	now := c.clk.Now()
	list, err := c.read(ctx, now)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.due, err)
		return
	}
	for _, b := range list {
		ch <- prometheus.MustNewConstMetric(c.due, prometheus.GaugeValue, float64(b.Due), b.Queue)
		age := 0.0
		if b.Due > 0 && !b.Oldest.IsZero() {
			age = max(now.Sub(b.Oldest).Seconds(), 0)
		}
		ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age, b.Queue)
	}
}
