package export

import (
	"time"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/gate"
)

// label is a text in Italian and English.
type label [2]string

func (l label) in(lang string) string {
	if lang == "en" {
		return l[1]
	}
	return l[0]
}

var (
	statusLabels = map[booking.Status]label{
		booking.Confirmed:           {"Confermata", "Confirmed"},
		booking.CancelledByUser:     {"Annullata dal cittadino", "Cancelled by the citizen"},
		booking.CancelledByOperator: {"Annullata dall'ufficio", "Cancelled by the office"},
		booking.Done:                {"Svolta", "Done"},
		booking.NoShow:              {"Assente", "No-show"},
		booking.Rescheduled:         {"Spostata", "Rescheduled"},
	}
	attendanceLabels = map[booking.Status]label{
		booking.Done:   {"Presente", "Attended"},
		booking.NoShow: {"Assente", "Absent"},
	}
	modeLabels = map[catalog.Mode]label{
		catalog.ModeInPerson:  {"In presenza", "In person"},
		catalog.ModePhone:     {"Telefono", "Phone"},
		catalog.ModeVideoCall: {"Videochiamata", "Video call"},
	}
	// actorLabels name who changed a booking without naming citizens: the
	// export carries the beneficiary's data in its own columns, and an
	// anonymized booking must not keep a name here.
	actorLabels = map[booking.ActorKind]label{
		booking.ActorAnonymous: {"Cittadino (link nell'e-mail)", "Citizen (e-mail link)"},
		booking.ActorCitizen:   {"Cittadino", "Citizen"},
		booking.ActorStaff:     {"Ufficio", "Office"},
		booking.ActorDevice:    {"Varco", "Gate"},
		booking.ActorSystem:    {"Varco (automatico)", "Varco (automatic)"},
	}
	channelLabels = map[bool]label{false: {"Online", "Online"}, true: {"Sportello", "Counter"}}
	yesNo         = map[bool]label{false: {"No", "No"}, true: {"Sì", "Yes"}}

	directionLabels = map[gate.Direction]label{gate.Entry: {"Ingresso", "Entry"}, gate.Exit: {"Uscita", "Exit"}}
	verdictLabels   = map[gate.Verdict]label{
		gate.Accepted: {"Accettata", "Accepted"},
		gate.Refused:  {"Rifiutata", "Refused"},
		gate.Flagged:  {"Segnalata", "Flagged"},
	}
)

// Date and time layouts per language: what Excel recognizes as a date in
// Italy (dd/mm/yyyy), and ISO dates in English, which every locale reads
// the same way (07/12 would be July in the US).
var (
	dateLayouts     = label{"02/01/2006", "2006-01-02"}
	dateTimeLayouts = label{"02/01/2006 15:04", "2006-01-02 15:04"}
)

const (
	clockLayout        = "15:04"
	clockSecondsLayout = "15:04:05"
)

// rowFormat formats one row's values in the file's language, caching time
// zones by name (an organization has one or a few).
type rowFormat struct {
	lang  string
	zone  *time.Location
	zones map[string]*time.Location
}

func newRowFormat(lang string, zone *time.Location) *rowFormat {
	return &rowFormat{lang: lang, zone: zone, zones: map[string]*time.Location{}}
}

// loc returns the named zone, or the plan's zone for "" or an unknown name.
func (f *rowFormat) loc(name string) *time.Location {
	if name == "" {
		return f.zone
	}
	if l, ok := f.zones[name]; ok {
		return l
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		l = f.zone
	}
	f.zones[name] = l
	return l
}

func (f *rowFormat) date(t time.Time, loc *time.Location) string {
	return t.In(loc).Format(dateLayouts.in(f.lang))
}

func (f *rowFormat) dateTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(dateTimeLayouts.in(f.lang))
}

// utc formats an instant as ISO 8601 in UTC, for programs and for telling
// apart the two 02:30 of the night clocks go back.
func utc(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (f *rowFormat) pick(m map[booking.Status]label, s booking.Status) string {
	if l, ok := m[s]; ok {
		return l.in(f.lang)
	}
	return ""
}
