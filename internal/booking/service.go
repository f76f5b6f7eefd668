package booking

import (
	"context"
	"time"

	"github.com/varco-gate/varco/internal/availability"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/schedule"
)

// Tx is what a booking operation may do inside its store transaction.
// Every method must see the writes made earlier in the same transaction.
type Tx interface {
	// ReleaseExpiredHolds frees the seats of a resource's holds that
	// expired at now and deletes them.
	ReleaseExpiredHolds(ctx context.Context, resourceID string, now time.Time) (int, error)
	CountLiveHolds(ctx context.Context, accountID string, now time.Time) (int, error)
	// TakeSeats adds seats to a slot's usage if they fit in capacity
	// (creating the row, and refreshing its capacity from the rules); hold
	// marks them as held. It reports false, changing nothing, when they do
	// not fit.
	TakeSeats(ctx context.Context, resourceID string, start time.Time, operatorID string, capacity, seats int, hold bool) (bool, error)
	// ReleaseSeats gives seats back; held says they were still a hold.
	ReleaseSeats(ctx context.Context, resourceID string, starts []time.Time, operatorID string, seats int, held bool) error
	// ConfirmHeldSeats turns held seats into booked seats.
	ConfirmHeldSeats(ctx context.Context, resourceID string, starts []time.Time, operatorID string, seats int) error
	// OperatorBusyElsewhere reports whether the operator has a live hold
	// or a confirmed booking on another resource overlapping [from, to):
	// slot usage counts per resource, and one person cannot serve two
	// services at once.
	OperatorBusyElsewhere(ctx context.Context, operatorID, resourceID string, from, to, now time.Time) (bool, error)
	// OperatorLoad counts, per operator, the seats taken on a resource in
	// [from, to): used to assign "any operator" fairly.
	OperatorLoad(ctx context.Context, resourceID string, from, to time.Time) (map[string]int, error)
	InsertHold(ctx context.Context, h Hold) error
	GetHold(ctx context.Context, id string) (Hold, error)
	DeleteHold(ctx context.Context, id string) error
	// TakeHold deletes a hold and returns it as it was (store.ErrNotFound
	// when there is none); the transaction failing brings it back.
	TakeHold(ctx context.Context, id string) (Hold, error)
	// InsertBooking stores a booking with its acknowledgements; a taken
	// code is store.ErrConflict, a taken idempotency key (same booker) is
	// ErrKeyTaken.
	InsertBooking(ctx context.Context, b Booking) error
	GetBooking(ctx context.Context, id string) (Booking, error)
	FindByIdempotencyKey(ctx context.Context, bookerID, key string) (Booking, error)
	CountActiveForPerson(ctx context.Context, resourceID, codiceFiscale string, now time.Time) (int, error)
	SetStatus(ctx context.Context, id string, status Status, at time.Time) error
	SetRescheduledTo(ctx context.Context, id, to string, at time.Time) error
	AddHistory(ctx context.Context, bookingID string, c Change) error
	Enqueue(ctx context.Context, m outbox.Message) error
	// IssueTicket stores the entry ticket of a new booking.
	IssueTicket(ctx context.Context, t IssuedTicket) error
	// RevokeTickets revokes a booking's live tickets.
	RevokeTickets(ctx context.Context, bookingID, reason string, at time.Time) error
	// CancelMessages cancels the pending messages of a subject.
	CancelMessages(ctx context.Context, subjectKey string, at time.Time) error
	// InsertException adds a schedule exception to a resource (an
	// operator's block of a period).
	InsertException(ctx context.Context, resourceID string, e catalog.Exception) error
	// ActiveOverlapping lists the confirmed bookings of a resource (of one
	// operator when operatorID is set) whose span overlaps [from, to).
	ActiveOverlapping(ctx context.Context, resourceID, operatorID string, from, to time.Time) ([]Booking, error)
	// ReleaseHoldsOverlapping frees, as if expired at now, the live holds of
	// a resource (of one operator when operatorID is set) overlapping
	// [from, to).
	ReleaseHoldsOverlapping(ctx context.Context, resourceID, operatorID string, from, to, now time.Time) (int, error)

	// Waiting lists (waitlist*.go).
	WaitlistTx
	// InsertProposal stores a new proposal with its alternatives.
	InsertProposal(ctx context.Context, p Proposal) error
	GetProposal(ctx context.Context, id string) (Proposal, error)
	// PendingProposals lists a booking's proposals still pending.
	PendingProposals(ctx context.Context, bookingID string) ([]Proposal, error)
	// FinishProposal moves a pending proposal to status, reporting false
	// (changing nothing) when it is no longer pending: the condition is
	// what lets several replicas close proposals at once.
	FinishProposal(ctx context.Context, id string, status ProposalStatus, chosen int, newBookingID string, at time.Time) (bool, error)
	// SetMeetingURL stores the link an operator set on a booking.
	SetMeetingURL(ctx context.Context, bookingID, url string, at time.Time) error
}

// Store is the storage of bookings.
type Store interface {
	// InTx runs fn in one write transaction: all or nothing. fn may run
	// more than once (PostgreSQL retries a transaction that lost a
	// serialization conflict), so it must set, not accumulate, what it
	// leaves outside.
	InTx(ctx context.Context, fn func(Tx) error) error
	GetBooking(ctx context.Context, id string) (Booking, error)
	GetBookingByCode(ctx context.Context, code string) (Booking, error)
	FindByIdempotencyKey(ctx context.Context, bookerID, key string) (Booking, error)
	ListForAccount(ctx context.Context, q AccountQuery) ([]Booking, error)
	ListForCalendar(ctx context.Context, q CalendarQuery) ([]Booking, error)
	// SweepExpiredHolds frees the seats of every hold expired at now.
	SweepExpiredHolds(ctx context.Context, now time.Time, limit int) (int, error)
	// Usage reads a resource's live slot use in [from, to) as seen at now,
	// from the readers (as availability.Store.Usage does).
	Usage(ctx context.Context, resourceID string, from, to, now time.Time) ([]availability.Usage, error)
	// OperatorBusy reads the operators' time taken on other resources (as
	// availability.Store.OperatorBusy does).
	OperatorBusy(ctx context.Context, resourceID string, operatorIDs []string, from, to, now time.Time) ([]availability.Busy, error)

	// Waiting lists (waitlist*.go).
	WaitlistStore
	// GetProposal and ProposalsOfBooking (newest first) read proposals.
	GetProposal(ctx context.Context, id string) (Proposal, error)
	ProposalsOfBooking(ctx context.Context, bookingID string) ([]Proposal, error)
	// LapsedProposals lists up to limit pending proposals expired at now.
	LapsedProposals(ctx context.Context, now time.Time, limit int) ([]string, error)
}

// Planner loads a bookable resource and its slot plan.
type Planner interface {
	Plan(ctx context.Context, resourceID string) (catalog.Resource, schedule.Plan, error)
	// CatalogVersion reads the version plans are cached against, and
	// PlanAt is Plan at a version already read.
	CatalogVersion(ctx context.Context) (int64, error)
	PlanAt(ctx context.Context, v int64, resourceID string) (catalog.Resource, schedule.Plan, error)
	// CachedPlan is the plan PlanAt would return at v when it is in
	// memory; it reads nothing, so write transactions use it.
	CachedPlan(v int64, resourceID string) (catalog.Resource, schedule.Plan, bool)
}

// Accounts looks up the booker's account.
type Accounts interface {
	GetAccount(ctx context.Context, id string) (identity.Account, error)
}

// Config tunes the lifecycle.
type Config struct {
	// MaxLiveHolds bounds the holds one account may keep at once, so one
	// client cannot sit on a whole event while others wait. Default 3.
	MaxLiveHolds int
}

// Service runs the booking lifecycle.
type Service struct {
	cfg      Config
	store    Store
	planner  Planner
	accounts Accounts
	clk      clock.Clock
}

// New returns the booking service.
func New(cfg Config, s Store, p Planner, a Accounts, clk clock.Clock) *Service {
	if cfg.MaxLiveHolds <= 0 {
		cfg.MaxLiveHolds = 3
	}
	return &Service{cfg: cfg, store: s, planner: p, accounts: a, clk: clk}
}
