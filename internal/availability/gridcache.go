package availability

import (
	"context"
	"time"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/schedule"
)

// Grid cache.
//
// On a click-day thousands of citizens refresh the same week grid while
// the seats sell. Computing a week (plan, usage, waiting lists, 72 slots)
// costs about half a millisecond of CPU; a cached grid costs one point read.
// A cached grid is served only when it is still exactly the grid the
// database would give now:
//
//   - the catalog version and the write version (moved by the commit of
//     every write batch: bookings, holds, cancellations, waiting lists,
//     whichever process or replica made them) are the ones read before it
//     was computed, so no commit has landed since — a booking acknowledged
//     before the request is always in the answer;
//   - the clock has not reached the first instant at which time alone
//     changes the answer: a live hold lapsing, a slot starting or leaving
//     its booking window, local midnight (validUntil).
//
// The versions are read before computing, so a commit landing meanwhile
// makes the entry look older than it is: it is recomputed, never kept stale.

// maxCachedGrids bounds the cache between two writes (one per resource,
// week, operator and seat count asked for).
const maxCachedGrids = 4096

// maxGridAge bounds how long a grid is served without recomputing, even
// when nothing seems to change: a safety margin, not part of exactness.
const maxGridAge = time.Minute

// WithoutGridCache makes s compute every grid, as before the cache: the
// benchmarks measure what the cache saves with it, in the same run.
func (s *Service) WithoutGridCache() *Service {
	s.noGridCache = true
	return s
}

// gridKey is one query.
type gridKey struct {
	resourceID, operatorID string
	from, to               schedule.Date
	seats                  int
}

// cachedGrid is a grid with what it was computed against.
type cachedGrid struct {
	catalog    int64
	validUntil time.Time
	grid       Grid
}

// gridFlight is a grid being computed; requests for the same query that
// read no newer versions wait for it instead of computing it again.
type gridFlight struct {
	done            chan struct{}
	catalog, writes int64
	grid            Grid
	until           time.Time
	err             error
}

// cachedGrid answers q from the cache when it may, else computes and keeps
// the grid. After every commit of a click-day hundreds of refreshes miss
// at once; one computes, the others wait for it (a flight whose versions
// are no older than theirs read everything committed before they asked).
func (s *Service) cachedGrid(ctx context.Context, q Query, from, to schedule.Date) (Grid, error) {
	cv, wv, err := s.versions.read(ctx, s.store.GridVersions)
	if err != nil {
		return Grid{}, err
	}
	k := gridKey{resourceID: q.ResourceID, operatorID: q.OperatorID, from: from, to: to, seats: max(q.Seats, 1)}
	if c, ok := s.grids.Get(wv, k); ok && c.catalog == cv && s.clk.Now().Before(c.validUntil) {
		return c.grid, nil
	}
	s.flightsMu.Lock()
	if f := s.flights[k]; f != nil && f.writes >= wv && f.catalog >= cv {
		s.flightsMu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return Grid{}, ctx.Err()
		}
		if f.err == nil && s.clk.Now().Before(f.until) {
			return f.grid, nil
		}
		// The computation failed (perhaps its caller gave up) or time
		// has moved past its answer: compute our own.
		g, _, err := s.computeGrid(ctx, k, q, from, to, cv, wv)
		return g, err
	}
	f := &gridFlight{done: make(chan struct{}), catalog: cv, writes: wv}
	if s.flights == nil {
		s.flights = make(map[gridKey]*gridFlight)
	}
	s.flights[k] = f
	s.flightsMu.Unlock()
	f.grid, f.until, f.err = s.computeGrid(ctx, k, q, from, to, cv, wv)
	close(f.done)
	s.flightsMu.Lock()
	if s.flights[k] == f {
		delete(s.flights, k)
	}
	s.flightsMu.Unlock()
	return f.grid, f.err
}

// computeGrid computes the grid of q against the versions read, keeps it,
// and returns it with the instant until which it may be served.
func (s *Service) computeGrid(ctx context.Context, k gridKey, q Query, from, to schedule.Date, cv, wv int64) (Grid, time.Time, error) {
	r, plan, err := s.PlanAt(ctx, cv, q.ResourceID)
	if err != nil {
		return Grid{}, time.Time{}, err
	}
	g, until, err := s.grid(ctx, r, plan, q, from, to)
	if err != nil {
		return Grid{}, time.Time{}, err
	}
	start, _ := schedule.Clock(0).At(from, plan.Location)
	end, _ := schedule.Clock(0).At(to.AddDays(1), plan.Location)
	next, ok, err := s.store.NextHoldExpiry(ctx, r.ID, start, end, g.ComputedAt)
	if err != nil {
		return Grid{}, time.Time{}, err
	}
	if ok && next.Before(until) {
		until = next
	}
	s.grids.Put(wv, k, cachedGrid{catalog: cv, validUntil: until, grid: g})
	return g, until, nil
}

// validUntil is the first instant after now at which the grid of days may
// change by time alone: a slot starting (it becomes past), a slot's
// minimum notice beginning (booking closes), the same-day cutoff, local
// midnight (the booking window opens further days), a hold of an operator
// elsewhere lapsing — and at the latest now + maxGridAge. Early is
// harmless (a recomputation), late never happens.
func validUntil(plan schedule.Plan, policy catalog.Policy, days []schedule.Day, busy []Busy, now time.Time) time.Time {
	until := now.Add(maxGridAge)
	earlier := func(t time.Time) {
		if t.After(now) && t.Before(until) {
			until = t
		}
	}
	local := now.In(plan.Location)
	today := schedule.DateOf(local)
	midnight, _ := schedule.Clock(0).At(today.AddDays(1), plan.Location)
	earlier(midnight)
	if policy.SameDayCutoff != "" {
		if c, err := schedule.ParseClock(policy.SameDayCutoff); err == nil {
			t, exists := c.At(today, plan.Location)
			if !exists {
				// Skipped by DST: the local clock passes it at the
				// jump, up to an hour before the normalized instant.
				t = t.Add(-time.Hour)
			}
			earlier(t)
		}
	}
	for _, d := range days {
		for _, s := range d.Slots {
			earlier(s.Start)
			earlier(s.Start.Add(-policy.MinNotice))
		}
	}
	for _, b := range busy {
		if !b.Expires.IsZero() {
			earlier(b.Expires)
		}
	}
	return until
}
