// Package calendar renders a booking as an iCalendar file (RFC 5545) that
// Google Calendar, Outlook and Apple Calendar import: one event in UTC with
// a reminder alarm, and the booking code, documents to bring and contacts in
// its description. It does no I/O: the caller gathers the booking, resource,
// place and organization data into an Event.
//
// Encoding (line folding at 75 octets without splitting UTF-8 sequences,
// TEXT escaping of backslashes, commas, semicolons and newlines, CRLF line
// ends) is left to github.com/arran4/golang-ical.
package calendar

import (
	"errors"
	"fmt"
	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/booking"
	"net/url"
	"strconv"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/i18n"
)

// ProductID identifies Varco as the producer of the files (PRODID).
const ProductID = "-//Varco//Prenotazioni//IT"

// ContentType is the media type of the files (RFC 5545 §8.1).
const ContentType = "text/calendar; charset=utf-8"

// DefaultReminderLead is how long before the start the alarm rings when the
// resource does not set a reminder lead.
const DefaultReminderLead = time.Hour

// uidDomain makes event UIDs globally unique ("<booking id>@varco").
const uidDomain = "@varco"

// Event is what goes into a booking's calendar file. Times are instants;
// the file carries them in UTC, so no VTIMEZONE is needed and every client
// shows them in its own zone.
type Event struct {
	// BookingID makes the UID; required.
	BookingID string
	// Code is the booking code as people read it ("KM7R-4TXA"); required.
	Code string
	// Language is "it", "en" or "de"; anything else gives Italian.
	Language string
	// Start and End bound the booking; required, End after Start.
	Start, End time.Time
	// Cancelled marks a booking that no longer takes place (cancelled, or
	// moved to another slot): the event is published as CANCELLED with a
	// higher SEQUENCE, so a calendar that imported it updates it.
	Cancelled bool

	// ResourceName is the service booked ("Carta d'identità elettronica").
	ResourceName string
	// Mode is how the appointment takes place; 0 means in person.
	Mode catalog.Mode
	// PlaceName, Address and Location describe where, for in-person
	// bookings. Location may be nil.
	PlaceName string
	Address   catalog.Address
	Location  *catalog.GeoPoint
	// Operator is the operator's display name, when one was assigned.
	Operator string
	// Documents are the documents to bring, one per line in the description.
	Documents []string

	// OrganizationName and Contacts say who to contact.
	OrganizationName string
	Contacts         catalog.Contacts
	// OrganizerEmail becomes the ORGANIZER (mailto:) when set.
	OrganizerEmail string

	// ReminderLead is how long before Start the alarm rings;
	// DefaultReminderLead when not positive.
	ReminderLead time.Duration

	// MeetingURL is where a video call takes place: the event's LOCATION.
	MeetingURL string

	// CancelURL is the link that cancels without logging in (the e-mail's
	// cancel link); it is shown in the description when set.
	CancelURL string
	// URL is where a live version of the booking can be found (RFC 5545
	// §3.8.4.6); CancelURL is used when empty, and no URL when both are.
	URL string
}

// Generate returns the iCalendar file for ev, stamped (DTSTAMP) at now.
func Generate(ev Event, now time.Time) ([]byte, error) {
	if err := ev.validate(); err != nil {
		return nil, err
	}
	t := texts(ev.Language)

	cal := ics.NewCalendarFor("Varco")
	cal.SetProductId(ProductID)
	cal.SetVersion("2.0")
	cal.SetCalscale("GREGORIAN")
	cal.SetMethod(ics.MethodPublish)

	e := cal.AddEvent(ev.BookingID + uidDomain)
	e.SetDtStampTime(now.UTC())
	e.SetStartAt(ev.Start.UTC())
	e.SetEndAt(ev.End.UTC())
	e.SetSummary(clean(ev.summary(t)))
	if loc := ev.location(t); loc != "" {
		e.SetLocation(clean(loc))
	}
	if ev.inPerson() && ev.Location != nil {
		e.SetProperty(ics.ComponentPropertyGeo, formatFloat(ev.Location.Latitude)+";"+formatFloat(ev.Location.Longitude))
	}
	e.SetDescription(clean(ev.description(t)))
	if link := ev.link(); link != "" {
		e.SetURL(link)
	}
	if ev.OrganizerEmail != "" {
		var params []ics.PropertyParameter
		if cn := commonName(ev.OrganizationName); cn != "" {
			params = append(params, ics.WithCN(cn))
		}
		e.SetOrganizer("mailto:"+ev.OrganizerEmail, params...)
	}
	if ev.Cancelled {
		e.SetStatus(ics.ObjectStatusCancelled)
		e.SetSequence(1)
	} else {
		e.SetStatus(ics.ObjectStatusConfirmed)
		e.SetSequence(0)
		// Only a booking that takes place rings an alarm.
		lead := ev.ReminderLead
		if lead <= 0 {
			lead = DefaultReminderLead
		}
		a := e.AddAlarm()
		a.SetAction(ics.ActionDisplay)
		a.SetTrigger("-" + formatDuration(lead))
		a.SetProperty(ics.ComponentPropertyDescription, clean(t.reminder+": "+ev.summary(t)))
	}

	var b strings.Builder
	// CRLF explicitly: the library's default line end depends on the OS.
	if err := cal.SerializeTo(&b, ics.WithNewLineWindows, ics.WithLineLength(75)); err != nil {
		return nil, fmt.Errorf("calendar: encode: %w", err)
	}
	return []byte(b.String()), nil
}

// FromBooking builds a booking's event from the booking and its catalog
// description.
func FromBooking(b booking.Booking, d catalog.Description, lang string) Event {
	ev := Event{
		BookingID: b.ID, Code: token.FormatCode(b.Code), Language: lang, Start: b.Start, End: b.End,
		Cancelled:    b.Status == booking.CancelledByUser || b.Status == booking.CancelledByOperator || b.Status == booking.Rescheduled,
		ResourceName: d.Resource.Name, Mode: b.Mode, PlaceName: d.Place.Name, Address: d.Place.Address, Location: d.Place.Location,
		Documents: d.Resource.DocumentsToBring, OrganizationName: d.Organization.Name, Contacts: d.Contacts,
		OrganizerEmail: d.Contacts.Email, ReminderLead: d.Resource.Policy.ReminderLead, Operator: d.Operator,
	}
	if b.Mode == catalog.ModeVideoCall {
		ev.MeetingURL = booking.MeetingLink(b, d.Resource.Meeting)
	}
	if b.Mode == catalog.ModePhone || b.Mode == catalog.ModeVideoCall {
		// Nobody comes to the office: no documents to bring.
		ev.Documents = nil
	}
	return ev
}

// FileName is the suggested name of a booking's file
// ("prenotazione-KM7R4TXA.ics").
func FileName(code string) string {
	return "prenotazione-" + strings.ReplaceAll(code, "-", "") + ".ics"
}

// LinkPath is the path of the file link, with the booking code as {code}
// and the cancel token in the "token" query parameter.
const LinkPath = "/bookings/{code}/calendar.ics"

// Link is the URL of a booking's file that works without logging in: the
// public base URL, LinkPath with the code, and the cancel token.
func Link(publicBaseURL, code, cancelToken string) string {
	path := strings.Replace(LinkPath, "{code}", url.PathEscape(strings.ReplaceAll(code, "-", "")), 1)
	return strings.TrimRight(publicBaseURL, "/") + path + "?" + url.Values{"token": {cancelToken}}.Encode()
}

func (ev Event) validate() error {
	var errs []error
	if ev.BookingID == "" {
		errs = append(errs, errors.New("booking id is required"))
	}
	if ev.Code == "" {
		errs = append(errs, errors.New("code is required"))
	}
	if ev.Start.IsZero() || !ev.End.After(ev.Start) {
		errs = append(errs, fmt.Errorf("end %v must follow start %v", ev.End, ev.Start))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("calendar: %w", err)
	}
	return nil
}

func (ev Event) inPerson() bool { return ev.Mode == 0 || ev.Mode == catalog.ModeInPerson }

func (ev Event) link() string {
	if ev.URL != "" {
		return ev.URL
	}
	return ev.CancelURL
}

func (ev Event) summary(t labels) string {
	name := ev.ResourceName
	if name == "" {
		name = t.booking
	}
	s := name + " – " + ev.Code
	if ev.Cancelled {
		s = t.cancelledPrefix + s
	}
	return s
}

// location is the place and its address for in-person bookings, and how
// the appointment takes place otherwise.
func (ev Event) location(t labels) string {
	switch ev.Mode {
	case catalog.ModePhone:
		return t.phone
	case catalog.ModeVideoCall:
		if ev.MeetingURL != "" {
			return ev.MeetingURL
		}
		return t.video
	}
	return joinNonEmpty(", ", ev.PlaceName, formatAddress(ev.Address))
}

func (ev Event) description(t labels) string {
	var lines []string
	if ev.Cancelled {
		lines = append(lines, t.cancelled, "")
	}
	lines = append(lines, t.code+": "+ev.Code)
	if ev.Operator != "" {
		lines = append(lines, t.operator+": "+ev.Operator)
	}
	if !ev.inPerson() {
		lines = append(lines, t.mode+": "+ev.location(t))
	}
	if len(ev.Documents) > 0 {
		lines = append(lines, "", t.documents+":")
		for _, d := range ev.Documents {
			lines = append(lines, "- "+d)
		}
	}
	if ev.CancelURL != "" && !ev.Cancelled {
		lines = append(lines, "", t.cancel+": "+ev.CancelURL)
	}
	contacts := []string{}
	if ev.OrganizationName != "" {
		contacts = append(contacts, ev.OrganizationName)
	}
	if c := ev.Contacts.Phone; c != "" {
		contacts = append(contacts, t.phoneLabel+": "+c)
	}
	if c := ev.Contacts.Email; c != "" {
		contacts = append(contacts, t.email+": "+c)
	}
	if c := ev.Contacts.Website; c != "" {
		contacts = append(contacts, t.website+": "+c)
	}
	if len(contacts) > 0 {
		lines = append(lines, "", t.contacts+":")
		lines = append(lines, contacts...)
	}
	return strings.Join(lines, "\n")
}

// formatAddress gives an Italian postal line: "Via Roma 1, 46010 Borgo
// Varco (MN)", with the country only when it is not Italy.
func formatAddress(a catalog.Address) string {
	city := joinNonEmpty(" ", a.PostalCode, a.City)
	if a.Province != "" {
		city = joinNonEmpty(" ", city, "("+a.Province+")")
	}
	country := a.Country
	if strings.EqualFold(country, "IT") || strings.EqualFold(country, "Italia") || strings.EqualFold(country, "Italy") {
		country = ""
	}
	return joinNonEmpty(", ", a.Street, city, country)
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}

// formatDuration renders a positive duration as an RFC 5545 dur-value
// ("PT1H", "P1D", "P1DT2H30M"), rounded to the second.
func formatDuration(d time.Duration) string {
	d = d.Round(time.Second)
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h := d / time.Hour
	d -= h * time.Hour
	m := d / time.Minute
	d -= m * time.Minute
	s := d / time.Second
	var b strings.Builder
	b.WriteString("P")
	if days > 0 {
		fmt.Fprintf(&b, "%dD", days)
	}
	if h > 0 || m > 0 || s > 0 {
		b.WriteString("T")
		if h > 0 {
			fmt.Fprintf(&b, "%dH", h)
		}
		if m > 0 {
			fmt.Fprintf(&b, "%dM", m)
		}
		if s > 0 {
			fmt.Fprintf(&b, "%dS", s)
		}
	}
	if b.Len() == 1 {
		return "PT0S"
	}
	return b.String()
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// clean makes text safe for a TEXT value: line breaks become LF (which the
// encoder escapes as \n) and other control characters, which RFC 5545 does
// not allow in TEXT, are dropped.
func clean(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' || (r >= 0x20 && r != 0x7f) {
			return r
		}
		return -1
	}, s)
}

// commonName makes a name safe for the CN parameter. The library escapes
// parameter values with backslashes rather than quoting them as RFC 5545
// wants, so the characters that would need quoting are left out; a straight
// apostrophe becomes a typographic one.
func commonName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\'':
			return '’'
		case r == '"' || r == ';' || r == ':' || r == ',' || r == '\\':
			return ' '
		case r < 0x20 || r == 0x7f:
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// labels are the fixed texts of a file in one language.
type labels struct {
	booking, cancelledPrefix, cancelled, reminder      string
	code, operator, mode, documents, cancel            string
	contacts, phoneLabel, email, website, phone, video string
}

// texts reads a file's fixed texts from the catalog (ics.*) in lang.
func texts(lang string) labels {
	t := i18n.Picker(lang)
	return labels{
		booking: t("ics.booking"), cancelledPrefix: t("ics.cancelled_prefix", ""), cancelled: t("ics.cancelled"),
		reminder: t("ics.reminder"), code: t("ics.code"), operator: t("ics.operator"), mode: t("ics.mode"),
		documents: t("ics.documents"), cancel: t("ics.cancel"), contacts: t("ics.contacts"),
		phoneLabel: t("ics.phone_label"), email: t("ics.email"), website: t("ics.website"), phone: t("ics.phone"), video: t("ics.video"),
	}
}
