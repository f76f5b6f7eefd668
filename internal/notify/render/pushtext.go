package render

import (
	"fmt"

	"github.com/varco-gate/varco/internal/i18n"
	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/outbox"
)

// PushText is the title and body of a push notification, short enough for
// a phone's lock screen.
func PushText(kind string, v notify.BookingView, lang string) (string, string) {
	pick := i18n.Picker(lang)
	when := v.Start.In(v.TimeZone).Format("02/01 15:04")
	switch kind {
	case outbox.KindBookingConfirmed:
		return pick("pushmsg.booking_confirmed"), fmt.Sprintf("%s, %s — %s %s", v.Resource, when, pick("pushmsg.code"), v.Code)
	case outbox.KindBookingRescheduled:
		return pick("pushmsg.booking_moved"), fmt.Sprintf("%s, %s — %s %s", v.Resource, when, pick("pushmsg.code"), v.Code)
	case outbox.KindBookingCancelled:
		body := fmt.Sprintf("%s, %s", v.Resource, when)
		if v.Reason != "" {
			body += " — " + v.Reason
		}
		if v.CancelledByOffice {
			return pick("pushmsg.booking_cancelled_by_the_office"), body
		}
		return pick("pushmsg.booking_cancelled"), body
	case outbox.KindBookingProposal:
		return pick("pushmsg.another_date_proposed"),
			fmt.Sprintf(pick("pushmsg.the_office_proposes_to_move"), v.Resource, when)
	case outbox.KindBookingProposalExpired:
		return pick("pushmsg.proposal_lapsed"),
			fmt.Sprintf(pick("pushmsg.the_booking_stays_as_it"), v.Resource, when)
	case outbox.KindBookingMeetingLink:
		return pick("pushmsg.video_call_link"), fmt.Sprintf("%s, %s — %s", v.Resource, when, v.MeetingURL)
	case outbox.KindBookingReminder:
		return pick("pushmsg.reminder"), fmt.Sprintf("%s, %s — %s", v.Resource, when, v.Place)
	case outbox.KindTicketExpiryWarning:
		at := v.TicketExpires.In(v.TimeZone).Format("15:04")
		return pick("pushmsg.your_ticket_is_about_to"),
			fmt.Sprintf(pick("pushmsg.your_ticket_for_1_s"), v.Resource, at)
	case outbox.KindWaitlistOffer:
		at := v.OfferExpires.In(v.TimeZone).Format("15:04")
		return pick("pushmsg.a_seat_is_free"),
			fmt.Sprintf(pick("pushmsg.the_seat_is_yours_if"), v.Resource, when, at)
	case outbox.KindTicketExpired:
		return pick("pushmsg.ticket_expired"),
			fmt.Sprintf(pick("pushmsg.your_time_at_is_over"), v.Resource)
	}
	return "Varco", v.Resource
}
