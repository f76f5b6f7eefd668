package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Domain holds the metrics of what the server does besides answering RPCs:
// notifications delivered, write transactions committed, holds swept,
// scans decided. Its methods are the hooks the services call; their label
// values come from fixed sets in code (channels, outcomes, verdicts, scan
// reasons), never from requests, so the number of series stays bounded.
type Domain struct {
	deliveries *prometheus.CounterVec
	failures   *prometheus.CounterVec
	batch      prometheus.Histogram
	holds      prometheus.Counter
	scans      *prometheus.CounterVec
}

// NotifyChannels are the channels notifications go by, reported (at zero)
// from the start so dashboards see every one.
func NotifyChannels() []string { return []string{"email", "push", "io", "webhook"} }

// deliveryFailures are the failure kinds of a delivery attempt
// (dispatch.Outcome other than delivered).
func deliveryFailures() []string { return []string{"temporary", "permanent", "gone"} }

// Domain registers the domain metrics (once per RPC, at start-up).
func (m *RPC) Domain() *Domain {
	d := &Domain{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "varco_notify_deliveries_total",
			Help: "Notification deliveries the channel accepted, by channel (email, push, io, webhook).",
		}, []string{"channel"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "varco_notify_delivery_failures_total",
			Help: "Failed delivery attempts, by channel and kind (temporary: retried; permanent: not resent; gone: push subscription ended).",
		}, []string{"channel", "kind"}),
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "varco_store_commit_transactions",
			Help: "Write transactions made durable by each group commit (SQLite or PostgreSQL).",
			// maxBatch in the store is 128.
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128},
		}),
		holds: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "varco_holds_swept_total",
			Help: "Expired seat holds whose seats the hold sweeper freed.",
		}),
		scans: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "varco_scans_total",
			Help: "Scans recorded, by mode (online, offline), server verdict (accepted, refused, flagged) and reason (OK, ALREADY_INSIDE…).",
		}, []string{"mode", "verdict", "reason"}),
	}
	for _, ch := range NotifyChannels() {
		d.deliveries.WithLabelValues(ch)
		for _, kind := range deliveryFailures() {
			d.failures.WithLabelValues(ch, kind)
		}
	}
	m.registry.MustRegister(d.deliveries, d.failures, d.batch, d.holds, d.scans)
	return d
}

// Delivery records one delivery attempt: outcome "delivered" or a failure
// kind (see deliveryFailures).
func (d *Domain) Delivery(channel, outcome string) {
	if outcome == "delivered" {
		d.deliveries.WithLabelValues(channel).Inc()
		return
	}
	d.failures.WithLabelValues(channel, outcome).Inc()
}

// Committed records one group commit of n write transactions.
func (d *Domain) Committed(n int) { d.batch.Observe(float64(n)) }

// HoldsSwept records n holds freed by the sweeper.
func (d *Domain) HoldsSwept(n int) { d.holds.Add(float64(n)) }

// Scanned records one scan.
func (d *Domain) Scanned(mode, verdict, reason string) {
	d.scans.WithLabelValues(mode, verdict, reason).Inc()
}

// RegisterRetries adds the counter of PostgreSQL serialization retries,
// read at each scrape (always 0 on SQLite, whose single writer never
// conflicts).
func (m *RPC) RegisterRetries(read func() int64) {
	m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "varco_store_serialization_retries_total",
		Help: "Write batches run again after a PostgreSQL serialization conflict (0 on SQLite).",
	}, func() float64 { return float64(read()) }))
}

// Inside is the number of people inside one resource.
type Inside struct {
	ResourceID string
	People     int
}

// InsideReader reads the people inside per resource at a scrape.
type InsideReader func(ctx context.Context, now time.Time) ([]Inside, error)

type insideCollector struct {
	read   InsideReader
	m      *RPC
	inside *prometheus.Desc
}

// RegisterInside adds the gauge of people inside per resource, read from
// the store at each scrape (bounded by the scrape's deadline of 5 s). The
// reader decides which resources to report; it must keep them few.
func (m *RPC) RegisterInside(read InsideReader) {
	m.registry.MustRegister(&insideCollector{read: read, m: m,
		inside: prometheus.NewDesc("varco_people_inside", "People inside a resource now (seats of tickets scanned in and not out), by resource id.",
			[]string{"resource"}, nil)})
}

func (c *insideCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.inside }

func (c *insideCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	list, err := c.read(ctx, c.m.clk.Now())
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.inside, err)
		return
	}
	for _, in := range list {
		ch <- prometheus.MustNewConstMetric(c.inside, prometheus.GaugeValue, float64(in.People), in.ResourceID)
	}
}
