package api

import (
	"sync"

	"github.com/varco-gate/varco/internal/availability"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// maxGridResponses bounds gridResponses; past it the cache starts over.
const maxGridResponses = 4096

// gridResponses keeps the response message of the last grid served for
// each query. availability.Service serves the same cached grid (same
// Stamp) until something changes; converting its 72-slot week to
// protobuf again for every refresh of a click-day was a third of the CPU of
// a cached answer. The messages are only marshalled, never modified, which
// connect-go and protobuf allow from many goroutines at once.
type gridResponses struct {
	mu      sync.Mutex
	entries map[availability.Query]*gridResponse
}

// gridResponse is the message of one grid; ready closes once msg is set,
// so that the refreshes arriving together after a change convert the new
// grid once.
type gridResponse struct {
	stamp uint64
	ready chan struct{}
	msg   *varcov1.GetAvailabilityResponse
}

// message returns the response for grid g answering q.
func (c *gridResponses) message(q availability.Query, g availability.Grid) *varcov1.GetAvailabilityResponse {
	if g.Stamp == 0 {
		return gridPB(g)
	}
	c.mu.Lock()
	e, ok := c.entries[q]
	if ok && e.stamp == g.Stamp {
		c.mu.Unlock()
		<-e.ready
		return e.msg
	}
	if ok && e.stamp > g.Stamp {
		c.mu.Unlock()
		return gridPB(g) // an older grid than the one kept: rare, not kept
	}
	if c.entries == nil || len(c.entries) >= maxGridResponses {
		c.entries = make(map[availability.Query]*gridResponse)
	}
	e = &gridResponse{stamp: g.Stamp, ready: make(chan struct{})}
	c.entries[q] = e
	c.mu.Unlock()
	e.msg = gridPB(g)
	close(e.ready)
	return e.msg
}
