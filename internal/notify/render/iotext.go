package render

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/outbox"
)

// IOText is the subject and Markdown body of an App IO message, within
// IO's limits (subject 10–120 characters, body 80–10,000): IO refuses
// anything else with a 400, so the text is shaped here rather than
// trusted to be long or short enough.
func IOText(kind string, v notify.BookingView, lang string) (string, string) {
	en := lang == "en"
	pick := func(it, e string) string {
		if en {
			return e
		}
		return it
	}
	zone := v.TimeZone
	day := v.Start.In(zone).Format("02/01/2006")
	at := v.Start.In(zone).Format("15:04")
	what := fmt.Sprintf(pick("**%s** il %s alle %s", "**%s** on %s at %s"), md(v.Resource), day, at)
	where := ""
	if v.Place != "" {
		where = md(strings.Trim(v.Place+", "+v.Address, ", "))
	}
	var subject string
	var lines []string
	remote := ""
	switch v.Remote {
	case notify.RemotePhone:
		remote = pick("È un appuntamento telefonico: ti chiameremo all'ora indicata.", "This is a phone appointment: we will call you at the time given.")
		if v.CallPhone != "" {
			remote = fmt.Sprintf(pick("È un appuntamento telefonico: ti chiameremo al %s all'ora indicata.",
				"This is a phone appointment: we will call you on %s at the time given."), md(v.CallPhone))
		}
	case notify.RemoteVideo:
		remote = pick("È un appuntamento in videochiamata: l'ufficio ti invierà il link per collegarti.",
			"This is a video call: the office will send you the link to join.")
		if v.MeetingURL != "" {
			remote = fmt.Sprintf(pick("È un appuntamento in videochiamata: all'ora indicata [collegati qui](%s).",
				"This is a video call: at the time given, [join here](%s)."), v.MeetingURL)
		}
	}
	switch kind {
	case outbox.KindBookingConfirmed, outbox.KindBookingRescheduled:
		subject = pick("Prenotazione confermata: ", "Booking confirmed: ") + v.Resource
		lead := pick("La tua prenotazione è confermata: ", "Your booking is confirmed: ")
		if kind == outbox.KindBookingRescheduled {
			subject = pick("Prenotazione spostata: ", "Booking moved: ") + v.Resource
			lead = pick("La tua prenotazione è stata spostata: ", "Your booking was moved: ")
		}
		lines = append(lines, lead+what+".", "", pick("Codice della prenotazione: ", "Booking code: ")+"**"+v.Code+"**")
		if remote != "" {
			lines = append(lines, remote)
		}
		if where != "" {
			lines = append(lines, pick("Dove: ", "Where: ")+where)
		}
		if len(v.Documents) > 0 {
			lines = append(lines, "", pick("Da portare:", "Please bring:"))
			for _, d := range v.Documents {
				lines = append(lines, "- "+md(d))
			}
		}
		if v.CancelURL != "" {
			lines = append(lines, "", fmt.Sprintf(pick("Se non puoi venire, [annulla la prenotazione](%s).", "If you cannot come, [cancel the booking](%s)."), v.CancelURL))
		}
	case outbox.KindBookingCancelled:
		subject = pick("Prenotazione annullata: ", "Booking cancelled: ") + v.Resource
		lines = append(lines, pick("La prenotazione ", "The booking ")+what+pick(" è stata annullata.", " was cancelled."))
		if v.Reason != "" {
			lines = append(lines, "", pick("Motivo: ", "Reason: ")+md(v.Reason))
		}
	case outbox.KindBookingReminder:
		subject = pick("Promemoria: ", "Reminder: ") + v.Resource
		lines = append(lines, pick("Ti ricordiamo l'appuntamento: ", "A reminder of your appointment: ")+what+".",
			"", pick("Codice della prenotazione: ", "Booking code: ")+"**"+v.Code+"**")
		if remote != "" {
			lines = append(lines, remote)
		}
		if where != "" {
			lines = append(lines, pick("Dove: ", "Where: ")+where)
		}
	case outbox.KindTicketExpiryWarning:
		until := v.TicketExpires.In(zone).Format("15:04")
		subject = pick("Il tuo biglietto sta per scadere", "Your ticket is about to expire")
		lines = append(lines, fmt.Sprintf(pick("Il tempo di permanenza per **%s** finisce alle **%s**: devi uscire entro le %s.",
			"Your time at **%s** ends at **%s**: please leave by %s."), md(v.Resource), until, until))
	case outbox.KindTicketExpired:
		subject = pick("Biglietto scaduto: ", "Ticket expired: ") + v.Resource
		lines = append(lines, fmt.Sprintf(pick("Il tempo di permanenza per **%s** è terminato: ti chiediamo di uscire.",
			"Your time at **%s** is over: please leave."), md(v.Resource)))
	default:
		subject = v.Resource
		lines = append(lines, what)
	}
	// Who writes, and how to reach them: every message has it, and it
	// brings a short text over IO's 80-character minimum.
	footer := pick("Messaggio inviato da ", "Message sent by ") + md(orDefault(v.OrgName, "Varco"))
	if v.OrgContact != "" {
		footer += pick(". Per informazioni: ", ". For information: ") + md(v.OrgContact)
	}
	lines = append(lines, "", "---", footer+".")
	body := strings.Join(lines, "\n")
	for utf8.RuneCountInString(body) < 80 {
		body += "\n\n" + pick("Questo messaggio ti è stato inviato tramite Varco, il servizio di prenotazione.",
			"This message was sent to you through Varco, the booking service.")
	}
	return clip(subject, 10, 120, pick("Avviso di Varco", "Varco notice")), clip(body, 80, 10000, body)
}

// clip cuts s to at most hi characters (on a rune boundary, with an
// ellipsis), or replaces it with fallback when shorter than lo.
func clip(s string, lo, hi int, fallback string) string {
	if utf8.RuneCountInString(s) < lo {
		return fallback
	}
	if utf8.RuneCountInString(s) <= hi {
		return s
	}
	r := []rune(s)
	return string(r[:hi-1]) + "…"
}

// md escapes the characters Markdown would read as formatting in text
// that comes from organizers and citizens (a service named "*Museo*"):
// emphasis, code, links and HTML anywhere, list and heading marks only at
// the start, where they mean something.
func md(s string) string {
	var b strings.Builder
	for i, r := range s {
		if strings.ContainsRune("\\`*_[]<>", r) || (i == 0 && strings.ContainsRune("#-+>", r)) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}
