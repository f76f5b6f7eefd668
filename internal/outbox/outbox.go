// Package outbox defines the messages that state changes leave for the
// notification dispatcher. A message is written in the same transaction as
// the change that causes it, so a crash can neither lose it nor send one for
// a change that did not happen. Payloads carry ids and capabilities, not
// personal data: the dispatcher reads the current booking when it sends.
package outbox

import (
	"encoding/json"
	"time"
)

// Message kinds.
const (
	KindBookingConfirmed   = "booking.confirmed"
	KindBookingCancelled   = "booking.cancelled"
	KindBookingRescheduled = "booking.rescheduled"
	KindBookingReminder    = "booking.reminder"
	// KindBookingProposal offers the citizen other dates (with the links
	// to accept or decline); KindBookingProposalExpired tells them the
	// offer lapsed and the booking stays; KindBookingMeetingLink sends the
	// video-call link an operator set.
	KindBookingProposal        = "booking.proposal"
	KindBookingProposalExpired = "booking.proposal_expired"
	KindBookingMeetingLink     = "booking.meeting_link"
	// KindTicketExpiryWarning is due at expires_at - warning lead of a
	// timed ticket; KindTicketExpired at expires_at.
	KindTicketExpiryWarning = "ticket.expiry_warning"
	KindTicketExpired       = "ticket.expired"
)

// Message is one notification to send at or after DueAt.
type Message struct {
	ID        string
	Kind      string
	BookingID string
	// SubjectKey groups messages cancelled together, e.g. "booking:<id>"
	// for a booking's pending reminders.
	SubjectKey string
	Payload    []byte
	DueAt      time.Time
	CreatedAt  time.Time
}

// Claimed is a message leased to one dispatcher, with its delivery state.
type Claimed struct {
	Message
	Attempts int
	// Progress lists the channels already delivered ("email",
	// "push:<subscription id>"), so a retry resends only what failed.
	Progress []string
}

// TicketPayload is the payload of timed-ticket messages.
type TicketPayload struct {
	TicketID  string `json:"ticket_id"`
	ExpiresAt string `json:"expires_at"` // RFC 3339
}

// BookingPayload is the payload of booking messages.
type BookingPayload struct {
	BookingID string `json:"booking_id"`
	// CancelToken is the plain cancel-link secret, present only in the
	// confirmation (the database keeps only its hash otherwise).
	CancelToken string `json:"cancel_token,omitempty"`
	Reason      string `json:"reason,omitempty"`
	// PreviousID is the replaced booking, for reschedules.
	PreviousID string `json:"previous_id,omitempty"`
	// ProposalID names the proposal of the proposal kinds; ProposalToken
	// is the plain secret of its links, only in KindBookingProposal.
	ProposalID    string `json:"proposal_id,omitempty"`
	ProposalToken string `json:"proposal_token,omitempty"`
}

// Encode marshals a payload.
func Encode(p any) []byte {
	b, err := json.Marshal(p)
	if err != nil {
		panic("outbox: encode payload: " + err.Error()) // only plain structs reach here.
	}
	return b
}

// BookingSubject is the subject key of a booking's messages.
func BookingSubject(bookingID string) string { return "booking:" + bookingID }

// KindGuestCode carries the one-time code that verifies a guest's e-mail
// before a booking without an account is confirmed (GuestCodePayload).
const KindGuestCode = "guest.code"

// GuestCodePayload is the payload of KindGuestCode. The plain code lives
// here until sent, as a confirmation's cancel token does; it is worthless
// after its 10 minutes and after one use.
type GuestCodePayload struct {
	GuestBookingID string `json:"guest_booking_id"`
	Code           string `json:"code"`
}

// GuestSubject is the subject key of a guest booking's code messages.
func GuestSubject(guestBookingID string) string { return "guest:" + guestBookingID }

// KindWaitlistOffer tells the first in line that seats are held for them.
const KindWaitlistOffer = "waitlist.offer"

// WaitlistPayload is the payload of waiting-list messages.
type WaitlistPayload struct {
	EntryID string `json:"entry_id"`
}

// WaitlistSubject is the subject key of a waiting-list entry's messages.
func WaitlistSubject(entryID string) string { return "waitlist:" + entryID }
