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

func invalid(field, code, it, en string) *fault.Error { return fault.InvalidField(field, code, it, en) }

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
			return invalid(f("weekday"), "weekday", "Giorno della settimana non valido.", "Invalid weekday.")
		}
		start, err := ParseClock(r.Start)
		if err != nil {
			return invalid(f("start_time"), "time_format", "Orario non valido: usare HH:MM.", "Invalid time: use HH:MM.")
		}
		end, err := ParseClock(r.End)
		if err != nil {
			return invalid(f("end_time"), "time_format", "Orario non valido: usare HH:MM.", "Invalid time: use HH:MM.")
		}
		if end <= start {
			return invalid(f("end_time"), "end_before_start", "L'orario di fine deve seguire quello di inizio.", "The end time must be after the start time.")
		}
		if r.SlotLength < MinSlotLength || r.SlotLength%time.Minute != 0 {
			return invalid(f("slot_length"), "slot_length", "La durata della fascia deve essere di almeno 5 minuti interi.", "The slot length must be a whole number of minutes, at least 5.")
		}
		if time.Duration(end-start)*time.Minute < r.SlotLength {
			return invalid(f("slot_length"), "slot_longer_than_opening", "La fascia è più lunga dell'apertura.", "The slot is longer than the opening.")
		}
		if kind == catalog.KindEvent && r.SeatsPerSlot <= 0 {
			return invalid(f("seats_per_slot"), "seats", "I posti per fascia devono essere almeno 1.", "Seats per slot must be at least 1.")
		}
		if kind == catalog.KindAppointment {
			if len(operators) == 0 {
				return invalid(f("operator_ids"), "no_operators", "Il servizio non ha operatori.", "The service has no operators.")
			}
			for _, op := range r.OperatorIDs {
				if !slices.Contains(operators, op) {
					return invalid(f("operator_ids"), "unknown_operator", "Operatore non associato al servizio.", "The operator does not serve this resource.")
				}
			}
		}
		for _, dateField := range []struct{ name, v string }{{"valid_from", r.ValidFrom}, {"valid_until", r.ValidUntil}} {
			if dateField.v != "" {
				if _, err := ParseDate(dateField.v); err != nil {
					return invalid(f(dateField.name), "date_format", "Data non valida: usare AAAA-MM-GG.", "Invalid date: use YYYY-MM-DD.")
				}
			}
		}
		if r.ValidFrom != "" && r.ValidUntil != "" && r.ValidUntil < r.ValidFrom {
			return invalid(f("valid_until"), "end_before_start", "La data di fine precede quella di inizio.", "The end date is before the start date.")
		}
		for _, o := range byDay[r.Weekday] {
			if o.start < end && start < o.end && periodsOverlap(o.from, o.to, r.ValidFrom, r.ValidUntil) {
				return fault.InvalidField(f("start_time"), "rules_overlap",
					fmt.Sprintf("Si sovrappone alla regola %d dello stesso giorno.", o.i),
					fmt.Sprintf("It overlaps rule %d on the same weekday.", o.i))
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
		return invalid(f("start_date"), "date_format", "Data non valida: usare AAAA-MM-GG.", "Invalid date: use YYYY-MM-DD.")
	}
	if e.EndDate != "" {
		end, err := ParseDate(e.EndDate)
		if err != nil {
			return invalid(f("end_date"), "date_format", "Data non valida: usare AAAA-MM-GG.", "Invalid date: use YYYY-MM-DD.")
		}
		if end.Before(start) {
			return invalid(f("end_date"), "end_before_start", "La data di fine precede quella di inizio.", "The end date is before the start date.")
		}
	}
	if (e.StartTime == "") != (e.EndTime == "") {
		return invalid(f("end_time"), "time_pair", "Indicare sia l'orario di inizio sia quello di fine, o nessuno.", "Give both start and end time, or neither.")
	}
	if e.StartTime != "" {
		st, err := ParseClock(e.StartTime)
		if err != nil {
			return invalid(f("start_time"), "time_format", "Orario non valido: usare HH:MM.", "Invalid time: use HH:MM.")
		}
		et, err := ParseClock(e.EndTime)
		if err != nil {
			return invalid(f("end_time"), "time_format", "Orario non valido: usare HH:MM.", "Invalid time: use HH:MM.")
		}
		if et <= st {
			return invalid(f("end_time"), "end_before_start", "L'orario di fine deve seguire quello di inizio.", "The end time must be after the start time.")
		}
	}
	switch e.Kind {
	case catalog.ExceptionClosure:
	case catalog.ExceptionExtraOpening:
		if e.StartTime == "" {
			return invalid(f("start_time"), "required", "Un'apertura straordinaria richiede gli orari.", "An extra opening needs its times.")
		}
		if e.SlotLength < MinSlotLength || e.SlotLength%time.Minute != 0 {
			return invalid(f("slot_length"), "slot_length", "La durata della fascia deve essere di almeno 5 minuti interi.", "The slot length must be a whole number of minutes, at least 5.")
		}
		if kind == catalog.KindEvent && e.SeatsPerSlot <= 0 {
			return invalid(f("seats_per_slot"), "seats", "I posti per fascia devono essere almeno 1.", "Seats per slot must be at least 1.")
		}
	case catalog.ExceptionOperatorUnavailable:
		if !slices.Contains(operators, e.OperatorID) {
			return invalid(f("operator_id"), "unknown_operator", "Operatore non associato al servizio.", "The operator does not serve this resource.")
		}
	default:
		return invalid(f("kind"), "required", "Tipo di eccezione mancante.", "The exception kind is missing.")
	}
	return nil
}
