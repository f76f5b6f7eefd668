// Package textfmt formats dates, times and durations the way people read
// them in Italian, English and German, for every text Varco writes to
// people (e-mails, receipts). Go's layouts know only English names, hence
// the day and month names in the catalog (internal/i18n, "date.*").
package textfmt

import (
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/i18n"
)

func weekday(lang string, t time.Time) string {
	return i18n.T(lang, fmt.Sprintf("date.weekday.%d", int(t.Weekday())))
}

func month(lang string, t time.Time) string {
	return i18n.T(lang, fmt.Sprintf("date.month.%d", int(t.Month())))
}

// LongDate is "lunedì 7 dicembre 2026, ore 08:30" in Italian, "Monday 7
// December 2026, 08:30" (the 24-hour clock, as on the office's signs) in
// English and "Montag, 7. Dezember 2026, 08:30 Uhr" in German; t is shown
// in its own location.
func LongDate(lang string, t time.Time) string {
	return i18n.T(lang, "date.long", weekday(lang, t), t.Day(), month(lang, t), t.Year(), t.Format("15:04"))
}

// ClockAt is "16:40", or with the date when t is not on ref's day
// ("16:40 di martedì 8 dicembre 2026", "16:40 on Tuesday 8 December
// 2026"): a ticket valid past midnight. A zero ref counts as the same day.
func ClockAt(lang string, t, ref time.Time) string {
	if sameDay(t, ref) {
		return t.Format("15:04")
	}
	return i18n.T(lang, "date.clock_on", t.Format("15:04"), weekday(lang, t), t.Day(), month(lang, t), t.Year())
}

// Duration is "1 h 30 min", "45 min", "2 h" (the same in every language).
func Duration(d time.Duration) string {
	mins := int(d.Round(time.Minute) / time.Minute)
	switch {
	case mins < 60:
		return fmt.Sprintf("%d min", mins)
	case mins%60 == 0:
		return fmt.Sprintf("%d h", mins/60)
	}
	return fmt.Sprintf("%d h %d min", mins/60, mins%60)
}

func sameDay(t, ref time.Time) bool {
	if ref.IsZero() || ref.Year() < 2 {
		return true
	}
	ty, tm, td := t.Date()
	ry, rm, rd := ref.Date()
	return ty == ry && tm == rm && td == rd
}

// TicketTerms states what a ticket allows, one line each: how many people,
// when entry is allowed (in loc, with the date when not on ref's day) and
// the longest stay after entering (maxStay 0: no limit).
func TicketTerms(lang string, seats int, validFrom, validUntil time.Time, maxStay time.Duration, loc *time.Location, ref time.Time) []string {
	t := i18n.Picker(lang)
	var lines []string
	if seats == 1 {
		lines = append(lines, t("ticket.seats.one"))
	} else {
		lines = append(lines, t("ticket.seats.other", seats))
	}
	ref = ref.In(loc)
	lines = append(lines, t("ticket.entry", ClockAt(lang, validFrom.In(loc), ref), ClockAt(lang, validUntil.In(loc), ref)))
	if maxStay > 0 {
		lines = append(lines, t("ticket.max_stay", Duration(maxStay)))
	} else {
		lines = append(lines, t("ticket.no_max_stay"))
	}
	return lines
}
