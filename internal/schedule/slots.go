package schedule

import (
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/varco-gate/varco/internal/catalog"
)

// Slot is one bookable time span.
type Slot struct {
	Start, End time.Time // UTC instants.
	Date       Date      // local date of the start.
	LocalStart Clock
	LocalEnd   Clock
	// Seats offered: for events the rule's seats, for appointments the
	// number of operators working.
	Seats int
	// OperatorIDs working in the slot (appointments), after absences.
	OperatorIDs []string
}

// Day is the slots of one local date.
type Day struct {
	Date  Date
	Slots []Slot
	// ClosedReason is set when a closure covers the whole day.
	ClosedReason string
}

// Plan is everything slot generation needs about one resource.
type Plan struct {
	Location   *time.Location
	Kind       catalog.ResourceKind
	Operators  []string // the resource's operators (appointments)
	Rules      []catalog.WeeklyRule
	Exceptions []catalog.Exception
}

// compiled rules and exceptions, parsed once per call.
type rule struct {
	src        catalog.WeeklyRule
	start, end Clock
	from, to   *Date
}

type exception struct {
	src        catalog.Exception
	from, to   Date
	start, end Clock // 0 and 24:00 for whole days.
	wholeDay   bool
}

// Days computes the days from first to last (inclusive) with their slots.
func (p Plan) Days(first, last Date) ([]Day, error) {
	rules, err := compileRules(p.Rules)
	if err != nil {
		return nil, err
	}
	excs, err := compileExceptions(p.Exceptions)
	if err != nil {
		return nil, err
	}
	n := first.DaysUntil(last) + 1
	if n < 0 {
		n = 0
	}
	days := make([]Day, 0, n)
	for d := first; !last.Before(d); d = d.AddDays(1) {
		days = append(days, p.day(d, rules, excs))
	}
	return days, nil
}

func (p Plan) day(d Date, rules []rule, excs []exception) Day {
	day := Day{Date: d}
	var closures, absences []exception
	var extra []exception
	for _, e := range excs {
		if !e.covers(d) {
			continue
		}
		switch e.src.Kind {
		case catalog.ExceptionClosure:
			if e.wholeDay {
				day.ClosedReason = e.src.Reason
				return day
			}
			closures = append(closures, e)
		case catalog.ExceptionOperatorUnavailable:
			absences = append(absences, e)
		case catalog.ExceptionExtraOpening:
			extra = append(extra, e)
		}
	}
	// On the ~363 days a year without a clock change, local midnight plus
	// minutes is exact; only transition days need the careful conversion.
	midnight, _ := Clock(0).At(d, p.Location)
	next, _ := Clock(0).At(d.AddDays(1), p.Location)
	_, off0 := midnight.Zone()
	_, off1 := next.Add(-time.Nanosecond).Zone()
	uniform := off0 == off1
	var seen map[int64]bool
	if !uniform {
		seen = map[int64]bool{}
	}
	add := func(start, end Clock, length time.Duration, seats int, ops []string) {
		step := Clock(length / time.Minute)
		if step <= 0 {
			return
		}
		if day.Slots == nil {
			day.Slots = make([]Slot, 0, int((end-start)/step))
		}
		for c := start; c+step <= end; c += step {
			if overlapsAny(c, c+step, closures) {
				continue
			}
			var at time.Time
			if uniform {
				at = midnight.Add(time.Duration(c) * time.Minute)
			} else {
				var ok bool
				if at, ok = c.At(d, p.Location); !ok || seen[at.Unix()] {
					continue
				}
			}
			s := Slot{Start: at.UTC(), End: at.Add(length).UTC(), Date: d, LocalStart: c, LocalEnd: c + step}
			s.Seats, s.OperatorIDs = p.capacity(seats, ops, c, c+step, absences)
			if s.Seats <= 0 {
				continue
			}
			if seen != nil {
				seen[at.Unix()] = true
			}
			day.Slots = append(day.Slots, s)
		}
	}
	wd := d.ISOWeekday()
	for _, r := range rules {
		if r.src.Weekday != wd || (r.from != nil && d.Before(*r.from)) || (r.to != nil && r.to.Before(d)) {
			continue
		}
		add(r.start, r.end, r.src.SlotLength, r.src.SeatsPerSlot, r.src.OperatorIDs)
	}
	for _, e := range extra {
		add(e.start, e.end, e.src.SlotLength, e.src.SeatsPerSlot, nil)
	}
	sort.Slice(day.Slots, func(i, j int) bool { return day.Slots[i].Start.Before(day.Slots[j].Start) })
	return day
}

// capacity returns a slot's seats and working operators. Appointments offer
// one seat per operator present; events offer the rule's seats.
func (p Plan) capacity(seats int, ruleOps []string, start, end Clock, absences []exception) (int, []string) {
	if p.Kind != catalog.KindAppointment {
		return seats, nil
	}
	ops := ruleOps
	if len(ops) == 0 {
		ops = p.Operators
	}
	if len(absences) == 0 {
		return len(ops), ops // shared, read-only: no copy per slot.
	}
	working := make([]string, 0, len(ops))
	for _, op := range ops {
		absent := slices.ContainsFunc(absences, func(e exception) bool {
			return e.src.OperatorID == op && e.start < end && start < e.end
		})
		if !absent {
			working = append(working, op)
		}
	}
	return len(working), working
}

func overlapsAny(start, end Clock, excs []exception) bool {
	for _, e := range excs {
		if e.start < end && start < e.end {
			return true
		}
	}
	return false
}

// covers reports whether the exception applies on d; yearly exceptions
// compare month and day only (a range may wrap the new year).
func (e exception) covers(d Date) bool {
	if !e.src.Yearly {
		return !d.Before(e.from) && !e.to.Before(d)
	}
	md := func(x Date) int { return int(x.Month)*100 + x.Day }
	from, to, x := md(e.from), md(e.to), md(d)
	if from <= to {
		return from <= x && x <= to
	}
	return x >= from || x <= to
}

func compileRules(in []catalog.WeeklyRule) ([]rule, error) {
	out := make([]rule, 0, len(in))
	for i, r := range in {
		start, err := ParseClock(r.Start)
		if err != nil {
			return nil, fmt.Errorf("rule %d: %w", i, err)
		}
		end, err := ParseClock(r.End)
		if err != nil {
			return nil, fmt.Errorf("rule %d: %w", i, err)
		}
		cr := rule{src: r, start: start, end: end}
		if r.ValidFrom != "" {
			d, err := ParseDate(r.ValidFrom)
			if err != nil {
				return nil, fmt.Errorf("rule %d: %w", i, err)
			}
			cr.from = &d
		}
		if r.ValidUntil != "" {
			d, err := ParseDate(r.ValidUntil)
			if err != nil {
				return nil, fmt.Errorf("rule %d: %w", i, err)
			}
			cr.to = &d
		}
		out = append(out, cr)
	}
	return out, nil
}

func compileExceptions(in []catalog.Exception) ([]exception, error) {
	out := make([]exception, 0, len(in))
	for i, e := range in {
		ce := exception{src: e, start: 0, end: 24 * 60, wholeDay: e.StartTime == "" && e.EndTime == ""}
		var err error
		if ce.from, err = ParseDate(e.StartDate); err != nil {
			return nil, fmt.Errorf("exception %d: %w", i, err)
		}
		ce.to = ce.from
		if e.EndDate != "" {
			if ce.to, err = ParseDate(e.EndDate); err != nil {
				return nil, fmt.Errorf("exception %d: %w", i, err)
			}
		}
		if e.StartTime != "" {
			if ce.start, err = ParseClock(e.StartTime); err != nil {
				return nil, fmt.Errorf("exception %d: %w", i, err)
			}
		}
		if e.EndTime != "" {
			if ce.end, err = ParseClock(e.EndTime); err != nil {
				return nil, fmt.Errorf("exception %d: %w", i, err)
			}
		}
		out = append(out, ce)
	}
	return out, nil
}
