package privacy

import (
	"context"
	"log/slog"
	"time"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/periodic"
)

// RetentionStore anonymizes old bookings.
type RetentionStore interface {
	AnonymizeFinished(ctx context.Context, cutoff, at time.Time, limit int) (int, error)
}

// Retention anonymizes bookings that ended more than Period ago, in the
// background, batch by batch so the single writer stays free for bookings.
type Retention struct {
	Period   time.Duration // 0 disables retention
	Interval time.Duration // how often to look; 1 hour by default
	Batch    int           // rows per transaction; 1000 by default
	store    RetentionStore
	clk      clock.Clock
	log      *slog.Logger
	loop     periodic.Loop
}

// NewRetention returns a retention worker.
func NewRetention(period time.Duration, s RetentionStore, clk clock.Clock, log *slog.Logger) *Retention {
	return &Retention{Period: period, Interval: time.Hour, Batch: 1000, store: s, clk: clk, log: log}
}

// RunOnce anonymizes every booking past the retention period now.
func (r *Retention) RunOnce(ctx context.Context) (int, error) {
	if r.Period <= 0 {
		return 0, nil
	}
	total := 0
	for {
		now := r.clk.Now()
		n, err := r.store.AnonymizeFinished(ctx, now.Add(-r.Period), now, r.Batch)
		total += n
		if err != nil || n < r.Batch {
			if total > 0 {
				r.log.Info("anonymized finished bookings", slog.Int("count", total))
			}
			return total, err
		}
	}
}

// Start runs RunOnce every Interval until Stop.
func (r *Retention) Start(ctx context.Context) {
	if r.Period <= 0 {
		return
	}
	r.loop.Start(ctx, r.Interval, r.log, "retention", func(ctx context.Context) error {
		_, err := r.RunOnce(ctx)
		return err
	})
}

// Stop ends the worker.
func (r *Retention) Stop() { r.loop.Stop() }
