package schedule

import (
	"fmt"
	"slices"
	"time"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
)

// MinSlotLength is the shortest slot an organizer may define.
const MinSlotLength = 5 * time.Minute

// ValidateRules checks weekly rules for a resource of kind with the given
// operators, naming the first offending field as "rules[i].field".
func ValidateRules(kind catalog.ResourceKind, operators []string, rules []catalog.WeeklyRule) error {
	type span struct {
		start, end Clock
		from, to   string
		i          int
	}
	byDay := map[int][]span{}
	for i, r := range rules {
		f := func(name string) string { return fmt.Sprintf("rules[%d].%s", i, name) }
		if r.Weekday < 1 || r.Weekday > 7 {
			return fault.InvalidField(f("weekday"), "weekday")
		}
		start, err := ParseClock(r.Start)
		if err != nil {
			return fault.InvalidField(f("start_time"), "time_format")
		}
		end, err := ParseClock(r.End)
		if err != nil {
			return fault.InvalidField(f("end_time"), "time_format")
		}
		if end <= start {
			return fault.InvalidField(f("end_time"), "end_before_start").Text("error.end_before_start.2")
		}
		if r.SlotLength < MinSlotLength || r.SlotLength%time.Minute != 0 {
			return fault.InvalidField(f("slot_length"), "slot_length")
		}
		if time.Duration(end-start)*time.Minute < r.SlotLength {
			return fault.InvalidField(f("slot_length"), "slot_longer_than_opening")
		}
		if kind == catalog.KindEvent && r.SeatsPerSlot <= 0 {
			return fault.InvalidField(f("seats_per_slot"), "seats").Text("error.seats.2")
		}
		if kind == catalog.KindAppointment {
			if len(operators) == 0 {
				return fault.InvalidField(f("operator_ids"), "no_operators")
			}
			for _, op := range r.OperatorIDs {
				if !slices.Contains(operators, op) {
					return fault.InvalidField(f("operator_ids"), "unknown_operator")
				}
			}
		}
		for _, dateField := range []struct{ name, v string }{{"valid_from", r.ValidFrom}, {"valid_until", r.ValidUntil}} {
			if dateField.v != "" {
				if _, err := ParseDate(dateField.v); err != nil {
					return fault.InvalidField(f(dateField.name), "date_format")
				}
			}
		}
		if r.ValidFrom != "" && r.ValidUntil != "" && r.ValidUntil < r.ValidFrom {
			return fault.InvalidField(f("valid_until"), "end_before_start").Text("error.end_before_start.3")
		}
		for _, o := range byDay[r.Weekday] {
			if o.start < end && start < o.end && periodsOverlap(o.from, o.to, r.ValidFrom, r.ValidUntil) {
				return fault.InvalidField(f("start_time"), "rules_overlap").Text("error.rules_overlap", o.i)
			}
		}
		byDay[r.Weekday] = append(byDay[r.Weekday], span{start, end, r.ValidFrom, r.ValidUntil, i})
	}
	return nil
}

// periodsOverlap compares validity windows of "YYYY-MM-DD" strings, where
// "" means unbounded (the format sorts lexically).
func periodsOverlap(aFrom, aTo, bFrom, bTo string) bool {
	before := func(x, y string) bool { return x != "" && y != "" && x < y }
	return !before(aTo, bFrom) && !before(bTo, aFrom)
}

// ValidateException checks one exception, naming fields "exception.field".
func ValidateException(kind catalog.ResourceKind, operators []string, e catalog.Exception) error {
	f := func(name string) string { return "exception." + name }
	start, err := ParseDate(e.StartDate)
	if err != nil {
		return fault.InvalidField(f("start_date"), "date_format")
	}
	if e.EndDate != "" {
		end, err := ParseDate(e.EndDate)
		if err != nil {
			return fault.InvalidField(f("end_date"), "date_format")
		}
		if end.Before(start) {
			return fault.InvalidField(f("end_date"), "end_before_start").Text("error.end_before_start.3")
		}
	}
	if (e.StartTime == "") != (e.EndTime == "") {
		return fault.InvalidField(f("end_time"), "time_pair")
	}
	if e.StartTime != "" {
		st, err := ParseClock(e.StartTime)
		if err != nil {
			return fault.InvalidField(f("start_time"), "time_format")
		}
		et, err := ParseClock(e.EndTime)
		if err != nil {
			return fault.InvalidField(f("end_time"), "time_format")
		}
		if et <= st {
			return fault.InvalidField(f("end_time"), "end_before_start").Text("error.end_before_start.2")
		}
	}
	switch e.Kind {
	case catalog.ExceptionClosure:
	case catalog.ExceptionExtraOpening:
		if e.StartTime == "" {
			return fault.InvalidField(f("start_time"), "required").Text("error.required.3")
		}
		if e.SlotLength < MinSlotLength || e.SlotLength%time.Minute != 0 {
			return fault.InvalidField(f("slot_length"), "slot_length")
		}
		if kind == catalog.KindEvent && e.SeatsPerSlot <= 0 {
			return fault.InvalidField(f("seats_per_slot"), "seats").Text("error.seats.2")
		}
	case catalog.ExceptionOperatorUnavailable:
		if !slices.Contains(operators, e.OperatorID) {
			return fault.InvalidField(f("operator_id"), "unknown_operator")
		}
	default:
		return fault.InvalidField(f("kind"), "required").Text("error.required.4")
	}
	return nil
}
