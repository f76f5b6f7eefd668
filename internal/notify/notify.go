// Package notify defines what the notification channels share: the
// messages they send, the data a message is rendered from, and how a
// channel reports a failure so the dispatcher knows whether to retry,
// forget the recipient, or give up.
package notify

import (
	"errors"
	"fmt"
	"time"
)

// Attachment is a file in an e-mail. With ContentID set it is inline
// (referenced as cid:ContentID from the HTML, e.g. the QR image).
type Attachment struct {
	Name        string
	ContentType string
	ContentID   string
	Data        []byte
}

// Email is one e-mail to send.
type Email struct {
	To      string
	Subject string
	Text    string
	HTML    string
	Inline  []Attachment
	Files   []Attachment
	// MessageID is stable per outbox message, so a resend after a crash
	// carries the same Message-ID and mail clients can de-duplicate.
	MessageID string
}

// Subscription is a browser's Web Push subscription.
type Subscription struct {
	ID       string
	Endpoint string
	P256dh   string // base64url, uncompressed P-256 point
	Auth     string // base64url, 16 bytes
}

// Target is a subscription with what it is tied to: an account (every
// booking of it) or a single booking (subscribed from the e-mail link).
type Target struct {
	Subscription
	AccountID string
	BookingID string
	Language  string
}

// Urgency values of RFC 8030.
const (
	UrgencyNormal = "normal"
	UrgencyHigh   = "high"
)

// Push is one Web Push message.
type Push struct {
	Subscription Subscription
	// Payload is the JSON the service worker receives.
	Payload []byte
	TTL     time.Duration
	Urgency string
	// Topic lets the push service replace an undelivered older message
	// with the same topic (RFC 8030 §5.4): at most 32 base64url chars.
	Topic string
}

// Webhook is one POST of an event to an organization's endpoint. It is
// signed when sent, so every attempt carries a fresh timestamp.
type Webhook struct {
	// DeliveryID names this delivery (Varco-Delivery header); a replay has
	// its own.
	DeliveryID string
	URL        string
	// Secret is the HMAC-SHA256 key.
	Secret  string
	Event   string
	EventID string
	// Body is the JSON payload.
	Body []byte
}

// IOMessage is one App IO message to a citizen, sent with the API key of
// the organization's IO service.
type IOMessage struct {
	// OutboxID names the outbox message it renders (attempts are recorded
	// under it).
	OutboxID       string
	Kind           string
	OrganizationID string
	// FiscalCode is the recipient's codice fiscale, upper case.
	FiscalCode string
	// Subject is 10 to 120 characters, Markdown 80 to 10,000 (IO's limits).
	Subject  string
	Markdown string
}

// PushPayload is the JSON of a push message.
type PushPayload struct {
	Title string `json:"title"`
	Body  string `json:"body"`
	URL   string `json:"url,omitempty"`
	Tag   string `json:"tag,omitempty"`
}

// BookingView is everything a message about a booking shows.
type BookingView struct {
	Language      string // "it" or "en"
	BookingID     string
	Code          string // "KM7R-4TXA"
	Beneficiary   string // given and family name
	Email         string
	Resource      string
	Place         string
	Address       string
	Start, End    time.Time
	TimeZone      *time.Location
	Operator      string
	Documents     []string
	CancelURL     string // empty when the link is unknown (it is only in the confirmation)
	ReceiptURL    string // the PDF receipt without logging in; set with CancelURL
	Reason        string // cancellation reason
	QRPNG         []byte // ticketed bookings
	ICS           []byte
	OrgName       string
	OrgContact    string
	TicketExpires time.Time // expiry warnings

	// BookedBy is who made the booking when it is for someone else: the
	// beneficiary reads who booked for them.
	BookedBy string
	// CancelledByOffice is set on a cancellation the office made: the
	// message says so, apologizes and offers RebookURL.
	CancelledByOffice bool
	RebookURL         string
	// Ticket describes a ticketed booking's entry: seats, when entry is
	// allowed and the longest stay after entering (0: no limit).
	Ticket *TicketTerms
	// Remote is how a remote appointment takes place: RemotePhone or
	// RemoteVideo; "" in person. A remote appointment's messages name no
	// office to come to and no documents to bring. CallPhone is the number
	// the office calls for RemotePhone.
	Remote    string
	CallPhone string
	// MeetingURL is where a video call takes place, when the resource
	// configures one (catalog.Meeting).
	MeetingURL string
	// OfferExpires is when a waiting-list offer lapses; OfferURL the
	// citizen app's page to confirm or decline it; Seats the seats held.
	OfferExpires time.Time
	OfferURL     string
	Seats        int
	// Proposal is the other dates the office offers (booking.proposal
	// messages), with the links that answer without logging in.
	Proposal *ProposalView
}

// ProposalView is a proposal of other dates as a message shows it.
type ProposalView struct {
	Message    string
	ExpiresAt  time.Time
	Options    []ProposalOption
	DeclineURL string
}

// ProposalOption is one date offered, with the link that accepts it.
type ProposalOption struct {
	Start     time.Time
	Operator  string
	AcceptURL string
}

// Remote appointment modes of BookingView.Remote.
const (
	RemotePhone = "phone"
	RemoteVideo = "video"
)

// TicketTerms are what a ticket allows, stated in its confirmation.
type TicketTerms struct {
	Seats                 int
	ValidFrom, ValidUntil time.Time
	MaxStay               time.Duration
}

// Errors channels return.
var (
	// ErrGone means the recipient no longer exists (a push subscription
	// answered 404 or 410): forget it, do not retry.
	ErrGone = errors.New("recipient gone")
	// ErrPermanent wraps failures that retrying cannot fix (a rejected
	// address, a malformed message).
	ErrPermanent = errors.New("permanent failure")
)

// RetryError asks the dispatcher to try again, not before After when set
// (a push service's Retry-After).
type RetryError struct {
	After time.Duration
	Err   error
}

func (e *RetryError) Error() string { return fmt.Sprintf("retry after %s: %v", e.After, e.Err) }

func (e *RetryError) Unwrap() error { return e.Err }
