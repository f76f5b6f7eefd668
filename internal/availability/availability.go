// Package availability computes the slot grid citizens pick from: the
// slots of a resource's schedule, each with its state (past, closed, not yet
// bookable, booking closed, available, full, or held by people booking right
// now), the seats left and the operators free in it.
package availability

import (
	"slices"
	"time"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/schedule"
)

// State is a slot's state; values match varco.v1.SlotState.
type State int

// Slot states.
const (
	Past           State = 1
	Closed         State = 2
	NotYetBookable State = 3
	BookingClosed  State = 4
	Available      State = 5
	Full           State = 6
	Held           State = 7
)

// Usage is the live use of one slot (by one operator, for appointments):
// seats taken by bookings and holds, and the part of it that is holds.
// Expired holds not yet swept are already excluded.
type Usage struct {
	Start      time.Time
	OperatorID string
	Taken      int
	Held       int
	// Waiting: someone waits on the slot's waiting list, so its free
	// seats are theirs (HoldSlots refuses others "waitlist_first"): the
	// grid shows it FULL, where the citizen app offers the list, with its
	// free seats still counted in seats_left.
	Waiting bool
}

// Busy is time an operator is taken on another resource (a live hold or a
// confirmed booking of another service they also serve).
type Busy struct {
	OperatorID string
	Start, End time.Time
	// Expires is when a hold lapses (zero for a booking): a cached grid
	// is valid only until then.
	Expires time.Time
}

// BusyUsage turns an operator's time taken elsewhere into usage of this
// resource's slots: a slot overlapping it is taken for that operator. An
// operator serving two services cannot be in both at once, whatever the
// slot lengths of each.
func BusyUsage(days []schedule.Day, busy []Busy) []Usage {
	var out []Usage
	for _, b := range busy {
		for _, d := range days {
			for _, s := range d.Slots {
				if s.Start.Before(b.End) && b.Start.Before(s.End) && slices.Contains(s.OperatorIDs, b.OperatorID) {
					out = append(out, Usage{Start: s.Start, OperatorID: b.OperatorID, Taken: 1})
				}
			}
		}
	}
	return out
}

// Slot is one cell of the grid.
type Slot struct {
	schedule.Slot
	State           State
	SeatsTotal      int
	SeatsLeft       int
	FreeOperatorIDs []string
}

// Day is one date of the grid.
type Day struct {
	Date         schedule.Date
	ClosedReason string
	Slots        []Slot
}

// Compute builds the grid of days from rules, policy and usage, as seen at
// now. operatorID narrows an appointment grid to one operator; seats is how
// many seats the citizen needs.
func Compute(plan schedule.Plan, policy catalog.Policy, days []schedule.Day, usage []Usage, now time.Time, operatorID string, seats int) []Day {
	// Indexed by start instant only: hashing an int is much cheaper than a
	// (start, operator id) pair, and a slot has few operators to scan.
	used := make(map[int64][]Usage, len(usage))
	for _, u := range usage {
		k := u.Start.UnixMilli()
		used[k] = append(used[k], u)
	}
	if seats < 1 {
		seats = 1
	}
	out := make([]Day, len(days))
	var free []string // one backing array for every slot's free operators
	if plan.Kind == catalog.KindAppointment {
		n := 0
		for _, d := range days {
			for _, s := range d.Slots {
				n += len(s.OperatorIDs)
			}
		}
		free = make([]string, 0, n)
	}
	for i, d := range days {
		out[i] = Day{Date: d.Date, ClosedReason: d.ClosedReason, Slots: make([]Slot, len(d.Slots))}
		for j, s := range d.Slots {
			out[i].Slots[j] = slotState(plan, policy, s, used, now, operatorID, seats, &free)
		}
	}
	return out
}

func slotState(plan schedule.Plan, policy catalog.Policy, s schedule.Slot, used map[int64][]Usage, now time.Time, operatorID string, seats int, free *[]string) Slot {
	out := Slot{Slot: s}
	var held int
	waiting := false
	if plan.Kind == catalog.KindAppointment {
		ops := s.OperatorIDs
		if operatorID != "" {
			if !slices.Contains(ops, operatorID) {
				out.State = Closed
				return out
			}
			ops = []string{operatorID}
		}
		out.SeatsTotal = len(ops)
		slotUse := used[s.Start.UnixMilli()]
		first := len(*free)
		for _, op := range ops {
			u := find(slotUse, op)
			if u.Taken == 0 {
				*free = append(*free, op)
			}
			held += min(u.Held, 1)
		}
		if len(*free) > first {
			out.FreeOperatorIDs = (*free)[first:len(*free):len(*free)]
		}
		out.SeatsLeft = len(out.FreeOperatorIDs)
	} else {
		u := find(used[s.Start.UnixMilli()], "")
		out.SeatsTotal = s.Seats
		out.SeatsLeft = max(s.Seats-u.Taken, 0)
		held = u.Held
		waiting = u.Waiting
	}
	if st := Bookability(policy, plan.Location, now, s); st != 0 {
		out.State = st
		return out
	}
	switch {
	case waiting:
		// The free seats (still counted in SeatsLeft) are the line's.
		out.State = Full
	case out.SeatsLeft >= seats:
		out.State = Available
	case held > 0 && out.SeatsLeft+held >= seats:
		out.State = Held
	default:
		out.State = Full
	}
	return out
}

func find(list []Usage, op string) Usage {
	for _, u := range list {
		if u.OperatorID == op {
			return u
		}
	}
	return Usage{}
}

// Bookability applies the booking window to a slot at now: it returns
// Past, NotYetBookable or BookingClosed, or 0 when the slot may be booked
// (seats permitting). HoldSlots applies the same rules.
func Bookability(policy catalog.Policy, loc *time.Location, now time.Time, s schedule.Slot) State {
	if !s.Start.After(now) {
		return Past
	}
	local := now.In(loc)
	today := schedule.DateOf(local)
	if policy.OpensDaysAhead > 0 && today.AddDays(policy.OpensDaysAhead).Before(s.Date) {
		return NotYetBookable
	}
	if s.Start.Sub(now) < policy.MinNotice {
		return BookingClosed
	}
	if policy.SameDayCutoff != "" && s.Date == today {
		if cutoff, err := schedule.ParseClock(policy.SameDayCutoff); err == nil &&
			schedule.Clock(local.Hour()*60+local.Minute()) >= cutoff {
			return BookingClosed
		}
	}
	return 0
}
