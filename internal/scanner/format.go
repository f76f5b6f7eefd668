package scanner

import (
	"fmt"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/gate"
)

// Lang is the operator's language.
type Lang string

// Languages.
const (
	Italian Lang = "it"
	English Lang = "en"
)

// ParseLang accepts "it" or "en".
func ParseLang(s string) (Lang, error) {
	switch Lang(strings.ToLower(strings.TrimSpace(s))) {
	case Italian, "":
		return Italian, nil
	case English:
		return English, nil
	}
	return "", fmt.Errorf("language %q: want it or en", s)
}

// Pick returns the Italian or the English text.
func (l Lang) Pick(it, en string) string { return l.pick(it, en) }

func (l Lang) pick(it, en string) string {
	if l == English {
		return en
	}
	return it
}

// reasonText is, per reason, the short label of the verdict line and the
// full sentence of the web page, in Italian and English. The sentences
// match what the server says for the same reasons.
var reasonText = map[gate.Reason]struct{ short, long [2]string }{
	"OK":                      {[2]string{"OK", "OK"}, [2]string{"Accesso consentito", "Access granted"}},
	"MALFORMED":               {[2]string{"QR NON VALIDO", "INVALID QR"}, [2]string{"QR non leggibile o non è un biglietto Varco", "Unreadable QR or not a Varco ticket"}},
	"FORGED":                  {[2]string{"CONTRAFFATTO", "FORGED"}, [2]string{"Biglietto contraffatto o alterato", "Forged or tampered ticket"}},
	"UNKNOWN_KEY":             {[2]string{"CHIAVE SCONOSCIUTA", "UNKNOWN KEY"}, [2]string{"Biglietto firmato con una chiave sconosciuta", "Ticket signed with an unknown key"}},
	gate.ReasonRevoked:        {[2]string{"ANNULLATO", "CANCELLED"}, [2]string{"Biglietto annullato", "Ticket cancelled"}},
	gate.ReasonWrongResource:  {[2]string{"ALTRO EVENTO", "WRONG EVENT"}, [2]string{"Biglietto per un altro evento", "Ticket for another event"}},
	gate.ReasonWrongDirection: {[2]string{"DIREZIONE ERRATA", "WRONG DIRECTION"}, [2]string{"Questo varco non registra questa direzione", "This gate does not scan this direction"}},
	"TOO_EARLY":               {[2]string{"TROPPO PRESTO", "TOO EARLY"}, [2]string{"Troppo presto: il biglietto non è ancora valido", "Too early: the ticket is not valid yet"}},
	"TOO_LATE":                {[2]string{"TROPPO TARDI", "TOO LATE"}, [2]string{"Troppo tardi: il biglietto è scaduto", "Too late: the ticket has expired"}},
	gate.ReasonAlreadyInside:  {[2]string{"GIÀ DENTRO", "ALREADY INSIDE"}, [2]string{"Già entrato: il titolare risulta dentro", "Already inside"}},
	gate.ReasonAlreadyUsed:    {[2]string{"GIÀ USATO", "ALREADY USED"}, [2]string{"Biglietto già usato (uscita registrata)", "Ticket already used (exit recorded)"}},
	gate.ReasonStayExpired:    {[2]string{"TEMPO SCADUTO", "STAY EXPIRED"}, [2]string{"Tempo di permanenza scaduto", "Stay time ran out"}},
	gate.ReasonNotInside:      {[2]string{"NON ENTRATO", "NOT INSIDE"}, [2]string{"Uscita senza ingresso registrato", "Exit without a recorded entry"}},
	gate.ReasonVenueFull:      {[2]string{"CAPIENZA RAGGIUNTA", "VENUE FULL"}, [2]string{"Capienza raggiunta, attendere un'uscita", "Venue full, wait for someone to leave"}},
	ReasonDataTooOld:          {[2]string{"DATI TROPPO VECCHI", "DATA TOO OLD"}, [2]string{"Dati del dispositivo troppo vecchi: ricollegare alla rete", "Device data too old: reconnect to the network"}},
	ReasonDeviceRefused:       {[2]string{"DISPOSITIVO NON AUTORIZZATO", "DEVICE NOT AUTHORIZED"}, [2]string{"Il server non riconosce questo dispositivo: registrarlo di nuovo", "The server does not accept this device: enroll it again"}},
}

func (l Lang) index() int {
	if l == English {
		return 1
	}
	return 0
}

// Label is the short, upper-case name of a reason.
func (l Lang) Label(r gate.Reason) string {
	if t, ok := reasonText[r]; ok {
		return t.short[l.index()]
	}
	return string(r)
}

// Message is the full sentence for a result.
func (l Lang) Message(r Result) string {
	if t, ok := reasonText[r.Reason]; ok {
		return t.long[l.index()]
	}
	return string(r.Reason)
}

// DirectionLabel names a direction.
func (l Lang) DirectionLabel(d gate.Direction) string {
	switch d {
	case gate.Entry:
		return l.pick("ENTRATA", "ENTRY")
	case gate.Exit:
		return l.pick("USCITA", "EXIT")
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
		parts = append(parts, l.pick("tempo rimasto ", "time left ")+FormatDuration(r.TimeLeft))
	}
	if r.Reason == gate.ReasonAlreadyInside && !r.EnteredAt.IsZero() {
		parts = append(parts, l.pick("entrato alle ", "entered at ")+r.EnteredAt.In(loc).Format("15:04 MST"))
	}
	if r.Verdict != gate.Accepted && r.TicketID != "" {
		parts = append(parts, "("+l.pick("biglietto ", "ticket ")+ShortID(r.TicketID)+")")
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
		return l.pick("1 posto", "1 seat")
	}
	return fmt.Sprintf("%d %s", n, l.pick("posti", "seats"))
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
