package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// The click-day: while scenario 1's clients book, thousands of citizens
// refresh the event's week grid, as they do when bookings open. Each grid
// answer is checked against the bookings acknowledged before its request
// was sent: a seat a client was told is booked must not show as free.

// ClickDayResult is what the grid readers saw during scenario 1.
type ClickDayResult struct {
	Clients int `json:"clients"`
	// Slots is the number of slots in one week grid.
	Slots     int       `json:"slots_per_grid"`
	Grid      OpSummary `json:"grid"`
	GridsPerS float64   `json:"grids_per_s"`
	// Checked counts answers checked for exactness: each showed the rush
	// slot with seats_left ≤ capacity − seats acknowledged as booked
	// before the request was sent; Stale counts those that did not.
	Checked    int    `json:"checked"`
	Stale      int    `json:"stale"`
	FirstStale string `json:"first_stale,omitempty"`
	// FirstError is the first failed call's error, for diagnosis.
	FirstError string `json:"first_error,omitempty"`
	Usage      Usage  `json:"usage"`
}

// clickDay is the readers at work; stop ends them and gathers the result.
type clickDay struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
	op     *opStats
	meter  *meter
	res    ClickDayResult
	mu     sync.Mutex
}

// startClickDay starts clients goroutines reading the event's week grid
// from the event's date, without pause, until stop. acked is the number of
// seats whose confirmation the rush's clients have received so far.
func startClickDay(ctx context.Context, a *api, pid int, ev event, clients, capacity int, acked *atomic.Int64) *clickDay {
	ctx, cancel := context.WithCancel(ctx)
	c := &clickDay{cancel: cancel, op: newOp("CatalogService/GetAvailability (week)"), res: ClickDayResult{Clients: clients}}
	from, _ := time.ParseInLocation(time.DateOnly, ev.date, rome)
	q := &varcov1.GetAvailabilityRequest{ResourceId: ev.resourceID, FromDate: ev.date, ToDate: from.AddDate(0, 0, 6).Format(time.DateOnly)}
	start := ev.slot.GetStart().AsTime()
	c.meter = startMeter(pid)
	for range clients {
		c.wg.Go(func() {
			for ctx.Err() == nil {
				before := acked.Load()
				res, d, err := call(ctx, nil, func(ctx context.Context) (*varcov1.GetAvailabilityResponse, error) {
					r, err := a.catalog.GetAvailability(ctx, req(q, ""))
					if err != nil {
						return nil, err
					}
					return r.Msg, nil
				})
				if ctx.Err() != nil {
					return // the phase ended during the call: not a failure
				}
				c.op.record(d, err)
				if err != nil {
					c.mu.Lock()
					if c.res.FirstError == "" {
						c.res.FirstError = err.Error()
					}
					c.mu.Unlock()
					continue
				}
				c.check(res, start, capacity, before)
			}
		})
	}
	return c
}

// check finds the rush's slot in a grid and compares its seats left with
// what was sold before the request.
func (c *clickDay) check(res *varcov1.GetAvailabilityResponse, start time.Time, capacity int, ackedBefore int64) {
	slots, left := 0, int32(-1)
	for _, d := range res.GetDays() {
		for _, s := range d.GetSlots() {
			slots++
			if s.GetStart().AsTime().Equal(start) {
				left = s.GetSeatsLeft()
			}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.res.Slots = slots
	c.res.Checked++
	if left < 0 || int64(left) > int64(capacity)-ackedBefore {
		c.res.Stale++
		if c.res.FirstStale == "" {
			c.res.FirstStale = fmt.Sprintf("%d seats left shown after %d of %d were confirmed", left, ackedBefore, capacity)
		}
	}
}

// stop ends the readers and returns what they saw.
func (c *clickDay) stop() ClickDayResult {
	c.cancel()
	c.wg.Wait()
	c.res.Usage = c.meter.done()
	wall := time.Duration(c.res.Usage.WallS * float64(time.Second))
	c.res.Grid = c.op.summary(wall)
	c.res.GridsPerS = c.res.Grid.PerSecond
	return c.res
}

// clickDayText prints the click-day beside scenario 1.
func clickDayText(p func(string, ...any), cd *ClickDayResult) {
	p("click-day: %d clients refreshing the event's week grid (%d slots) during scenario 1", cd.Clients, cd.Slots)
	p("  grids              %.0f grids/s", cd.GridsPerS)
	table(p, cd.Grid)
	p("  STALE ANSWERS      %d of %d checked (a seat shown free after its booking was confirmed)", cd.Stale, cd.Checked)
	if cd.FirstStale != "" {
		p("    first: %s", cd.FirstStale)
	}
	if cd.FirstError != "" {
		p("  first error        %s", cd.FirstError)
	}
	usage(p, cd.Usage)
	p("")
}

// clickDayTargets are issue 20's goals for the click-day, when it ran.
func clickDayTargets(cd *ClickDayResult) []Target {
	if cd == nil {
		return nil
	}
	return []Target{
		{Goal: "click-day: ≥ 10,000 week grids/s", Actual: fmt.Sprintf("%.0f grids/s (p99 %.1f ms)", cd.GridsPerS, cd.Grid.P99MS),
			Met: cd.GridsPerS >= 10000},
		{Goal: "click-day: every grid exact", Actual: fmt.Sprintf("%d stale of %d", cd.Stale, cd.Checked),
			Met: cd.Stale == 0 && cd.Checked > 0},
	}
}
