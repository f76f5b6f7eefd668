package availability

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/schedule"
	"github.com/varco-gate/varco/internal/store"
	"github.com/varco-gate/varco/internal/versioned"
)

// MaxDays is the longest range one request may ask for.
const MaxDays = 62

// Store is what the grid reads.
type Store interface {
	GetResource(ctx context.Context, id string) (catalog.Resource, error)
	GetPlace(ctx context.Context, id string) (catalog.Place, error)
	ListRules(ctx context.Context, resourceID string) ([]catalog.WeeklyRule, error)
	ListExceptions(ctx context.Context, resourceID string) ([]catalog.Exception, error)
	Usage(ctx context.Context, resourceID string, from, to, now time.Time) ([]Usage, error)
	// OperatorBusy lists the live holds and confirmed bookings of the
	// operators on other resources overlapping [from, to).
	OperatorBusy(ctx context.Context, resourceID string, operatorIDs []string, from, to, now time.Time) ([]Busy, error)
	// CatalogVersion changes whenever anything a plan is built from
	// changes, whoever wrote it.
	CatalogVersion(ctx context.Context) (int64, error)
	// GridVersions reads the catalog version and a number that moves with
	// every committed write (bookings, holds, waiting lists included), in
	// one read, whoever wrote.
	GridVersions(ctx context.Context) (catalog, writes int64, err error)
	// NextHoldExpiry is when the first live hold of the resource
	// overlapping [from, to) lapses after now, if one does.
	NextHoldExpiry(ctx context.Context, resourceID string, from, to, now time.Time) (time.Time, bool, error)
}

// Service answers availability queries.
type Service struct {
	store Store
	clk   clock.Clock
	// plans caches loaded plans by resource id. Loading one takes six
	// queries and was a quarter of the CPU of every hold and confirm;
	// checking the catalog version takes one.
	plans versioned.Map[string, cachedPlan]
	// grids caches computed grids (gridcache.go); noGridCache turns it off
	// for the benchmark that measures what it saves.
	grids       versioned.Map[gridKey, cachedGrid]
	noGridCache bool
	stamps      atomic.Uint64
	versions    versionReads
	flightsMu   sync.Mutex
	flights     map[gridKey]*gridFlight
}

// cachedPlan is a loaded plan. Callers share its slices and must not
// modify them.
type cachedPlan struct {
	resource catalog.Resource
	plan     schedule.Plan
}

// New returns the availability service.
func New(s Store, clk clock.Clock) *Service {
	return &Service{store: s, clk: clk, grids: versioned.Map[gridKey, cachedGrid]{Limit: maxCachedGrids}}
}

// Query asks for a grid.
type Query struct {
	ResourceID string
	From, To   string // local dates "YYYY-MM-DD", inclusive
	OperatorID string
	Seats      int
}

// Grid is the answer.
type Grid struct {
	ResourceID string
	TimeZone   string
	Days       []Day
	ComputedAt time.Time
	// Stamp identifies one computation: two grids with the same non-zero
	// stamp are the same cached grid (so the edge may reuse its encoding).
	// Callers share a cached grid's slices and must not modify them.
	Stamp uint64
}

// Failures.
var (
	ErrResourceNotFound = fault.New(fault.NotFound, "resource_not_found")
	errNotBookable      = fault.New(fault.FailedPrecondition, "not_bookable")
)

func invalidDate(field string) error {
	return fault.InvalidField(field, "date_format")
}

// Plan returns what slot generation needs for a bookable, active resource,
// from the cache when the catalog has not changed since it was loaded.
func (s *Service) Plan(ctx context.Context, resourceID string) (catalog.Resource, schedule.Plan, error) {
	v, err := s.CatalogVersion(ctx)
	if err != nil {
		return catalog.Resource{}, schedule.Plan{}, err
	}
	return s.PlanAt(ctx, v, resourceID)
}

// CatalogVersion reads the version plans are cached against. It is not
// coalesced like the grids' reads (coalesce.go): measured on
// BenchmarkBookingCycle, sharing the read cost more CPU (goroutine hand-offs,
// +5 allocations) than the one-row read it saved.
func (s *Service) CatalogVersion(ctx context.Context) (int64, error) {
	return s.store.CatalogVersion(ctx)
}

// CachedPlan returns the plan loaded at catalog version v, if it is in
// memory. It reads nothing, so a write transaction may call it without
// making the writer wait for a reader connection.
func (s *Service) CachedPlan(v int64, resourceID string) (catalog.Resource, schedule.Plan, bool) {
	c, ok := s.plans.Get(v, resourceID)
	return c.resource, c.plan, ok
}

// PlanAt is Plan with the catalog version v already read.
func (s *Service) PlanAt(ctx context.Context, v int64, resourceID string) (catalog.Resource, schedule.Plan, error) {
	if c, ok := s.plans.Get(v, resourceID); ok {
		return c.resource, c.plan, nil
	}
	r, plan, err := s.loadPlan(ctx, resourceID)
	if err != nil {
		return r, plan, err
	}
	s.plans.Put(v, resourceID, cachedPlan{resource: r, plan: plan})
	return r, plan, nil
}

// loadPlan reads a resource's plan from the store.
func (s *Service) loadPlan(ctx context.Context, resourceID string) (catalog.Resource, schedule.Plan, error) {
	r, err := s.store.GetResource(ctx, resourceID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !r.Active) {
		return r, schedule.Plan{}, ErrResourceNotFound
	}
	if err != nil {
		return r, schedule.Plan{}, fmt.Errorf("load resource: %w", err)
	}
	if !r.Kind.Bookable() {
		return r, schedule.Plan{}, errNotBookable
	}
	place, err := s.store.GetPlace(ctx, r.PlaceID)
	if err != nil {
		return r, schedule.Plan{}, fmt.Errorf("load place: %w", err)
	}
	loc, err := place.Zone()
	if err != nil {
		return r, schedule.Plan{}, fmt.Errorf("place %s time zone: %w", place.ID, err)
	}
	rules, err := s.store.ListRules(ctx, r.ID)
	if err != nil {
		return r, schedule.Plan{}, err
	}
	excs, err := s.store.ListExceptions(ctx, r.ID)
	if err != nil {
		return r, schedule.Plan{}, err
	}
	ops := make([]string, len(r.Operators))
	for i, op := range r.Operators {
		ops[i] = op.ID
	}
	return r, schedule.Plan{Location: loc, Kind: r.Kind, Operators: ops, Rules: rules, Exceptions: excs}, nil
}

// Grid computes the availability grid for q, or returns the one computed
// for the same query when nothing it depends on can have changed since
// (gridcache.go).
func (s *Service) Grid(ctx context.Context, q Query) (Grid, error) {
	from, to, err := q.validate()
	if err != nil {
		return Grid{}, err
	}
	if s.noGridCache {
		r, plan, err := s.Plan(ctx, q.ResourceID)
		if err != nil {
			return Grid{}, err
		}
		g, _, err := s.grid(ctx, r, plan, q, from, to)
		return g, err
	}
	return s.cachedGrid(ctx, q, from, to)
}

// GridOf computes the grid q asks for with a given plan of resource r
// instead of the stored one: the preview of a schedule not yet saved. The
// bookings and holds are the stored ones, so the grid is the one Grid will
// return once the plan is saved.
func (s *Service) GridOf(ctx context.Context, r catalog.Resource, plan schedule.Plan, q Query) (Grid, error) {
	q.ResourceID = r.ID
	from, to, err := q.validate()
	if err != nil {
		return Grid{}, err
	}
	g, _, err := s.grid(ctx, r, plan, q, from, to)
	return g, err
}

// validate checks a query's fields and returns its dates.
func (q Query) validate() (from, to schedule.Date, err error) {
	from, err = schedule.ParseDate(q.From)
	if err != nil {
		return from, to, invalidDate("from_date")
	}
	to = from
	if q.To != "" {
		if to, err = schedule.ParseDate(q.To); err != nil {
			return from, to, invalidDate("to_date")
		}
	}
	if to.Before(from) {
		return from, to, fault.InvalidField("to_date", "end_before_start")
	}
	if n := from.DaysUntil(to) + 1; n > MaxDays {
		return from, to, fault.InvalidField("to_date", "range_too_long").Text("error.range_too_long", MaxDays)
	}
	if q.Seats < 0 || q.Seats > 100 {
		return from, to, fault.InvalidField("seats", "seats")
	}
	if q.ResourceID == "" {
		return from, to, fault.InvalidField("resource_id", "required")
	}
	return from, to, nil
}

// grid computes the grid of r with plan for the dates from-to. It also
// returns the first instant its answer may change by time alone, but for
// the lapse of the resource's own holds (see validUntil).
func (s *Service) grid(ctx context.Context, r catalog.Resource, plan schedule.Plan, q Query, from, to schedule.Date) (Grid, time.Time, error) {
	if q.OperatorID != "" && !slices.Contains(plan.Operators, q.OperatorID) {
		return Grid{}, time.Time{}, fault.InvalidField("operator_id", "unknown_operator")
	}
	days, err := plan.Days(from, to)
	if err != nil {
		return Grid{}, time.Time{}, fmt.Errorf("generate slots: %w", err)
	}
	now := s.clk.Now()
	start, _ := schedule.Clock(0).At(from, plan.Location)
	end, _ := schedule.Clock(0).At(to.AddDays(1), plan.Location)
	usage, err := s.store.Usage(ctx, r.ID, start, end, now)
	if err != nil {
		return Grid{}, time.Time{}, err
	}
	var busy []Busy
	if r.Kind == catalog.KindAppointment {
		if busy, err = s.store.OperatorBusy(ctx, r.ID, plan.Operators, start, end, now); err != nil {
			return Grid{}, time.Time{}, err
		}
		usage = append(usage, BusyUsage(days, busy)...)
	}
	g := Grid{
		ResourceID: r.ID, TimeZone: plan.Location.String(), ComputedAt: now, Stamp: s.stamps.Add(1),
		Days: Compute(plan, r.Policy, days, usage, now, q.OperatorID, q.Seats),
	}
	return g, validUntil(plan, r.Policy, days, busy, now), nil
}
