package export

import (
	"time"

	"github.com/varco-gate/varco/internal/i18n"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/gate"
)

// label is the catalog key of a column header or a cell's text; the
// catalog has it in Italian, English and German.
type label string

func (l label) in(lang string) string { return i18n.T(lang, string(l)) }

var (
	statusLabels = map[booking.Status]label{
		booking.Confirmed:           "export.status.confirmed",
		booking.CancelledByUser:     "export.status.cancelled_by_user",
		booking.CancelledByOperator: "export.status.cancelled_by_operator",
		booking.Done:                "export.status.done",
		booking.NoShow:              "export.status.no_show",
		booking.Rescheduled:         "export.status.rescheduled",
	}
	attendanceLabels = map[booking.Status]label{
		booking.Done:   "export.attendance.done",
		booking.NoShow: "export.attendance.no_show",
	}
	modeLabels = map[catalog.Mode]label{
		catalog.ModeInPerson:  "export.mode.in_person",
		catalog.ModePhone:     "export.mode.phone",
		catalog.ModeVideoCall: "export.mode.video_call",
	}
	// actorLabels name who changed a booking without naming citizens: the
	// export carries the beneficiary's data in its own columns, and an
	// anonymized booking must not keep a name here.
	actorLabels = map[booking.ActorKind]label{
		booking.ActorAnonymous: "export.actor.anonymous",
		booking.ActorCitizen:   "export.actor.citizen",
		booking.ActorStaff:     "export.actor.staff",
		booking.ActorDevice:    "export.actor.device",
		booking.ActorSystem:    "export.actor.system",
	}
	channelLabels = map[bool]label{false: "export.channel.online", true: "export.channel.counter"}
	yesNo         = map[bool]label{false: "export.no", true: "export.yes"}

	directionLabels = map[gate.Direction]label{gate.Entry: "export.direction.entry", gate.Exit: "export.direction.exit"}
	verdictLabels   = map[gate.Verdict]label{
		gate.Accepted: "export.verdict.accepted",
		gate.Refused:  "export.verdict.refused",
		gate.Flagged:  "export.verdict.flagged",
	}
)

// Date and time layouts per language: what Excel recognizes as a date in
// Italy (dd/mm/yyyy) and in German (dd.mm.yyyy), and ISO dates in English,
// which every locale reads the same way (07/12 would be July in the US).
var (
	dateLayouts     = map[string]string{i18n.IT: "02/01/2006", i18n.EN: "2006-01-02", i18n.DE: "02.01.2006"}
	dateTimeLayouts = map[string]string{i18n.IT: "02/01/2006 15:04", i18n.EN: "2006-01-02 15:04", i18n.DE: "02.01.2006 15:04"}
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
	return t.In(loc).Format(dateLayouts[i18n.Normalize(f.lang)])
}

func (f *rowFormat) dateTime(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(dateTimeLayouts[i18n.Normalize(f.lang)])
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
