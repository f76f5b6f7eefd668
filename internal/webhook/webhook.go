// Package webhook lets organizers register HTTPS endpoints that receive
// booking and gate events. Events are not written by the booking or scan
// transactions (which stay as fast as before for everyone): a Feeder reads
// the durable records those transactions already leave (booking history,
// scans) past a persisted cursor, and in one transaction inserts the
// deliveries for the matching webhooks and advances the cursor, so a crash
// can neither lose nor duplicate an event. Deliveries are then sent by the
// outbox dispatcher (package dispatch) like notifications.
package webhook

import (
	"time"
)

// Event is the name of an event a webhook can receive.
type Event string

// Events, in the order of varco.v1.WebhookEvent (value = index + 1).
const (
	BookingCreated     Event = "booking.created"
	BookingCancelled   Event = "booking.cancelled"
	BookingRescheduled Event = "booking.rescheduled"
	BookingAttendance  Event = "booking.attendance"
	TicketEntered      Event = "ticket.entered"
	TicketExited       Event = "ticket.exited"
	TicketExpired      Event = "ticket.expired"
)

// Events lists every event; Events[i] is varco.v1.WebhookEvent i+1.
var Events = []Event{BookingCreated, BookingCancelled, BookingRescheduled, BookingAttendance,
	TicketEntered, TicketExited, TicketExpired}

// EventOf maps a varco.v1.WebhookEvent number to its event.
func EventOf(n int32) (Event, bool) {
	if n < 1 || int(n) > len(Events) {
		return "", false
	}
	return Events[n-1], true
}

// Number is the varco.v1.WebhookEvent value of e (0 when unknown).
func (e Event) Number() int32 {
	for i, x := range Events {
		if x == e {
			return int32(i + 1)
		}
	}
	return 0
}

// Webhook is a registered endpoint.
type Webhook struct {
	ID             string
	OrganizationID string
	URL            string
	Events         []Event
	// Secret is the HMAC-SHA256 key; it is shown once, at creation.
	Secret    string
	CreatedBy string
	CreatedAt time.Time
	// FromHistoryID and FromScanSeq are the ends of the event sources when
	// the webhook was created: only later records are delivered to it.
	FromHistoryID, FromScanSeq int64
}

// Wants reports whether the webhook subscribed to e.
func (w Webhook) Wants(e Event) bool {
	for _, x := range w.Events {
		if x == e {
			return true
		}
	}
	return false
}

// State is where a delivery stands; values match the database and, plus
// one, varco.v1.WebhookDeliveryState.
type State int

// Delivery states.
const (
	Pending   State = 0
	Delivered State = 1
	Failed    State = 2
	Cancelled State = 3
)

// Delivery is one event sent (or to be sent) to one webhook.
type Delivery struct {
	ID        string
	WebhookID string
	Event     Event
	// EventID is the same in every delivery and replay of one event.
	EventID string
	Payload []byte
	State   State
	// DueAt is when the next attempt may run (pending deliveries).
	DueAt      time.Time
	Attempts   int
	LastStatus int
	LastError  string
	// DeliveredAt is zero until a 2xx answer.
	DeliveredAt time.Time
	CreatedAt   time.Time
	ReplayOf    string
}
