package stats

import (
	"sort"
	"time"

	"github.com/varco-gate/varco/internal/gate"
)

// change is a step of the number of people inside.
type change struct {
	at    time.Time
	delta int
}

// gates counts the people through the gates of the period's tickets.
//
// Each ticket's passages are replayed in time order: an entry of a ticket
// outside takes its seats in, an exit of a ticket inside takes them out.
// A second entry in a row (one ticket through two offline gates) or an exit
// without an entry moves nobody, so the counts are people, not beeps. A
// ticket still inside after its last passage is counted inside until its
// validity ends: without an exit scan the gates cannot tell when people
// left, and the end of the ticket is the latest they may stay.
func gates(f *Figures, tickets []Ticket, now time.Time) {
	var steps []change
	for _, t := range tickets {
		inside := false
		var last time.Time
		for _, p := range t.Passages {
			switch {
			case p.Direction == gate.Entry && !inside:
				inside, last = true, p.At
				f.Entries += p.Seats
				steps = append(steps, change{p.At, p.Seats})
			case p.Direction == gate.Exit && inside:
				inside = false
				f.Exits += p.Seats
				steps = append(steps, change{p.At, -p.Seats})
			}
		}
		if inside {
			leave := t.ValidUntil
			if leave.Before(last) {
				leave = last
			}
			steps = append(steps, change{leave, -t.Seats})
		}
		if overstayed(t, now) {
			f.Overstays++
		}
	}
	// At equal instants people leave first: one leaving as another enters
	// were never inside together.
	sort.SliceStable(steps, func(i, j int) bool {
		if !steps[i].at.Equal(steps[j].at) {
			return steps[i].at.Before(steps[j].at)
		}
		return steps[i].delta < steps[j].delta
	})
	inside := 0
	for _, s := range steps {
		inside += s.delta
		f.PeakOccupancy = max(f.PeakOccupancy, inside)
	}
}

// overstayed reports whether a timed ticket's holders stayed beyond the
// maximum stay: they exited after it ran out (the exit the gate FLAGGED),
// or they are still inside at now after it ran out.
func overstayed(t Ticket, now time.Time) bool {
	if t.ExpiresAt.IsZero() {
		return false
	}
	switch t.State {
	case gate.Exited:
		return t.ExitedAt.After(t.ExpiresAt)
	case gate.Inside:
		return now.After(t.ExpiresAt)
	case gate.Expired:
		return true
	}
	return false
}
