package admission

import (
	"context"
	"time"

	"github.com/varco-gate/varco/internal/gate"
)

// TicketChange is a ticket's gate state as scanners need it.
type TicketChange struct {
	TicketID, ResourceID string
	Seats                int
	Presence             gate.Presence
	RevokedAt            time.Time
	RevokeReason         string
	Version              int
	UpdatedAt            time.Time
}

// Occupancy is the live count of one resource and slot.
type Occupancy struct {
	ResourceID string
	SlotStart  time.Time
	Inside     int
	Entries    int
	Exits      int
	Overstays  int
	Booked     int
}

// FeedStore reads what scanners and staff watch.
type FeedStore interface {
	// TicketChanges lists tickets of the resources whose (updated_at, id)
	// comes after (since, afterID) and whose validity has not ended before
	// notBefore, in that order: keyset paging, so any number of changes in
	// the same millisecond pages through without repeating.
	TicketChanges(ctx context.Context, resourceIDs []string, since time.Time, afterID string, notBefore time.Time, limit int) ([]TicketChange, error)
	// Occupancy counts tickets of the resources whose slot starts in
	// [from, to), per slot, as seen at now.
	Occupancy(ctx context.Context, resourceIDs []string, from, to, now time.Time) ([]Occupancy, error)
}
