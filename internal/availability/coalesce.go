package availability

import (
	"context"
	"sync"
)

// versionReads coalesces the version reads of concurrent grid requests.
// Thousands of citizens refreshing at once would each take a reader
// connection for the same one-row read, queueing the bookings' reads
// behind them. A request instead shares a read that starts after it
// arrived: at most one read runs, and requests arriving meanwhile wait for
// the next one, which starts when it ends. A shared read started after the
// request, so it sees every commit acknowledged before the request was
// sent, exactly as a read of the request's own would.
type versionReads struct {
	mu      sync.Mutex
	running bool
	next    *versionRead // the read the next arrivals share
}

// versionRead is one read and its result.
type versionRead struct {
	done            chan struct{}
	catalog, writes int64
	err             error
}

// read returns versions read after the call began, with read.
func (c *versionReads) read(ctx context.Context, read func(context.Context) (int64, int64, error)) (int64, int64, error) {
	c.mu.Lock()
	if c.next == nil {
		c.next = &versionRead{done: make(chan struct{})}
	}
	r := c.next
	lead := !c.running
	if lead {
		c.running, c.next = true, nil
	}
	c.mu.Unlock()
	if lead {
		c.run(r, read)
	}
	select {
	case <-r.done:
		return r.catalog, r.writes, r.err
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
}

// run performs r, then hands the reads queued meanwhile to a goroutine of
// their own, so that no caller waits for reads made for others. The read's
// context is not any one caller's: a caller giving up must not fail the
// others sharing it.
func (c *versionReads) run(r *versionRead, read func(context.Context) (int64, int64, error)) {
	r.catalog, r.writes, r.err = read(context.Background())
	close(r.done)
	c.mu.Lock()
	defer c.mu.Unlock()
	if next := c.next; next != nil {
		c.next = nil
		go c.run(next, read)
		return
	}
	c.running = false
}
