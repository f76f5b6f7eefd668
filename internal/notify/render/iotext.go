package render

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/varco-gate/varco/internal/i18n"
	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/outbox"
)

// IOText is the subject and Markdown body of an App IO message, within
// IO's limits (subject 10–120 characters, body 80–10,000): IO refuses
// anything else with a 400, so the text is shaped here rather than
// trusted to be long or short enough.
func IOText(kind string, v notify.BookingView, lang string) (string, string) {
	pick := i18n.Picker(lang)
	zone := v.TimeZone
	day := v.Start.In(zone).Format("02/01/2006")
	at := v.Start.In(zone).Format("15:04")
	what := fmt.Sprintf(pick("io.on_at"), md(v.Resource), day, at)
	where := ""
	if v.Place != "" {
		where = md(strings.Trim(v.Place+", "+v.Address, ", "))
	}
	var subject string
	var lines []string
	remote := ""
	switch v.Remote {
	case notify.RemotePhone:
		remote = pick("io.this_is_a_phone_appointment")
		if v.CallPhone != "" {
			remote = fmt.Sprintf(pick("io.this_is_a_phone_appointment_2"), md(v.CallPhone))
		}
	case notify.RemoteVideo:
		remote = pick("io.this_is_a_video_call")
		if v.MeetingURL != "" {
			remote = fmt.Sprintf(pick("io.this_is_a_video_call_2"), v.MeetingURL)
		}
	}
	switch kind {
	case outbox.KindBookingConfirmed, outbox.KindBookingRescheduled:
		subject = pick("io.booking_confirmed") + v.Resource
		lead := pick("io.your_booking_is_confirmed")
		if kind == outbox.KindBookingRescheduled {
			subject = pick("io.booking_moved") + v.Resource
			lead = pick("io.your_booking_was_moved")
		}
		lines = append(lines, lead+what+".", "", pick("io.booking_code")+"**"+v.Code+"**")
		if remote != "" {
			lines = append(lines, remote)
		}
		if where != "" {
			lines = append(lines, pick("io.where")+where)
		}
		if len(v.Documents) > 0 {
			lines = append(lines, "", pick("io.please_bring"))
			for _, d := range v.Documents {
				lines = append(lines, "- "+md(d))
			}
		}
		if v.CancelURL != "" {
			lines = append(lines, "", fmt.Sprintf(pick("io.if_you_cannot_come_cancel"), v.CancelURL))
		}
	case outbox.KindBookingCancelled:
		subject = pick("io.booking_cancelled") + v.Resource
		lines = append(lines, pick("io.the_booking")+what+pick("io.was_cancelled"))
		if v.Reason != "" {
			lines = append(lines, "", pick("io.reason")+md(v.Reason))
		}
	case outbox.KindBookingReminder:
		subject = pick("io.reminder") + v.Resource
		lines = append(lines, pick("io.a_reminder_of_your_appointment")+what+".",
			"", pick("io.booking_code")+"**"+v.Code+"**")
		if remote != "" {
			lines = append(lines, remote)
		}
		if where != "" {
			lines = append(lines, pick("io.where")+where)
		}
	case outbox.KindTicketExpiryWarning:
		until := v.TicketExpires.In(zone).Format("15:04")
		subject = pick("io.your_ticket_is_about_to")
		lines = append(lines, fmt.Sprintf(pick("io.your_time_at_ends_at"), md(v.Resource), until, until))
	case outbox.KindTicketExpired:
		subject = pick("io.ticket_expired") + v.Resource
		lines = append(lines, fmt.Sprintf(pick("io.your_time_at_is_over"), md(v.Resource)))
	default:
		subject = v.Resource
		lines = append(lines, what)
	}
	// Who writes, and how to reach them: every message has it, and it
	// brings a short text over IO's 80-character minimum.
	footer := pick("io.message_sent_by") + md(orDefault(v.OrgName, "Varco"))
	if v.OrgContact != "" {
		footer += pick("io.for_information") + md(v.OrgContact)
	}
	lines = append(lines, "", "---", footer+".")
	body := strings.Join(lines, "\n")
	for utf8.RuneCountInString(body) < 80 {
		body += "\n\n" + pick("io.this_message_was_sent_to")
	}
	return clip(subject, 10, 120, pick("io.varco_notice")), clip(body, 80, 10000, body)
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
