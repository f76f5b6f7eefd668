// Package textfmt formats dates, times and durations the way people read
// them in Italian and English, for every text Varco writes to people
// (e-mails, receipts). Go's layouts know only English names, hence the
// Italian tables.
package textfmt

import (
	"fmt"
	"time"
)

var (
	italianWeekdays = [...]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"}
	italianMonths   = [...]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno",
		"luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"}
)

// LongDate is "lunedì 7 dicembre 2026, ore 08:30" in Italian and
// "Monday 7 December 2026, 08:30" (the 24-hour clock, as on the office's
// signs) in English ("en"); t is shown in its own location.
func LongDate(lang string, t time.Time) string {
	if lang == "en" {
		return t.Format("Monday 2 January 2006, 15:04")
	}
	return fmt.Sprintf("%s %d %s %d, ore %s", italianWeekdays[t.Weekday()], t.Day(),
		italianMonths[t.Month()-1], t.Year(), t.Format("15:04"))
}

// ClockAt is "16:40", or with the date when t is not on ref's day
// ("16:40 di martedì 8 dicembre 2026", "16:40 on Tuesday 8 December
// 2026"): a ticket valid past midnight. A zero ref counts as the same day.
func ClockAt(lang string, t, ref time.Time) string {
	if sameDay(t, ref) {
		return t.Format("15:04")
	}
	if lang == "en" {
		return t.Format("15:04 on Monday 2 January 2006")
	}
	return fmt.Sprintf("%s di %s %d %s %d", t.Format("15:04"), italianWeekdays[t.Weekday()], t.Day(),
		italianMonths[t.Month()-1], t.Year())
}

// Duration is "1 h 30 min", "45 min", "2 h" (the same in both languages).
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
	en := lang == "en"
	pick := func(it, e string) string {
		if en {
			return e
		}
		return it
	}
	var lines []string
	if seats == 1 {
		lines = append(lines, pick("Valido per una persona", "Valid for one person"))
	} else {
		lines = append(lines, fmt.Sprintf(pick("Valido per %d persone", "Valid for %d people"), seats))
	}
	ref = ref.In(loc)
	lines = append(lines, fmt.Sprintf(pick("Ingresso dalle %s alle %s", "Entry from %s to %s"),
		ClockAt(lang, validFrom.In(loc), ref), ClockAt(lang, validUntil.In(loc), ref)))
	if maxStay > 0 {
		lines = append(lines, fmt.Sprintf(pick("Permanenza massima: %s dall'ingresso", "Longest stay: %s after entering"), Duration(maxStay)))
	} else {
		lines = append(lines, pick("Nessun limite di permanenza dopo l'ingresso", "No time limit after entering"))
	}
	return lines
}
