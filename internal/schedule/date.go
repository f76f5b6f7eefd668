// Package schedule computes slots from a resource's weekly rules and
// exceptions, in the time zone of its place. It stores nothing: slots are
// derived on demand, and only counters of taken seats live in the database.
//
// Local time rules, chosen so no slot is duplicated or lost on DST days:
//   - Slots are laid out on the wall clock from each rule's start time.
//   - A slot whose local start does not exist (the hour skipped when clocks
//     go forward) is not offered.
//   - A local start that occurs twice (the hour repeated when clocks go
//     back) is offered once, at its first occurrence.
//   - A slot lasts its slot length in real time: its end instant is its
//     start instant plus the length.
package schedule

import (
	"fmt"
	"time"
)

// Date is a calendar date without a time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// DateOf returns the date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// String formats the date as "YYYY-MM-DD".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// AddDays returns the date n days later (earlier when negative).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// ISOWeekday returns 1 for Monday through 7 for Sunday.
func (d Date) ISOWeekday() int {
	wd := int(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday())
	if wd == 0 {
		return 7
	}
	return wd
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// Compare returns -1, 0 or +1.
func (d Date) Compare(e Date) int {
	switch {
	case d.Year != e.Year:
		return cmp(d.Year, e.Year)
	case d.Month != e.Month:
		return cmp(int(d.Month), int(e.Month))
	}
	return cmp(d.Day, e.Day)
}

func cmp(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// DaysUntil returns the number of days from d to e (negative if e is before).
func (d Date) DaysUntil(e Date) int {
	a := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
	b := time.Date(e.Year, e.Month, e.Day, 12, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Round(24*time.Hour) / (24 * time.Hour))
}

// Clock is a local time of day in minutes since midnight.
type Clock int

// ParseClock parses "HH:MM" (00:00 to 24:00).
func ParseClock(s string) (Clock, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("time %q: want HH:MM", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("time %q: want HH:MM between 00:00 and 24:00", s)
	}
	return Clock(h*60 + m), nil
}

// String formats the clock as "HH:MM".
func (c Clock) String() string {
	if c < 0 || c > 24*60 {
		return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60)
	}
	// Without fmt: a week grid formats two clocks per slot, and fmt was a
	// tenth of the CPU of converting a new grid for the edge.
	h, m := int(c)/60, int(c)%60
	return string([]byte{byte('0' + h/10), byte('0' + h%10), ':', byte('0' + m/10), byte('0' + m%10)})
}

// At returns the instant of local time c on date d in loc, and false when
// that local time does not exist (skipped by a DST change). For a local time
// that occurs twice, it returns the first occurrence.
func (c Clock) At(d Date, loc *time.Location) (time.Time, bool) {
	h, m := int(c)/60, int(c)%60
	t := time.Date(d.Year, d.Month, d.Day, h, m, 0, 0, loc)
	if c == 24*60 {
		return t, true // midnight of the next day always exists in practice.
	}
	if t.Hour() != h || t.Minute() != m || t.Day() != d.Day {
		return t, false
	}
	// time.Date documents that for an ambiguous time it picks one of the two
	// instants without promising which: choose the earlier.
	if earlier := t.Add(-time.Hour); earlier.Hour() == h && earlier.Minute() == m && earlier.Day() == d.Day {
		return earlier, true
	}
	return t, true
}
