// Package booking is the booking lifecycle: holding seats of consecutive
// slots, confirming a hold into a booking with the beneficiary's data,
// cancelling, rescheduling, attendance, and the history and notifications
// each change records. Every change runs in one store transaction that also
// writes its outbox rows, and seats are taken with a conditional update, so
// no interleaving of requests can oversell a slot.
package booking

import (
	"time"

	"github.com/google/uuid"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/gate"
)

// Status is where a booking stands; values match varco.v1.BookingStatus.
type Status int

// Booking statuses.
const (
	Confirmed           Status = 1
	CancelledByUser     Status = 2
	CancelledByOperator Status = 3
	Done                Status = 4
	NoShow              Status = 5
	Rescheduled         Status = 6
)

// Person is the beneficiary of a booking.
type Person struct {
	GivenName, FamilyName string
	CodiceFiscale         string
	BirthDate, BirthPlace string
	Email, Phone          string
}

// ActorKind is who made a change; values match varco.v1.PrincipalKind.
type ActorKind int

// Actor kinds.
const (
	ActorAnonymous ActorKind = 1 // a cancel-link holder
	ActorCitizen   ActorKind = 2
	ActorStaff     ActorKind = 3
	ActorDevice    ActorKind = 4
	ActorSystem    ActorKind = 5
)

// Actor is who made a change, for the history.
type Actor struct {
	Kind ActorKind
	ID   string
	Name string
}

// SystemActor marks changes made by Varco itself (sweeper, schedule changes).
var SystemActor = Actor{Kind: ActorSystem, Name: "Varco"}

// Change is one line of a booking's history.
type Change struct {
	Status Status
	At     time.Time
	Actor  Actor
	Reason string
	// Event names a step that is not a status change (EventProposalMade,
	// EventMeetingURLSet…); Status is then the booking's status at the time.
	Event string
}

// Ack is an acknowledgement ticked at confirmation.
type Ack struct {
	ID, Text   string
	AcceptedAt time.Time
}

// IssuedTicket is the entry ticket of a ticketed booking: it admits all
// the booking's seats within its validity window.
type IssuedTicket struct {
	ID, BookingID, ResourceID string
	Seats                     int
	SlotStart                 time.Time
	ValidFrom, ValidUntil     time.Time
	MaxStay                   time.Duration // 0: no limit after the first entry
	IssuedAt                  time.Time
	// Presence is what the gates made of the ticket: issued, inside since
	// (until the stay's end), exited, revoked.
	Presence gate.Presence
}

// TicketLink is what the public QR link of a ticket needs: its booking,
// whether it was revoked, and the secret (the booking's cancel-token hash)
// the link token is derived from.
type TicketLink struct {
	BookingID  string
	Revoked    bool
	LinkSecret [32]byte
}

func revokeReason(s Status) string {
	if s == Rescheduled {
		return "rescheduled"
	}
	return "cancelled"
}

// Hold is a temporary reservation of seats.
type Hold struct {
	ID         string
	ResourceID string
	AccountID  string
	OperatorID string
	Start, End time.Time
	SlotStarts []time.Time
	Seats      int
	ExpiresAt  time.Time
	CreatedAt  time.Time
	// ReleasedAt is set once an expired hold's seats were freed.
	ReleasedAt time.Time
	// FirstFree is the start of the first slot of the resource a citizen
	// could book when the hold was made (see firstFree); the booking
	// copies it for statistics.
	FirstFree time.Time
}

// Booking is a confirmed reservation and what happened to it since.
type Booking struct {
	ID                             string
	Code                           string
	OrganizationID                 string
	ResourceID                     string
	OperatorID                     string
	Start, End                     time.Time
	SlotStarts                     []time.Time
	Seats                          int
	Mode                           catalog.Mode
	Status                         Status
	BookerID                       string // account that booked; "" for counter bookings of unregistered people
	BookedByStaff                  bool
	OnBehalf                       bool // booked for someone else ("conto terzi")
	Beneficiary                    Person
	Reason, Notes                  string
	Language                       string
	PrivacyAt                      time.Time
	PushConsentAt                  time.Time
	Acks                           []Ack
	History                        []Change
	RescheduledFrom, RescheduledTo string
	CreatedAt, UpdatedAt           time.Time
	IdempotencyKey                 string
	CancelTokenHash                [32]byte
	// FirstFree is the start of the first slot of the resource a citizen
	// could book when this booking was made; zero when not recorded
	// (bookings made before it was). Only statistics read it.
	FirstFree time.Time
	// MeetingURL is the video-call link an operator set on this booking;
	// it overrides the resource's (see MeetingLink). "" when none.
	MeetingURL string
}

// Active reports whether the booking still holds its seats.
func (b Booking) Active() bool { return b.Status == Confirmed }

// Past reports whether the booking's slot has ended at now.
func (b Booking) Past(now time.Time) bool { return !b.End.After(now) }

// newID returns a UUIDv7 for a new hold, booking, ticket or message. Its
// leading timestamp makes the rows of a rush land next to each other in
// every primary-key index, instead of on a random page each: a group commit
// then dirties (and writes) far fewer pages. The creation time it reveals
// is in the row anyway.
func newID() string { return uuid.Must(uuid.NewV7()).String() }
