package email_test

import (
	"html"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/admission"
	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/notify/email"
	"github.com/varco-gate/varco/internal/outbox"
)

func TestKindsMatchTheirProducers(t *testing.T) {
	t.Parallel()
	// The mailer does not import admission; this keeps the names aligned.
	require.Equal(t, admission.KindExpiryWarning, email.KindTicketExpiryWarn)
	require.Equal(t, admission.KindExpired, email.KindTicketExpired)
	require.Equal(t, outbox.KindBookingConfirmed, email.KindBookingConfirmed)
	require.Equal(t, outbox.KindWaitlistOffer, email.KindWaitlistOffer)
	require.Len(t, email.Kinds, 10)
}

func TestRenderEveryKindAndLanguage(t *testing.T) {
	t.Parallel()
	// want are strings of the text part; the HTML part must show them
	// too, once its entities are decoded.
	for _, tc := range []struct {
		kind, lang string
		subject    string
		want       []string
		notWant    []string
		qr         bool
	}{
		{
			kind: email.KindBookingConfirmed, lang: "it", qr: true,
			subject: "Prenotazione confermata: KM7R-4TXA",
			want: []string{"Gentile Mario Rossi,", "Prenotazione confermata", "KM7R-4TXA", "Carta d'identità elettronica",
				"Ufficio Anagrafe", "Piazza del Municipio 1", "lunedì 7 dicembre 2026, ore 08:30", "Sportello 2 – Laura",
				"Documenti da portare", "Una fototessera recente", "La vecchia carta d'identità",
				"Annulla la prenotazione", "In allegato trovi l'appuntamento"},
		},
		{
			kind: email.KindBookingConfirmed, lang: "en", qr: true,
			subject: "Booking confirmed: KM7R-4TXA",
			want: []string{"Dear Mario Rossi,", "KM7R-4TXA", "Monday 7 December 2026, 08:30", "Documents to bring",
				"Cancel the booking", "Sportello 2 – Laura"},
			notWant: []string{"lunedì", "Prenotazione"},
		},
		{
			kind: email.KindBookingRescheduled, lang: "it", qr: true,
			subject: "Prenotazione spostata: KM7R-4TXA",
			want:    []string{"Prenotazione spostata", "è stata spostata", "lunedì 7 dicembre 2026, ore 08:30", "Documenti da portare"},
		},
		{
			kind: email.KindBookingRescheduled, lang: "en", qr: true,
			subject: "Booking rescheduled: KM7R-4TXA",
			want:    []string{"Booking rescheduled", "has been moved", "Monday 7 December 2026, 08:30"},
		},
		{
			kind: email.KindBookingCancelled, lang: "it",
			subject: "Prenotazione annullata: KM7R-4TXA",
			want:    []string{"Prenotazione annullata", "KM7R-4TXA", "Motivo", "Ufficio chiuso per sciopero", "lunedì 7 dicembre 2026, ore 08:30", "toglie l'appuntamento"},
			notWant: []string{"Annulla la prenotazione", "Documenti da portare", "Mostra"},
		},
		{
			kind: email.KindBookingCancelled, lang: "en",
			subject: "Booking cancelled: KM7R-4TXA",
			want:    []string{"Booking cancelled", "Reason", "Ufficio chiuso per sciopero"},
			notWant: []string{"Cancel the booking"},
		},
		{
			kind: email.KindBookingReminder, lang: "it", qr: true,
			subject: "Promemoria: lunedì 7 dicembre 2026, ore 08:30",
			want:    []string{"Promemoria appuntamento", "KM7R-4TXA", "Documenti da portare", "Ufficio Anagrafe"},
		},
		{
			kind: email.KindBookingReminder, lang: "en", qr: true,
			subject: "Reminder: Monday 7 December 2026, 08:30",
			want:    []string{"Appointment reminder", "KM7R-4TXA", "Documents to bring"},
		},
		{
			kind: email.KindTicketExpiryWarn, lang: "it", qr: true,
			subject: "Il tuo biglietto scade alle 16:40",
			want:    []string{"il tuo biglietto scade alle 16:40", "KM7R-4TXA", "Ufficio Anagrafe"},
			notWant: []string{"Documenti da portare", "Annulla", "In allegato"},
		},
		{
			kind: email.KindTicketExpiryWarn, lang: "en", qr: true,
			subject: "Your ticket expires at 16:40",
			want:    []string{"your ticket expires at 16:40", "KM7R-4TXA"},
		},
		{
			kind: email.KindTicketExpired, lang: "it",
			subject: "Il tuo biglietto è scaduto alle 16:40",
			want:    []string{"Biglietto scaduto", "il tuo biglietto è scaduto alle 16:40", "KM7R-4TXA"},
			notWant: []string{"Mostra"},
		},
		{
			kind: email.KindTicketExpired, lang: "en",
			subject: "Your ticket expired at 16:40",
			want:    []string{"Ticket expired", "your ticket expired at 16:40"},
		},
	} {
		t.Run(tc.kind+"/"+tc.lang, func(t *testing.T) {
			t.Parallel()
			v := bookingView(t)
			v.Language = tc.lang
			v.Reason = "Ufficio chiuso per sciopero"
			subject, text, htm, err := email.Render(tc.kind, v)
			require.NoError(t, err)
			require.Equal(t, tc.subject, subject)
			plain := html.UnescapeString(htm)
			for _, w := range tc.want {
				require.Contains(t, text, w)
				require.Contains(t, plain, w)
			}
			for _, w := range tc.notWant {
				require.NotContains(t, text, w)
				require.NotContains(t, plain, w)
			}
			require.Contains(t, htm, `<html lang="`+tc.lang+`">`)
			if tc.qr {
				require.Contains(t, htm, `<img src="cid:qr"`)
				show := map[string]string{"it": "Mostra questo QR all'ingresso", "en": "Show this QR code at the entrance"}[tc.lang]
				require.Contains(t, plain, show)
			} else {
				require.NotContains(t, htm, "cid:qr")
			}
			for _, body := range []string{text, htm} {
				require.NotContains(t, body, "<no value>")
				require.NotContains(t, body, "%!")
				require.NotContains(t, body, "ZgotmplZ")
			}
		})
	}
}

func TestRenderItalianDates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		start time.Time
		want  string
	}{
		// 07:30 UTC is 08:30 in Rome in winter (CET) ...
		{time.Date(2026, 12, 7, 7, 30, 0, 0, time.UTC), "lunedì 7 dicembre 2026, ore 08:30"},
		// ... and 06:30 UTC is 08:30 in summer (CEST).
		{time.Date(2026, 8, 15, 6, 30, 0, 0, time.UTC), "sabato 15 agosto 2026, ore 08:30"},
		{time.Date(2027, 1, 1, 23, 5, 0, 0, time.UTC), "sabato 2 gennaio 2027, ore 00:05"},
		{time.Date(2026, 3, 29, 8, 0, 0, 0, time.UTC), "domenica 29 marzo 2026, ore 10:00"},
	} {
		v := bookingView(t)
		v.Start = tc.start
		_, text, _, err := email.Render(email.KindBookingConfirmed, v)
		require.NoError(t, err)
		require.Contains(t, text, tc.want)
	}
}

func TestRenderTimeZone(t *testing.T) {
	t.Parallel()
	v := bookingView(t)
	v.TicketExpires = time.Date(2026, 12, 7, 15, 40, 0, 0, time.UTC) // 16:40 in Rome
	v.Start = v.Start.UTC()
	subject, _, _, err := email.Render(email.KindTicketExpiryWarn, v)
	require.NoError(t, err)
	require.Equal(t, "Il tuo biglietto scade alle 16:40", subject)

	v.TimeZone = nil // Europe/Rome is the default
	subject, _, _, err = email.Render(email.KindTicketExpiryWarn, v)
	require.NoError(t, err)
	require.Equal(t, "Il tuo biglietto scade alle 16:40", subject)

	v.TimeZone = time.UTC
	subject, _, _, err = email.Render(email.KindTicketExpiryWarn, v)
	require.NoError(t, err)
	require.Equal(t, "Il tuo biglietto scade alle 15:40", subject)

	// Past midnight the date is named, or "16:40" would mislead.
	v.TimeZone = rome
	v.TicketExpires = time.Date(2026, 12, 8, 0, 30, 0, 0, rome)
	_, text, _, err := email.Render(email.KindTicketExpiryWarn, v)
	require.NoError(t, err)
	require.Contains(t, text, "scade alle 00:30 di martedì 8 dicembre 2026")
}

func TestRenderEscapesUserText(t *testing.T) {
	t.Parallel()
	v := bookingView(t)
	v.Beneficiary = `<script>alert("x")</script>`
	v.Resource = `Servizio <b>grassetto</b> & "citato"`
	v.Documents = []string{`<img src=x onerror=alert(1)>`}
	v.Operator = "Laura\r\nBcc: x@y"
	_, text, htm, err := email.Render(email.KindBookingConfirmed, v)
	require.NoError(t, err)
	require.NotContains(t, htm, "<script>")
	require.NotContains(t, htm, "<b>grassetto")
	require.NotContains(t, htm, "<img src=x")
	require.Contains(t, htm, "&lt;script&gt;")
	require.Contains(t, htm, "&amp; &#34;citato&#34;")
	require.Contains(t, text, `<script>alert("x")</script>`, "the text part shows the name as it is")
	require.Contains(t, text, "Operatore: Laura Bcc: x@y", "one line per field")

	// A link that is not http(s) is dropped from both parts.
	v.CancelURL = "javascript:alert(1)"
	_, text, htm, err = email.Render(email.KindBookingConfirmed, v)
	require.NoError(t, err)
	require.NotContains(t, htm, "javascript:")
	require.NotContains(t, text, "javascript:")
	require.NotContains(t, text, "Annulla la prenotazione")
}

func TestRenderWithoutOptionalData(t *testing.T) {
	t.Parallel()
	v := notify.BookingView{Code: "AB12-CD34", Email: citizenAddr}
	for _, kind := range email.Kinds {
		subject, text, htm, err := email.Render(kind, v)
		require.NoError(t, err, kind)
		require.NotEmpty(t, subject, kind)
		require.Contains(t, text, "Gentile utente,", kind)
		require.NotContains(t, htm, "cid:qr", kind)
		require.NotContains(t, text, "Data e ora", kind)
	}
	subject, _, _, err := email.Render(email.KindTicketExpired, v)
	require.NoError(t, err)
	require.Equal(t, "Biglietto scaduto", subject, "no time to name")

	_, _, _, err = email.Render("booking.teleported", v)
	require.ErrorIs(t, err, email.ErrUnknownKind)
}

func TestCompose(t *testing.T) {
	t.Parallel()
	v := bookingView(t)
	e, err := email.Compose(email.KindBookingConfirmed, v, "outbox-1")
	require.NoError(t, err)
	require.Equal(t, citizenAddr, e.To)
	require.Equal(t, "outbox-1", e.MessageID)
	require.Equal(t, "Prenotazione confermata: KM7R-4TXA", e.Subject)
	require.True(t, strings.Contains(e.Text, "KM7R-4TXA") && strings.Contains(e.HTML, "KM7R-4TXA"))
	require.Equal(t, []notify.Attachment{{Name: "qr.png", ContentType: "image/png", ContentID: "qr", Data: v.QRPNG}}, e.Inline)
	require.Equal(t, []notify.Attachment{{Name: "prenotazione-KM7R4TXA.ics", ContentType: email.ICSContentType, Data: v.ICS}}, e.Files)

	// Not ticketed: no QR, neither the part nor the reference to it.
	v.QRPNG = nil
	e, err = email.Compose(email.KindBookingConfirmed, v, "outbox-1")
	require.NoError(t, err)
	require.Empty(t, e.Inline)
	require.NotContains(t, e.HTML, "cid:qr")

	// The cancellation shows no QR; the ticket messages attach no file.
	v = bookingView(t)
	e, err = email.Compose(email.KindBookingCancelled, v, "outbox-2")
	require.NoError(t, err)
	require.Empty(t, e.Inline)
	require.Len(t, e.Files, 1)
	e, err = email.Compose(email.KindTicketExpiryWarn, v, "outbox-3")
	require.NoError(t, err)
	require.Len(t, e.Inline, 1)
	require.Empty(t, e.Files)

	_, err = email.Compose(email.KindBookingConfirmed, notify.BookingView{Code: "X"}, "m")
	require.Error(t, err, "no recipient")
	_, err = email.Compose(email.KindBookingConfirmed, v, " ")
	require.Error(t, err, "no message id")
	_, err = email.Compose("nope", v, "m")
	require.ErrorIs(t, err, email.ErrUnknownKind)
}

// What #17 asked the messages to say: a ticket's terms in its
// confirmation, the booker's name to someone booked for, an office
// cancellation with an apology and a way to book again, and what to do
// when the stay ends.
func TestRenderClearerMessages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, kind, lang string
		edit             func(*notify.BookingView)
		want, notWant    []string
	}{
		{name: "ticket terms", kind: email.KindBookingConfirmed, lang: "it", edit: func(v *notify.BookingView) {
			v.Ticket = &notify.TicketTerms{Seats: 3, ValidFrom: v.Start.Add(-30 * time.Minute), ValidUntil: v.Start.Add(30 * time.Minute), MaxStay: 90 * time.Minute}
		}, want: []string{"Il tuo biglietto", "Valido per 3 persone", "Ingresso dalle 08:00 alle 09:00", "Permanenza massima: 1 h 30 min dall'ingresso"}},
		{name: "ticket terms", kind: email.KindBookingConfirmed, lang: "en", edit: func(v *notify.BookingView) {
			v.Ticket = &notify.TicketTerms{Seats: 1, ValidFrom: v.Start, ValidUntil: v.Start.Add(time.Hour)}
		}, want: []string{"Your ticket", "Valid for one person", "Entry from 08:30 to 09:30", "No time limit after entering"}},
		{name: "booked by someone else", kind: email.KindBookingConfirmed, lang: "it", edit: func(v *notify.BookingView) { v.BookedBy = "Anna Bianchi" },
			want: []string{"Questa prenotazione è stata fatta per te da Anna Bianchi."}},
		{name: "booked by someone else", kind: email.KindBookingReminder, lang: "en", edit: func(v *notify.BookingView) { v.BookedBy = "Anna Bianchi" },
			want: []string{"This booking was made for you by Anna Bianchi."}},
		{name: "office cancellation", kind: email.KindBookingCancelled, lang: "it", edit: func(v *notify.BookingView) {
			v.CancelledByOffice, v.RebookURL, v.Reason = true, "https://prenota.example/#/servizio/cie", "Sportello chiuso"
		}, want: []string{"l'ufficio ha dovuto annullare la tua prenotazione. Ci scusiamo per il disagio.", "Sportello chiuso",
			"Puoi scegliere un nuovo appuntamento:", "https://prenota.example/#/servizio/cie"}},
		{name: "own cancellation", kind: email.KindBookingCancelled, lang: "it",
			want: []string{"la tua prenotazione è stata annullata."}, notWant: []string{"Ci scusiamo", "Prenota di nuovo"}},
		{name: "expiry warning", kind: email.KindTicketExpiryWarn, lang: "it",
			want: []string{"devi uscire entro le 16:40"}, notWant: []string{"Valido per"}},
		{name: "expiry warning", kind: email.KindTicketExpiryWarn, lang: "en", want: []string{"please leave by 16:40"}},
		{name: "phone appointment", kind: email.KindBookingConfirmed, lang: "it", edit: func(v *notify.BookingView) {
			v.Remote, v.CallPhone, v.Place, v.Address, v.Documents = notify.RemotePhone, "+39 333 123 4567", "", "", nil
		}, want: []string{"ti chiameremo al +39 333 123 4567", "Non devi venire in ufficio."}, notWant: []string{"Documenti da portare", "Luogo"}},
		{name: "video call", kind: email.KindBookingReminder, lang: "en", edit: func(v *notify.BookingView) {
			v.Remote, v.Place, v.Address, v.Documents = notify.RemoteVideo, "", "", nil
		}, want: []string{"This is a video call", "You do not need to come to the office."}, notWant: []string{"Documents to bring", "Place"}},
	} {
		t.Run(tc.name+"/"+tc.kind+"/"+tc.lang, func(t *testing.T) {
			t.Parallel()
			v := bookingView(t)
			v.Language = tc.lang
			if tc.edit != nil {
				tc.edit(&v)
			}
			_, text, htm, err := email.Render(tc.kind, v)
			require.NoError(t, err)
			plain := html.UnescapeString(htm)
			for _, w := range tc.want {
				require.Contains(t, text, w)
				require.Contains(t, plain, w)
			}
			for _, w := range tc.notWant {
				require.NotContains(t, text, w)
				require.NotContains(t, plain, w)
			}
		})
	}
}
