// Package audit records what staff do and which personal data they read,
// so organizers can answer "who did what, when" (and a citizen's data
// protection request).
package audit

import (
	"context"
	"time"
)

// Event is one recorded action.
type Event struct {
	ID             string
	OrganizationID string
	At             time.Time
	ActorKind      int // values of varco.v1.PrincipalKind
	ActorID        string
	ActorName      string
	// Action names what happened: "AdminService.CancelBookingAsOperator",
	// "booking.view".
	Action     string
	TargetType string
	TargetID   string
	Detail     string
}

// Query selects events of an organization, newest first.
type Query struct {
	OrganizationID string
	Since          time.Time
	TargetID       string
	// ActorID keeps the events of one account or device.
	ActorID string
	// Action keeps one action, or every action starting with it when it
	// ends in ".".
	Action string
	// Until keeps the events before it, when not zero.
	Until time.Time
	Limit int
	// Keyset cursor: events strictly older than (BeforeAt, BeforeID).
	BeforeAt time.Time
	BeforeID string
}

// Store keeps the trail.
type Store interface {
	RecordAudit(ctx context.Context, e Event) error
	ListAudit(ctx context.Context, q Query) ([]Event, error)
}
