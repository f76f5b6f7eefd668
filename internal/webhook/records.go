package webhook

import (
	"context"
	"errors"
	"time"
)

// Sources the feeder reads, each with its own persisted cursor.
const (
	SourceHistory = "booking_history"
	SourceScans   = "scans"
)

// HistoryRecord is one line of a booking's history with its booking.
type HistoryRecord struct {
	ID        int64
	BookingID string
	// Status is the booking.Status the line records.
	Status    int
	At        time.Time
	ActorKind int
	// OrganizationID owns the booking.
	OrganizationID string
	Booking        BookingData
	// RescheduledFrom is set on bookings made by a reschedule.
	RescheduledFrom string
	// Next is the booking that replaced this one, for "rescheduled" lines.
	Next *BookingData
}

// ScanRecord is one gate scan with its ticket and booking.
type ScanRecord struct {
	Seq                   int64
	ID, OrganizationID    string
	TicketID, DeviceID    string
	Direction             int // 1 entry, 2 exit
	ScannedAt, ReceivedAt time.Time
	Offline, Conflict     bool
	Verdict, LocalVerdict int // 1 accepted, 2 refused, 3 flagged
	Reason                string
	Ticket                TicketData
	Booking               *BookingData // nil for tickets the server does not know
}

// TimerRecord is a due expiry timer with its ticket and booking.
type TimerRecord struct {
	Timer
	Ticket  TicketData
	Booking *BookingData
}

// Timer waits for a timed ticket's stay to run out.
type Timer struct {
	TicketID       string
	OrganizationID string
	// EntrySeq is the scan that let the holder in: webhooks created after
	// it do not receive the expiry.
	EntrySeq  int64
	ExpiresAt time.Time
}

// TimerOp sets a timer, or stops the ticket's timer if it expires after
// StopAt (an exit before the end of the stay).
type TimerOp struct {
	Set    *Timer
	StopID string
	StopAt time.Time
}

// Snapshot is what one feeder pass reads, in one read transaction: the
// cursor, the live webhooks and the records past the cursor. Reading them
// together means a webhook created after the snapshot starts after every
// record in it.
type Snapshot[T any] struct {
	Position, Generation int64
	Webhooks             []Webhook
	Records              []T
}

// NewDelivery is a delivery the feeder creates.
type NewDelivery struct {
	ID, WebhookID string
	Event         Event
	EventID       string
	Payload       []byte
	DueAt         time.Time
	CreatedAt     time.Time
}

// Commit is what one feeder pass writes, in one write transaction: the
// deliveries, the timer changes, and the cursor moved from From to To
// (only if it is still at From in the same generation).
type Commit struct {
	Source               string
	From, To, Generation int64
	Deliveries           []NewDelivery
	Timers               []TimerOp
}

// Fired is a due timer and its deliveries, written only if the timer is
// still there (an exit processed meanwhile removes it).
type Fired struct {
	Timer      Timer
	Deliveries []NewDelivery
}

// ErrCursorMoved means another feeder advanced the cursor (or a deletion
// changed its generation) since the snapshot: the pass is dropped and the
// next one starts from the new position.
var ErrCursorMoved = errors.New("webhook feed cursor moved")

// FeedStore is what the feeder reads and writes.
type FeedStore interface {
	HistorySnapshot(ctx context.Context, limit int) (Snapshot[HistoryRecord], error)
	ScanSnapshot(ctx context.Context, limit int) (Snapshot[ScanRecord], error)
	DueTimers(ctx context.Context, now time.Time, limit int) (Snapshot[TimerRecord], error)
	CommitFeed(ctx context.Context, c Commit) error
	CommitFired(ctx context.Context, fired []Fired) error
}
