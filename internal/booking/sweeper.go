package booking

import (
	"context"
	"log/slog"
	"time"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/periodic"
)

// SweeperConfig configures the hold sweeper.
type SweeperConfig struct {
	// Interval between sweeps. Readers already ignore expired holds, so
	// this only bounds how long their rows linger. Default 5s.
	Interval time.Duration
	// Batch is the most holds freed per transaction, keeping the single
	// writer free for bookings during a rush. Default 500.
	Batch int
	// Swept, when set, is told how many holds each sweep transaction
	// freed (metrics).
	Swept func(n int)
}

// Sweeper frees the seats of expired holds in the background.
type Sweeper struct {
	cfg   SweeperConfig
	store Store
	clk   clock.Clock
	log   *slog.Logger
	loop  periodic.Loop
}

// NewSweeper returns a sweeper; call Start to run it.
func NewSweeper(cfg SweeperConfig, s Store, clk clock.Clock, log *slog.Logger) *Sweeper {
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 500
	}
	return &Sweeper{cfg: cfg, store: s, clk: clk, log: log}
}

// Start sweeps every Interval, the first time at once, until Stop or ctx
// is done.
func (w *Sweeper) Start(ctx context.Context) {
	w.loop.Start(ctx, w.cfg.Interval, w.log, "hold sweep failed", func(ctx context.Context) error {
		_, err := w.RunOnce(ctx)
		return err
	})
}

// Stop ends the sweeper and waits for a sweep in flight.
func (w *Sweeper) Stop() { w.loop.Stop() }

// RunOnce frees every hold expired now, batch by batch.
func (w *Sweeper) RunOnce(ctx context.Context) (int, error) {
	total := 0
	for {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		n, err := w.store.SweepExpiredHolds(ctx, w.clk.Now(), w.cfg.Batch)
		cancel()
		total += n
		if n > 0 && w.cfg.Swept != nil {
			w.cfg.Swept(n)
		}
		if err != nil || n < w.cfg.Batch {
			if total > 0 {
				w.log.Debug("swept expired holds", slog.Int("count", total))
			}
			return total, err
		}
	}
}
