package calendar_test

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	goical "github.com/emersion/go-ical"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/calendar"
	"github.com/varco-gate/varco/internal/catalog"
)

var rome = mustLoad("Europe/Rome")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// stamp is the injected "now" of every file.
var stamp = time.Date(2026, 10, 1, 7, 30, 15, 123, time.UTC)

// sample is a booking of the demo electronic ID card service.
func sample() calendar.Event {
	start := time.Date(2026, 10, 20, 9, 15, 0, 0, rome)
	return calendar.Event{
		BookingID: "0b8f6a64-5c1e-4e84-a6a3-1f2d3c4b5a69", Code: "KM7R-4TXA",
		Start: start, End: start.Add(15 * time.Minute),
		ResourceName:     "Carta d'identità elettronica",
		PlaceName:        "Ufficio Anagrafe",
		Address:          catalog.Address{Street: "Piazza del Municipio 1", PostalCode: "46010", City: "Borgo Varco", Province: "MN", Country: "IT"},
		Location:         &catalog.GeoPoint{Latitude: 45.1553, Longitude: 10.7473},
		Operator:         "Sportello 1 - Laura",
		Documents:        []string{"Una fototessera recente (formato ICAO)", "Ricevuta del pagamento di 22,21 euro"},
		OrganizationName: "Comune di Borgo Varco",
		Contacts:         catalog.Contacts{Phone: "+390376000001", Email: "anagrafe@comune.borgovarco.example", Website: "https://comune.borgovarco.example"},
		OrganizerEmail:   "anagrafe@comune.borgovarco.example",
		ReminderLead:     24 * time.Hour,
		CancelURL:        "https://prenota.example/bookings/KM7R4TXA/cancel?token=vc_abc",
	}
}

// parse decodes a file with go-ical, a parser independent of the library
// that wrote it, and returns the calendar and its only event.
func parse(t *testing.T, data []byte) (*goical.Calendar, goical.Event) {
	t.Helper()
	cal, err := goical.NewDecoder(bytes.NewReader(data)).Decode()
	require.NoError(t, err, "%s", data)
	events := cal.Events()
	require.Len(t, events, 1)
	return cal, events[0]
}

func text(t *testing.T, c *goical.Component, name string) string {
	t.Helper()
	p := c.Props.Get(name)
	require.NotNil(t, p, "property %s missing", name)
	s, err := p.Text()
	require.NoError(t, err)
	return s
}

func raw(t *testing.T, c *goical.Component, name string) string {
	t.Helper()
	p := c.Props.Get(name)
	require.NotNil(t, p, "property %s missing", name)
	return p.Value
}

func TestGenerateEveryProperty(t *testing.T) {
	t.Parallel()
	ev := sample()
	data, err := calendar.Generate(ev, stamp)
	require.NoError(t, err)
	cal, e := parse(t, data)

	require.Equal(t, "-//Varco//Prenotazioni//IT", raw(t, cal.Component, "PRODID"))
	require.Equal(t, "2.0", raw(t, cal.Component, "VERSION"))
	require.Equal(t, "GREGORIAN", raw(t, cal.Component, "CALSCALE"))
	require.Equal(t, "PUBLISH", raw(t, cal.Component, "METHOD"))

	require.Equal(t, ev.BookingID+"@varco", text(t, e.Component, "UID"))
	require.Equal(t, "20261001T073015Z", raw(t, e.Component, "DTSTAMP"))
	require.Equal(t, "20261020T071500Z", raw(t, e.Component, "DTSTART"), "09:15 CEST is 07:15 UTC")
	require.Equal(t, "20261020T073000Z", raw(t, e.Component, "DTEND"))
	start, err := e.DateTimeStart(nil)
	require.NoError(t, err)
	require.True(t, start.Equal(ev.Start))
	end, err := e.DateTimeEnd(nil)
	require.NoError(t, err)
	require.True(t, end.Equal(ev.End))

	require.Equal(t, "Carta d'identità elettronica – KM7R-4TXA", text(t, e.Component, "SUMMARY"))
	require.Equal(t, "Ufficio Anagrafe, Piazza del Municipio 1, 46010 Borgo Varco (MN)", text(t, e.Component, "LOCATION"))
	require.Equal(t, "45.1553;10.7473", raw(t, e.Component, "GEO"))
	require.Equal(t, strings.Join([]string{
		"Codice prenotazione: KM7R-4TXA",
		"Operatore: Sportello 1 - Laura",
		"",
		"Documenti da portare:",
		"- Una fototessera recente (formato ICAO)",
		"- Ricevuta del pagamento di 22,21 euro",
		"",
		"Per annullare: https://prenota.example/bookings/KM7R4TXA/cancel?token=vc_abc",
		"",
		"Contatti:",
		"Comune di Borgo Varco",
		"Tel.: +390376000001",
		"E-mail: anagrafe@comune.borgovarco.example",
		"Sito: https://comune.borgovarco.example",
	}, "\n"), text(t, e.Component, "DESCRIPTION"))
	u, err := e.Props.URI("URL")
	require.NoError(t, err)
	require.Equal(t, ev.CancelURL, u.String())
	require.Equal(t, "CONFIRMED", raw(t, e.Component, "STATUS"))
	require.Equal(t, "0", raw(t, e.Component, "SEQUENCE"))
	org := e.Props.Get("ORGANIZER")
	require.NotNil(t, org)
	require.Equal(t, "mailto:anagrafe@comune.borgovarco.example", org.Value)
	require.Equal(t, "Comune di Borgo Varco", org.Params.Get("CN"))

	require.Len(t, e.Children, 1)
	alarm := e.Children[0]
	require.Equal(t, "VALARM", alarm.Name)
	require.Equal(t, "DISPLAY", raw(t, alarm, "ACTION"))
	trigger, err := alarm.Props.Get("TRIGGER").Duration()
	require.NoError(t, err)
	require.Equal(t, -24*time.Hour, trigger, "the resource's reminder lead")
	require.Equal(t, "Promemoria: Carta d'identità elettronica – KM7R-4TXA", text(t, alarm, "DESCRIPTION"))
}

func TestGenerateInEnglish(t *testing.T) {
	t.Parallel()
	ev := sample()
	ev.Language = "en"
	data, err := calendar.Generate(ev, stamp)
	require.NoError(t, err)
	_, e := parse(t, data)
	desc := text(t, e.Component, "DESCRIPTION")
	require.Contains(t, desc, "Booking code: KM7R-4TXA\n")
	require.Contains(t, desc, "Documents to bring:\n- Una fototessera")
	require.Contains(t, desc, "To cancel: https://")
	require.Contains(t, desc, "Phone: +390376000001")
	require.Equal(t, "Reminder: Carta d'identità elettronica – KM7R-4TXA", text(t, e.Children[0], "DESCRIPTION"))
}

// German, for Alto Adige / Südtirol: the file's own words from the
// catalog; the service's texts stay as the office wrote them.
func TestGenerateInGerman(t *testing.T) {
	t.Parallel()
	ev := sample()
	ev.Language = "de"
	data, err := calendar.Generate(ev, stamp)
	require.NoError(t, err)
	_, e := parse(t, data)
	desc := text(t, e.Component, "DESCRIPTION")
	require.Contains(t, desc, "Buchungscode: KM7R-4TXA\n")
	require.Contains(t, desc, "Mitzubringende Unterlagen:\n- Una fototessera")
	require.Contains(t, desc, "Zum Stornieren: https://")
	require.Equal(t, "Erinnerung: Carta d'identità elettronica – KM7R-4TXA", text(t, e.Children[0], "DESCRIPTION"))
	ev.Cancelled = true
	data, err = calendar.Generate(ev, stamp)
	require.NoError(t, err)
	_, e = parse(t, data)
	require.Equal(t, "Storniert: Carta d'identità elettronica – KM7R-4TXA", text(t, e.Component, "SUMMARY"))
}

func TestCancelledBookingUpdatesTheEvent(t *testing.T) {
	t.Parallel()
	ev := sample()
	ev.Cancelled = true
	data, err := calendar.Generate(ev, stamp)
	require.NoError(t, err)
	_, e := parse(t, data)
	require.Equal(t, ev.BookingID+"@varco", text(t, e.Component, "UID"), "same UID, so the calendar replaces the event")
	require.Equal(t, "CANCELLED", raw(t, e.Component, "STATUS"))
	require.Equal(t, "1", raw(t, e.Component, "SEQUENCE"))
	require.Equal(t, "Annullata: Carta d'identità elettronica – KM7R-4TXA", text(t, e.Component, "SUMMARY"))
	desc := text(t, e.Component, "DESCRIPTION")
	require.True(t, strings.HasPrefix(desc, "Prenotazione annullata.\n"), desc)
	require.NotContains(t, desc, "Per annullare", "no cancel link for a cancelled booking")
	require.Empty(t, e.Children, "no alarm for a booking that does not take place")
}

func TestReminderLeadAndOptionalParts(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		lead    time.Duration
		trigger string
	}{
		{0, "-PT1H"},
		{-time.Minute, "-PT1H"},
		{90 * time.Minute, "-PT1H30M"},
		{26*time.Hour + 45*time.Second, "-P1DT2H45S"},
		{48 * time.Hour, "-P2D"},
	} {
		ev := calendar.Event{BookingID: "b1", Code: "AAAA-BBBB", Start: stamp, End: stamp.Add(time.Hour), ReminderLead: tc.lead}
		data, err := calendar.Generate(ev, stamp)
		require.NoError(t, err)
		_, e := parse(t, data)
		require.Equal(t, tc.trigger, raw(t, e.Children[0], "TRIGGER"), "lead %v", tc.lead)
		// Nothing known, nothing invented.
		for _, name := range []string{"LOCATION", "GEO", "URL", "ORGANIZER"} {
			require.Nil(t, e.Props.Get(name), name)
		}
		require.Equal(t, "Prenotazione – AAAA-BBBB", text(t, e.Component, "SUMMARY"))
		require.Equal(t, "Codice prenotazione: AAAA-BBBB", text(t, e.Component, "DESCRIPTION"))
	}
}

func TestURLPrefersTheLiveLink(t *testing.T) {
	t.Parallel()
	ev := sample()
	ev.URL = calendar.Link("https://prenota.example/", "KM7R-4TXA", "vc_x+y")
	data, err := calendar.Generate(ev, stamp)
	require.NoError(t, err)
	_, e := parse(t, data)
	require.Equal(t, "https://prenota.example/bookings/KM7R4TXA/calendar.ics?token=vc_x%2By", raw(t, e.Component, "URL"))
	require.Contains(t, text(t, e.Component, "DESCRIPTION"), "Per annullare: "+ev.CancelURL)
}

func TestRemoteModesHaveNoPlace(t *testing.T) {
	t.Parallel()
	for mode, want := range map[catalog.Mode]string{catalog.ModePhone: "Appuntamento telefonico", catalog.ModeVideoCall: "Videochiamata"} {
		ev := sample()
		ev.Mode = mode
		data, err := calendar.Generate(ev, stamp)
		require.NoError(t, err)
		_, e := parse(t, data)
		require.Equal(t, want, text(t, e.Component, "LOCATION"))
		require.Nil(t, e.Props.Get("GEO"))
		require.Contains(t, text(t, e.Component, "DESCRIPTION"), "Modalità: "+want)
	}
}

// Long Italian text with accents, commas, semicolons, backslashes and line
// breaks: every physical line is at most 75 octets, ends in CRLF, holds
// whole UTF-8 characters, and every value reads back exactly.
func TestFoldingAndEscaping(t *testing.T) {
	t.Parallel()
	ev := sample()
	ev.ResourceName = "Cambio di residenza; dichiarazione anagrafica, con verifica è più lunga — perché sì"
	ev.PlaceName = "Sala “Quaranta”; piano terra, lato nord"
	ev.Documents = []string{
		"Documento d'identità valido; se è scaduto, la denuncia di smarrimento rilasciata dai Carabinieri o dalla Polizia di Stato",
		"Codice fiscale di tutti i componenti del nucleo familiare, anche minorenni; più eventuale delega firmata",
		`Percorso C:\Documenti\Modulo\ — conservalo`,
		"Righe\r\nWindows e\rMac classico e\ttabulazione",
	}
	ev.OrganizationName = "Comune di Sant'Angelo, Servizi Demografici; Ufficio “Stato civile”"
	data, err := calendar.Generate(ev, stamp)
	require.NoError(t, err)

	require.True(t, bytes.HasSuffix(data, []byte("END:VCALENDAR\r\n")))
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\r\n")), []byte("\r\n"))
	folded := 0
	for _, l := range lines {
		require.LessOrEqual(t, len(l), 75, "line of %d octets: %q", len(l), l)
		require.NotContains(t, string(l), "\n", "bare LF")
		require.NotContains(t, string(l), "\r", "bare CR")
		require.True(t, utf8.Valid(l), "a UTF-8 character was split: %q", l)
		if len(l) > 0 && l[0] == ' ' {
			folded++
		}
	}
	require.Greater(t, folded, 5, "long values must have been folded")

	unfolded := strings.ReplaceAll(string(data), "\r\n ", "")
	require.Contains(t, unfolded, `SUMMARY:Cambio di residenza\; dichiarazione anagrafica\, con verifica`)
	require.Contains(t, unfolded, `Percorso C:\\Documenti\\Modulo\\ — conservalo`)
	require.Contains(t, unfolded, `\n- Righe\nWindows e\nMac classico e`)

	_, e := parse(t, data)
	require.Equal(t, ev.ResourceName+" – KM7R-4TXA", text(t, e.Component, "SUMMARY"))
	require.Equal(t, ev.PlaceName+", Piazza del Municipio 1, 46010 Borgo Varco (MN)", text(t, e.Component, "LOCATION"))
	desc := text(t, e.Component, "DESCRIPTION")
	for _, d := range ev.Documents[:3] {
		require.Contains(t, desc, "\n- "+d+"\n")
	}
	require.Contains(t, desc, "\n- Righe\nWindows e\nMac classico e\ttabulazione\n")
	require.Contains(t, desc, "\n"+ev.OrganizationName+"\n")
	require.Equal(t, "Comune di Sant’Angelo Servizi Demografici Ufficio “Stato civile”", e.Props.Get("ORGANIZER").Params.Get("CN"))
}

func TestTimesAreUTCAcrossDST(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		local      time.Time
		start, end string
	}{
		// 25 October 2026: clocks go back at 03:00 CEST; 10:00 is CET (+1).
		{time.Date(2026, 10, 25, 10, 0, 0, 0, rome), "20261025T090000Z", "20261025T091500Z"},
		{time.Date(2026, 10, 24, 10, 0, 0, 0, rome), "20261024T080000Z", "20261024T081500Z"},
		// 29 March 2026: clocks go forward at 02:00 CET; 10:00 is CEST (+2).
		{time.Date(2026, 3, 29, 10, 0, 0, 0, rome), "20260329T080000Z", "20260329T081500Z"},
		{time.Date(2026, 3, 28, 10, 0, 0, 0, rome), "20260328T090000Z", "20260328T091500Z"},
	} {
		ev := sample()
		ev.Start, ev.End = tc.local, tc.local.Add(15*time.Minute)
		data, err := calendar.Generate(ev, stamp.In(rome))
		require.NoError(t, err)
		_, e := parse(t, data)
		require.Equal(t, tc.start, raw(t, e.Component, "DTSTART"), "%v", tc.local)
		require.Equal(t, tc.end, raw(t, e.Component, "DTEND"))
		require.Equal(t, "20261001T073015Z", raw(t, e.Component, "DTSTAMP"), "DTSTAMP in UTC whatever the clock's zone")
		require.Empty(t, e.Props.Get("DTSTART").Params.Get("TZID"))
	}
}

func TestGenerateRejectsIncompleteEvents(t *testing.T) {
	t.Parallel()
	for name, mutate := range map[string]func(*calendar.Event){
		"no id":         func(e *calendar.Event) { e.BookingID = "" },
		"no code":       func(e *calendar.Event) { e.Code = "" },
		"no start":      func(e *calendar.Event) { e.Start = time.Time{} },
		"end too early": func(e *calendar.Event) { e.End = e.Start },
	} {
		ev := sample()
		mutate(&ev)
		_, err := calendar.Generate(ev, stamp)
		require.Error(t, err, name)
	}
}

func TestFileNameAndLink(t *testing.T) {
	t.Parallel()
	require.Equal(t, "prenotazione-KM7R4TXA.ics", calendar.FileName("KM7R-4TXA"))
	require.Equal(t, "prenotazione-KM7R4TXA.ics", calendar.FileName("KM7R4TXA"))
	require.Equal(t, "http://127.0.0.1:8080/bookings/KM7R4TXA/calendar.ics?token=vc_AbC-_d",
		calendar.Link("http://127.0.0.1:8080", "KM7R-4TXA", "vc_AbC-_d"))
}
