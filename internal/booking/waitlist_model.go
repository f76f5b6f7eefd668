package booking

import (
	"context"
	"time"
)

// WaitState is where a waiting-list entry stands; values match
// varco.v1.WaitlistState.
type WaitState int

// Waiting-list states. Waiting and Offered are live: the entry is in line.
const (
	Waiting   WaitState = 1
	Offered   WaitState = 2 // seats are held for the entry (HoldID)
	Converted WaitState = 3 // the offer became BookingID
	Lapsed    WaitState = 4 // the offer expired unanswered
	Declined  WaitState = 5
	Left      WaitState = 6
	Closed    WaitState = 7 // the slot stopped being bookable first
)

// Live reports whether the entry is still in line.
func (s WaitState) Live() bool { return s == Waiting || s == Offered }

// WaitEntry is one person in the line of a full event slot.
type WaitEntry struct {
	ID, OrganizationID, ResourceID, AccountID string
	Start, End                                time.Time // the slot
	// Position orders the slot's line: drawn as the slot's highest + 1 in
	// the joining transaction, so it is the order the joins committed.
	Position int
	Seats    int
	State    WaitState
	JoinedAt time.Time
	// HoldID is the offer's hold; OfferedAt and OfferExpiresAt its times.
	HoldID                    string
	OfferedAt, OfferExpiresAt time.Time
	BookingID                 string
	EndedAt                   time.Time

	// Read by lists only: the place among the live entries (1 first, 0
	// when ended), the resource's name and, for staff, who waits.
	Place                   int
	ResourceName            string
	PersonName, PersonEmail string
}

// WaitSlot names a slot with a live waiting list.
type WaitSlot struct {
	ResourceID string
	Start      time.Time
}

// WaitQuery selects entries for a list.
type WaitQuery struct {
	AccountID      string // a citizen's own entries
	OrganizationID string // or an organization's (staff)
	ResourceIDs    []string
	SlotStart      time.Time // one slot, with one resource
	IncludeEnded   bool
	From           time.Time // slots starting at or after
	Limit          int
}

// WaitlistTx is what the waiting list does inside a booking transaction.
type WaitlistTx interface {
	// InsertWaitEntry adds e at the end of its slot's line and returns its
	// position; a concurrent join drawing the same position is
	// store.ErrConflict.
	InsertWaitEntry(ctx context.Context, e WaitEntry) (int, error)
	GetWaitEntry(ctx context.Context, id string) (WaitEntry, error)
	// LiveWaitEntry is the account's live entry for a slot, or
	// store.ErrNotFound.
	LiveWaitEntry(ctx context.Context, resourceID string, start time.Time, accountID string) (WaitEntry, error)
	// WaitEntryByHold is the offered entry whose offer is the hold, or
	// store.ErrNotFound.
	WaitEntryByHold(ctx context.Context, holdID string) (WaitEntry, error)
	// FirstWaiting is the first entry of the slot's line still waiting
	// for an offer, or store.ErrNotFound.
	FirstWaiting(ctx context.Context, resourceID string, start time.Time) (WaitEntry, error)
	// AnyWaiting reports whether someone waits for an offer in one of the
	// slots.
	AnyWaiting(ctx context.Context, resourceID string, starts []time.Time) (bool, error)
	// UpdateWaitEntry writes e's state, offer, booking and end.
	UpdateWaitEntry(ctx context.Context, e WaitEntry) error
	// LapseOffers ends the slot's offers expired at now.
	LapseOffers(ctx context.Context, resourceID string, start, now time.Time) (int, error)
	// CloseWaitlist ends the slot's live entries with state (Closed).
	CloseWaitlist(ctx context.Context, resourceID string, start, now time.Time) error
	// SlotTaken is the seats taken (held or booked) in an event slot.
	SlotTaken(ctx context.Context, resourceID string, start time.Time) (int, error)
}

// WaitlistStore reads waiting lists outside transactions.
type WaitlistStore interface {
	// LiveWaitSlots lists up to limit slots that have live entries.
	LiveWaitSlots(ctx context.Context, limit int) ([]WaitSlot, error)
	// ListWaitEntries lists entries by slot, then position.
	ListWaitEntries(ctx context.Context, q WaitQuery) ([]WaitEntry, error)
}
