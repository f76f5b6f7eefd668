package booking

import (
	"context"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/availability"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/schedule"
)

// maxFirstFreeChunk bounds how many days of slots are generated at once
// while searching. The search starts with one day and doubles: most end on
// the first day, and a long one (every slot taken for weeks, as in a rush)
// never builds all its days at once.
const maxFirstFreeChunk = 16

// firstFree returns the start of the first slot of the selection's
// resource that a citizen asking at now would have seen as available (one
// free seat; for appointments a free operator), within the resource's
// booking rules: the figure behind "days to first availability". The
// selected slot was free at this moment, so the search is bounded by its
// start, which is the answer when nothing earlier is free.
//
// It reads from the reader pool, before the write transaction: the single
// writer is what a rush queues on, so it must not wait for this. The usage
// read is the same one GetAvailability makes, so the figure matches what
// the citizen saw.
func (s *Service) firstFree(ctx context.Context, sel selection, now time.Time) (time.Time, error) {
	limit := sel.slots[0].Start
	if !limit.After(now) {
		return limit, nil
	}
	usage, err := s.store.Usage(ctx, sel.resource.ID, now, limit, now)
	if err != nil {
		return time.Time{}, fmt.Errorf("first free slot: %w", err)
	}
	var busy []availability.Busy
	if sel.resource.Kind == catalog.KindAppointment {
		if busy, err = s.store.OperatorBusy(ctx, sel.resource.ID, sel.plan.Operators, now, limit, now); err != nil {
			return time.Time{}, fmt.Errorf("first free slot: %w", err)
		}
	}
	search := availability.NewFirstFree(sel.plan, sel.resource.Policy, usage, busy, now)
	last := sel.slots[0].Date
	day, chunk := schedule.DateOf(now.In(sel.plan.Location)), 1
	for !last.Before(day) {
		to := day.AddDays(chunk - 1)
		if last.Before(to) {
			to = last
		}
		days, err := sel.plan.Days(day, to)
		if err != nil {
			return time.Time{}, fmt.Errorf("first free slot: %w", err)
		}
		if at, ok := search.In(days, limit); ok {
			return at, nil
		}
		day, chunk = to.AddDays(1), min(2*chunk, maxFirstFreeChunk)
	}
	return limit, nil
}
