package export

import (
	"strconv"

	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/booking"
)

// bookingColumns are the columns of a bookings export, in order; see
// docs/exports.md for what each holds.
var bookingColumns = []label{
	{"Codice", "Code"},
	{"Stato", "Status"},
	{"Servizio", "Service"},
	{"Luogo", "Place"},
	{"Operatore", "Operator"},
	{"Data", "Date"},
	{"Inizio", "Start"},
	{"Fine", "End"},
	{"Posti", "Seats"},
	{"Modalità", "Mode"},
	{"Nome", "Given name"},
	{"Cognome", "Family name"},
	{"Codice fiscale", "Tax code (codice fiscale)"},
	{"E-mail", "E-mail"},
	{"Telefono", "Phone"},
	{"Prenotata da", "Booked by"},
	{"Per conto terzi", "On behalf of someone else"},
	{"Canale", "Channel"},
	{"Creata il", "Created at"},
	{"Presenza", "Attendance"},
	{"Stato cambiato il", "Status changed at"},
	{"Stato cambiato da", "Status changed by"},
	{"Motivo del cambio", "Reason for the change"},
	{"Spostata da", "Moved from"},
	{"Spostata a", "Moved to"},
	{"Motivo della prenotazione", "Reason for the booking"},
	{"Note", "Notes"},
	{"Dati anonimizzati", "Anonymized"},
	{"Inizio (UTC)", "Start (UTC)"},
	{"Fine (UTC)", "End (UTC)"},
	{"ID prenotazione", "Booking ID"},
}

func header(cols []label, lang string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.in(lang)
	}
	return out
}

// bookingRecord fills out (reused, len(bookingColumns)) with b's cells.
func (f *rowFormat) bookingRecord(out []string, b *BookingRow) []string {
	loc := f.loc(b.TimeZone)
	out = append(out[:0],
		token.FormatCode(b.Code),
		f.pick(statusLabels, b.Status),
		b.ResourceName,
		b.PlaceName,
		b.OperatorName,
		f.date(b.Start, loc),
		b.Start.In(loc).Format(clockLayout),
		b.End.In(loc).Format(clockLayout),
		strconv.Itoa(b.Seats),
		modeLabels[b.Mode].in(f.lang),
	)
	if b.Anonymized {
		// Retention or erasure blanked the person; whatever an account
		// still says about the booker must not bring them back.
		out = append(out, "", "", "", "", "", "")
	} else {
		out = append(out, b.GivenName, b.FamilyName, b.CodiceFiscale, b.Email, b.Phone, b.BookerName)
	}
	out = append(out,
		yesNo[b.OnBehalf].in(f.lang),
		channelLabels[b.BookedByStaff].in(f.lang),
		f.dateTime(b.CreatedAt, loc),
		f.pick(attendanceLabels, b.Status),
	)
	if c := b.LastChange; b.Status != booking.Confirmed && !c.At.IsZero() {
		out = append(out, f.dateTime(c.At, loc), f.actor(c.Actor), c.Reason)
	} else {
		out = append(out, "", "", "")
	}
	out = append(out,
		formatCode(b.RescheduledFrom),
		formatCode(b.RescheduledTo),
		b.Reason,
		b.Notes,
		yesNo[b.Anonymized].in(f.lang),
		utc(b.Start),
		utc(b.End),
		b.ID,
	)
	return out
}

// actor names who changed a booking: the staff member's name, a category
// for everyone else.
func (f *rowFormat) actor(a booking.Actor) string {
	if a.Kind == booking.ActorStaff && a.Name != "" {
		return a.Name
	}
	return actorLabels[a.Kind].in(f.lang)
}

func formatCode(c string) string {
	if c == "" {
		return ""
	}
	return token.FormatCode(c)
}
