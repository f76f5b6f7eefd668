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
	// TicketChanges calls fn for every ticket of the resources changed
	// since cursor whose validity has not ended before notBefore, and
	// returns the cursor to resume from. A cursor is opaque and belongs
	// to the store (each engine knows its own commit order); an empty or
	// unreadable one starts from the beginning, and reset says so. A
	// change may be seen again after the cursor (callers skip versions
	// they have), never missed.
	TicketChanges(ctx context.Context, resourceIDs []string, cursor string, notBefore time.Time, fn func(TicketChange)) (next string, reset bool, err error)
	// Occupancy counts tickets of the resources whose slot starts in
	// [from, to), per slot, as seen at now.
	Occupancy(ctx context.Context, resourceIDs []string, from, to, now time.Time) ([]Occupancy, error)
}
