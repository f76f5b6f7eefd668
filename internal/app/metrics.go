package app

import (
	"context"
	"time"

	"github.com/varco-gate/varco/internal/admission"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/metrics"
	"github.com/varco-gate/varco/internal/notify/dispatch"
	"github.com/varco-gate/varco/internal/store/sqlite"
)

// insideWindow is how far from now a resource's slots make it "active" for
// the people-inside gauge: a day either side covers today's events in any
// time zone, and a resource leaves the gauge a day after its last slot
// (unless someone is still recorded inside).
const insideWindow = 24 * time.Hour

// registerStoreMetrics adds the figures read from the store at each
// scrape: serialization retries and people inside.
func registerStoreMetrics(m *metrics.RPC, db *sqlite.DB) {
	m.RegisterRetries(db.SerializationRetries)
	m.RegisterInside(func(ctx context.Context, now time.Time) ([]metrics.Inside, error) {
		list, err := db.InsideByResource(ctx, now.Add(-insideWindow), now.Add(insideWindow))
		out := make([]metrics.Inside, len(list))
		for i, in := range list {
			out[i] = metrics.Inside{ResourceID: in.ResourceID, People: in.People}
		}
		return out, err
	})
}

// deliveryObserver counts the dispatchers' delivery attempts.
func deliveryObserver(dm *metrics.Domain) func(string, dispatch.Outcome) {
	return func(channel string, o dispatch.Outcome) { dm.Delivery(channel, string(o)) }
}

// sweeperConfig is cfg with the sweeper's count going to the metrics.
func sweeperConfig(cfg booking.SweeperConfig, dm *metrics.Domain) booking.SweeperConfig {
	cfg.Swept = dm.HoldsSwept
	return cfg
}

// verdictLabel is a scan verdict as a metric label value.
func verdictLabel(v gate.Verdict) string {
	switch v {
	case gate.Accepted:
		return "accepted"
	case gate.Refused:
		return "refused"
	case gate.Flagged:
		return "flagged"
	}
	return "unknown"
}

// scanObserver counts recorded scans by mode, verdict and reason (a code
// from a fixed set: gate and ticket reasons).
func scanObserver(dm *metrics.Domain) func(admission.Record) {
	return func(r admission.Record) {
		mode := "online"
		if r.Offline {
			mode = "offline"
		}
		dm.Scanned(mode, verdictLabel(r.Verdict), string(r.Reason))
	}
}
