// Package healthwatch keeps the gRPC health status true to the database:
// NOT_SERVING while the database does not answer, SERVING again as soon as
// it does, with no restart. A load balancer polling health then sends
// traffic to a replica whose database is reachable.
package healthwatch

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"connectrpc.com/grpchealth"
)

// Watcher pings the database every Interval and sets the status of the
// server ("") and of each service.
type Watcher struct {
	// Interval between pings; 2 s when zero. Timeout bounds one ping; the
	// interval when zero.
	Interval, Timeout time.Duration

	ping     func(context.Context) error
	checker  *grpchealth.StaticChecker
	services []string
	log      *slog.Logger

	mu      sync.Mutex
	serving bool
	stop    context.CancelFunc
	done    sync.WaitGroup
}

// New returns a watcher of ping for checker's services.
func New(ping func(context.Context) error, checker *grpchealth.StaticChecker, services []string, log *slog.Logger) *Watcher {
	return &Watcher{ping: ping, checker: checker, services: services, log: log, serving: true}
}

// Start checks at once, then every Interval, until Stop or ctx ends.
func (w *Watcher) Start(ctx context.Context) {
	interval := w.Interval
	if interval <= 0 {
		interval = 2 * time.Second
	}
	timeout := w.Timeout
	if timeout <= 0 {
		timeout = interval
	}
	ctx, w.stop = context.WithCancel(ctx)
	w.done.Go(func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			w.Check(ctx, timeout)
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	})
}

// Check pings once and updates the status when it changed.
func (w *Watcher) Check(ctx context.Context, timeout time.Duration) {
	pctx, cancel := context.WithTimeout(ctx, timeout)
	err := w.ping(pctx)
	cancel()
	if ctx.Err() != nil {
		return // stopping: the shutdown sets its own status
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case err != nil && w.serving:
		w.serving = false
		w.log.Error("database unreachable: health NOT_SERVING", slog.Any("err", err))
		w.set(grpchealth.StatusNotServing)
	case err == nil && !w.serving:
		w.serving = true
		w.log.Info("database reachable again: health SERVING")
		w.set(grpchealth.StatusServing)
	}
}

func (w *Watcher) set(s grpchealth.Status) {
	w.checker.SetStatus("", s)
	for _, name := range w.services {
		w.checker.SetStatus(name, s)
	}
}

// Stop ends the watch and waits for a ping in flight. Safe on a watcher
// never started.
func (w *Watcher) Stop() {
	if w.stop != nil {
		w.stop()
	}
	w.done.Wait()
}
