// Package periodic runs a background task at a fixed interval until it is
// stopped: the hold sweeper, the webhook feeder, retention and the ticket
// key reload all do. (The outbox dispatchers wake at due times instead.)
package periodic

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Loop runs one task. The zero value is ready; Start it once.
type Loop struct {
	stop context.CancelFunc
	done sync.WaitGroup
}

// Start runs fn every interval until Stop or ctx ends, the first time at
// once (runs that fall behind are skipped, not queued). A failure is
// logged as name and the loop goes on; a cancellation is not a failure.
func (l *Loop) Start(ctx context.Context, interval time.Duration, log *slog.Logger, name string, fn func(context.Context) error) {
	ctx, l.stop = context.WithCancel(ctx)
	l.done.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if err := fn(ctx); err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
				log.Error(name, slog.Any("err", err))
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
}

// Stop ends the loop and waits for a run in flight. It is safe to call on
// a loop never started.
func (l *Loop) Stop() {
	if l.stop != nil {
		l.stop()
	}
	l.done.Wait()
}
