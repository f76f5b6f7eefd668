package scanner

import (
	"fmt"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/i18n"
)

// Lang is the operator's language: "it", "en" or "de".
type Lang string

// Languages.
const (
	Italian Lang = i18n.IT
	English Lang = i18n.EN
	German  Lang = i18n.DE
)

// ParseLang accepts "it", "en" or "de" ("" is Italian).
func ParseLang(s string) (Lang, error) {
	v := strings.ToLower(strings.TrimSpace(s))
	if v == "" {
		return Italian, nil
	}
	if !i18n.Supported(v) {
		return "", fmt.Errorf("language %q: want it, en or de", s)
	}
	return Lang(v), nil
}

// Text is the catalog's text of key in l (internal/i18n), formatted with
// args.
func (l Lang) Text(key string, args ...any) string { return i18n.T(string(l), key, args...) }

// textOr is Text for a key made from a value, or fallback when the catalog
// has none.
func (l Lang) textOr(key, fallback string) string {
	if !i18n.Has(key) {
		return fallback
	}
	return l.Text(key)
}

// Label is the short, upper-case name of a reason (scanner.label.*).
func (l Lang) Label(r gate.Reason) string { return l.textOr("scanner.label."+string(r), string(r)) }

// Message is the full sentence for a result: the same as the server says
// for the same reason (scan.reason.*).
func (l Lang) Message(r Result) string {
	return l.textOr("scan.reason."+string(r.Reason), string(r.Reason))
}

// DirectionLabel names a direction.
func (l Lang) DirectionLabel(d gate.Direction) string {
	switch d {
	case gate.Entry:
		return l.Text("scanner.dir.entry")
	case gate.Exit:
		return l.Text("scanner.dir.exit")
	}
	return "?"
}

// Line is the one-line verdict printed for the operator, such as
//
//	OK  ENTRATA  2 posti  tempo rimasto 1h30m
//	NO  GIÀ DENTRO  entrato alle 10:05  (biglietto …a3f2)
//	!!  USCITA  TEMPO SCADUTO  2 posti  (biglietto …a3f2)
//
// It starts with OK (open), !! (let through, but look) or NO (keep
// closed), so it can be read at a glance; times are in loc (the place's
// zone, Settings.Location), with the zone's abbreviation.
func (l Lang) Line(r Result, loc *time.Location) string {
	var parts []string
	switch r.Verdict {
	case gate.Accepted:
		parts = append(parts, "OK", l.DirectionLabel(r.Direction))
	case gate.Flagged:
		parts = append(parts, "!!", l.DirectionLabel(r.Direction), l.Label(r.Reason))
	default:
		parts = append(parts, "NO", l.Label(r.Reason))
	}
	if r.LetThrough() && r.Seats > 0 {
		parts = append(parts, l.seats(r.Seats))
	}
	if r.Verdict == gate.Accepted && r.Direction == gate.Entry && !r.ExpiresAt.IsZero() {
		parts = append(parts, l.Text("scanner.line.time_left", FormatDuration(r.TimeLeft)))
	}
	if r.Reason == gate.ReasonAlreadyInside && !r.EnteredAt.IsZero() {
		parts = append(parts, l.Text("scanner.line.entered_at", r.EnteredAt.In(loc).Format("15:04 MST")))
	}
	if r.Verdict != gate.Accepted && r.TicketID != "" {
		parts = append(parts, "("+l.Text("scanner.line.ticket", ShortID(r.TicketID))+")")
	}
	if !r.Online {
		parts = append(parts, "[offline]")
	}
	// The two-space separator keeps columns apart on narrow displays
	// without relying on tabs, which serial terminals render unevenly.
	return strings.TrimSpace(strings.Join(parts, "  "))
}

func (l Lang) seats(n int) string {
	if n == 1 {
		return l.Text("scanner.seats.one")
	}
	return l.Text("scanner.seats.other", n)
}

// ShortID is the tail of a ticket id, enough for the operator to tell two
// tickets apart without printing the whole id.
func ShortID(id string) string {
	if len(id) <= 4 {
		return id
	}
	return "…" + id[len(id)-4:]
}

// FormatDuration writes a stay as "1h30m" or "45m", rounded down to the
// minute: the operator should never be told there is more time than there
// is.
func FormatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "0m"
	case d < time.Minute:
		return "<1m"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	}
	return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
