package render

import (
	"fmt"

	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/outbox"
)

// PushText is the title and body of a push notification, short enough for
// a phone's lock screen.
func PushText(kind string, v notify.BookingView, lang string) (string, string) {
	en := lang == "en"
	pick := func(it, e string) string {
		if en {
			return e
		}
		return it
	}
	when := v.Start.In(v.TimeZone).Format("02/01 15:04")
	switch kind {
	case outbox.KindBookingConfirmed:
		return pick("Prenotazione confermata", "Booking confirmed"), fmt.Sprintf("%s, %s — %s %s", v.Resource, when, pick("codice", "code"), v.Code)
	case outbox.KindBookingRescheduled:
		return pick("Prenotazione spostata", "Booking moved"), fmt.Sprintf("%s, %s — %s %s", v.Resource, when, pick("codice", "code"), v.Code)
	case outbox.KindBookingCancelled:
		body := fmt.Sprintf("%s, %s", v.Resource, when)
		if v.Reason != "" {
			body += " — " + v.Reason
		}
		if v.CancelledByOffice {
			return pick("Prenotazione annullata dall'ufficio", "Booking cancelled by the office"), body
		}
		return pick("Prenotazione annullata", "Booking cancelled"), body
	case outbox.KindBookingProposal:
		return pick("Ti proponiamo un'altra data", "Another date proposed"),
			fmt.Sprintf(pick("%s, %s: l'ufficio propone di spostarla. Guarda le date nell'e-mail.", "%s, %s: the office proposes to move it. See the dates in the e-mail."), v.Resource, when)
	case outbox.KindBookingProposalExpired:
		return pick("Proposta scaduta", "Proposal lapsed"),
			fmt.Sprintf(pick("%s, %s: la prenotazione resta com'era.", "%s, %s: the booking stays as it was."), v.Resource, when)
	case outbox.KindBookingMeetingLink:
		return pick("Link della videochiamata", "Video-call link"), fmt.Sprintf("%s, %s — %s", v.Resource, when, v.MeetingURL)
	case outbox.KindBookingReminder:
		return pick("Promemoria", "Reminder"), fmt.Sprintf("%s, %s — %s", v.Resource, when, v.Place)
	case outbox.KindTicketExpiryWarning:
		at := v.TicketExpires.In(v.TimeZone).Format("15:04")
		return pick("Il tuo biglietto sta per scadere", "Your ticket is about to expire"),
			fmt.Sprintf(pick("Il tuo biglietto per %[1]s scade alle %[2]s: devi uscire entro le %[2]s.", "Your ticket for %[1]s expires at %[2]s: please leave by %[2]s."), v.Resource, at)
	case outbox.KindWaitlistOffer:
		at := v.OfferExpires.In(v.TimeZone).Format("15:04")
		return pick("Si è liberato un posto", "A seat is free"),
			fmt.Sprintf(pick("%s, %s: il posto è tuo se lo confermi entro le %s.", "%s, %s: the seat is yours if you confirm it by %s."), v.Resource, when, at)
	case outbox.KindTicketExpired:
		return pick("Biglietto scaduto", "Ticket expired"),
			fmt.Sprintf(pick("Il tempo di permanenza per %s è terminato.", "Your time at %s is over."), v.Resource)
	}
	return "Varco", v.Resource
}
