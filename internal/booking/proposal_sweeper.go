package booking

import (
	"context"
	"log/slog"
	"time"

	"github.com/varco-gate/varco/internal/periodic"
)

// ProposalSweeperConfig configures the proposal sweeper.
type ProposalSweeperConfig struct {
	// Interval between sweeps. The held alternatives of a lapsed
	// proposal stop counting at once (they are holds expiring with it);
	// this only bounds how late the citizen hears the booking stays and
	// the history says so. Default 30s.
	Interval time.Duration
	// Batch is the most proposals closed per sweep. Default 100.
	Batch int
}

// ProposalSweeper closes lapsed proposals of other dates in the
// background. Each proposal is closed in its own transaction with a
// conditional update, so several replicas may sweep at once.
type ProposalSweeper struct {
	cfg  ProposalSweeperConfig
	svc  *Service
	log  *slog.Logger
	loop periodic.Loop
}

// NewProposalSweeper returns a sweeper; call Start to run it.
func NewProposalSweeper(cfg ProposalSweeperConfig, svc *Service, log *slog.Logger) *ProposalSweeper {
	if cfg.Interval <= 0 {
		cfg.Interval = 30 * time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 100
	}
	return &ProposalSweeper{cfg: cfg, svc: svc, log: log}
}

// Start sweeps every Interval, the first time at once, until Stop or ctx
// is done.
func (w *ProposalSweeper) Start(ctx context.Context) {
	w.loop.Start(ctx, w.cfg.Interval, w.log, "proposal sweep failed", func(ctx context.Context) error {
		_, err := w.RunOnce(ctx)
		return err
	})
}

// Stop ends the sweeper and waits for a sweep in flight.
func (w *ProposalSweeper) Stop() { w.loop.Stop() }

// RunOnce closes the proposals lapsed now, up to one batch.
func (w *ProposalSweeper) RunOnce(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	n, err := w.svc.ExpireProposals(ctx, w.cfg.Batch)
	if n > 0 {
		w.log.Debug("closed lapsed proposals", slog.Int("count", n))
	}
	return n, err
}
