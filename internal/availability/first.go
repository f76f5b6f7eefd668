package availability

import (
	"time"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/schedule"
)

// FirstFree finds the first slot a citizen would have seen as Available
// for one seat with any operator: the same state, seat and operator rules
// as Compute, evaluated slot by slot until the first hit, so a search that
// ends early costs only the slots it looked at. It is built once per
// search from the usage of the whole window and fed days in order.
type FirstFree struct {
	plan    schedule.Plan
	policy  catalog.Policy
	now     time.Time
	used    map[int64][]Usage
	busy    []Busy
	scratch []string // reused for each slot's free operators
}

// NewFirstFree prepares a search over usage and busy (the live use of the
// window searched, and the operators' time taken on other resources, as
// Grid reads them) as seen at now.
func NewFirstFree(plan schedule.Plan, policy catalog.Policy, usage []Usage, busy []Busy, now time.Time) *FirstFree {
	used := make(map[int64][]Usage, len(usage))
	for _, u := range usage {
		k := u.Start.UnixMilli()
		used[k] = append(used[k], u)
	}
	return &FirstFree{plan: plan, policy: policy, now: now, used: used, busy: busy}
}

// In returns the start of the first Available slot of days (in order) that
// starts before limit, and false when there is none.
func (f *FirstFree) In(days []schedule.Day, limit time.Time) (time.Time, bool) {
	for _, u := range BusyUsage(days, f.busy) {
		k := u.Start.UnixMilli()
		f.used[k] = append(f.used[k], u)
	}
	for _, d := range days {
		for _, s := range d.Slots {
			if !s.Start.Before(limit) {
				return time.Time{}, false
			}
			f.scratch = f.scratch[:0]
			if slotState(f.plan, f.policy, s, f.used, f.now, "", 1, &f.scratch).State == Available {
				return s.Start, true
			}
		}
	}
	return time.Time{}, false
}
