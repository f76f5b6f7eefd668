package export

import (
	"strconv"

	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/booking"
)

// bookingColumns are the columns of a bookings export, in order; see
// docs/exports.md for what each holds.
var bookingColumns = []label{
	"export.col.booking.code",
	"export.col.booking.status",
	"export.col.booking.service",
	"export.col.booking.place",
	"export.col.booking.operator",
	"export.col.booking.date",
	"export.col.booking.start",
	"export.col.booking.end",
	"export.col.booking.seats",
	"export.col.booking.mode",
	"export.col.booking.given_name",
	"export.col.booking.family_name",
	"export.col.booking.codice_fiscale",
	"export.col.booking.email",
	"export.col.booking.phone",
	"export.col.booking.booked_by",
	"export.col.booking.on_behalf",
	"export.col.booking.channel",
	"export.col.booking.created_at",
	"export.col.booking.attendance",
	"export.col.booking.status_changed_at",
	"export.col.booking.status_changed_by",
	"export.col.booking.change_reason",
	"export.col.booking.moved_from",
	"export.col.booking.moved_to",
	"export.col.booking.reason",
	"export.col.booking.notes",
	"export.col.booking.anonymized",
	"export.col.booking.start_utc",
	"export.col.booking.end_utc",
	"export.col.booking.booking_id",
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
