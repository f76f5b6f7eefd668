package booking

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/varco-gate/varco/internal/clock"
)

// SweeperConfig configures the hold sweeper.
type SweeperConfig struct {
	// Interval between sweeps. Readers already ignore expired holds, so
	// this only bounds how long their rows linger. Default 5s.
	Interval time.Duration
	// Batch is the most holds freed per transaction, keeping the single
	// writer free for bookings during a rush. Default 500.
	Batch int
}

// Sweeper frees the seats of expired holds in the background.
type Sweeper struct {
	cfg   SweeperConfig
	store Store
	clk   clock.Clock
	log   *slog.Logger
	stop  context.CancelFunc
	done  sync.WaitGroup
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

// Start runs sweeps until Stop or ctx is done.
func (w *Sweeper) Start(ctx context.Context) {
	ctx, w.stop = context.WithCancel(ctx)
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		t := time.NewTicker(w.cfg.Interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := w.RunOnce(ctx); err != nil && !errors.Is(err, context.Canceled) {
					w.log.Error("hold sweep failed", slog.Any("err", err))
				}
			}
		}
	}()
}

// Stop ends the sweeper and waits for a sweep in flight.
func (w *Sweeper) Stop() {
	if w.stop != nil {
		w.stop()
	}
	w.done.Wait()
}

// RunOnce frees every hold expired now, batch by batch.
func (w *Sweeper) RunOnce(ctx context.Context) (int, error) {
	total := 0
	for {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		n, err := w.store.SweepExpiredHolds(ctx, w.clk.Now(), w.cfg.Batch)
		cancel()
		total += n
		if err != nil || n < w.cfg.Batch {
			if total > 0 {
				w.log.Debug("swept expired holds", slog.Int("count", total))
			}
			return total, err
		}
	}
}
