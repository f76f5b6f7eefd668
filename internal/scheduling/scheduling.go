// Package scheduling applies organizers' changes to opening hours: weekly
// rules and exceptions are validated, stored, and checked against the
// future bookings they would strand. Stranded bookings are never changed
// silently: they are kept and reported, so the office can move or cancel
// them and tell the citizens.
package scheduling

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/schedule"
	"github.com/varco-gate/varco/internal/store"
)

// Store is what schedule changes need.
type Store interface {
	ListRules(ctx context.Context, resourceID string) ([]catalog.WeeklyRule, error)
	ReplaceRules(ctx context.Context, resourceID string, rules []catalog.WeeklyRule) error
	ListExceptions(ctx context.Context, resourceID string) ([]catalog.Exception, error)
	AddException(ctx context.Context, resourceID string, e catalog.Exception) error
	DeleteException(ctx context.Context, resourceID, exceptionID string) error
	FutureBookings(ctx context.Context, resourceID string, now time.Time) ([]booking.Booking, error)
}

// Planner loads a resource with its current plan.
type Planner interface {
	Plan(ctx context.Context, resourceID string) (catalog.Resource, schedule.Plan, error)
}

// Service changes schedules.
type Service struct {
	store   Store
	planner Planner
	clk     clock.Clock
}

// New returns the scheduling service.
func New(s Store, p Planner, clk clock.Clock) *Service {
	return &Service{store: s, planner: p, clk: clk}
}

// Schedule is a resource's rules and exceptions.
type Schedule struct {
	ResourceID string
	Rules      []catalog.WeeklyRule
	Exceptions []catalog.Exception
}

// ErrExceptionNotFound is returned for an unknown exception id.
var ErrExceptionNotFound = fault.New(fault.NotFound, "exception_not_found")

// Get returns the schedule of a resource.
func (s *Service) Get(ctx context.Context, resourceID string) (Schedule, error) {
	if _, _, err := s.planner.Plan(ctx, resourceID); err != nil {
		return Schedule{}, err
	}
	return s.load(ctx, resourceID)
}

func (s *Service) load(ctx context.Context, resourceID string) (Schedule, error) {
	rules, err := s.store.ListRules(ctx, resourceID)
	if err != nil {
		return Schedule{}, err
	}
	excs, err := s.store.ListExceptions(ctx, resourceID)
	if err != nil {
		return Schedule{}, err
	}
	return Schedule{ResourceID: resourceID, Rules: rules, Exceptions: excs}, nil
}

// SetRules replaces the weekly rules and returns the future bookings that
// no longer fit them.
func (s *Service) SetRules(ctx context.Context, resourceID string, rules []catalog.WeeklyRule) (Schedule, []booking.Booking, error) {
	r, plan, err := s.planner.Plan(ctx, resourceID)
	if err != nil {
		return Schedule{}, nil, err
	}
	if err := schedule.ValidateRules(r.Kind, plan.Operators, rules); err != nil {
		return Schedule{}, nil, err
	}
	for i := range rules {
		rules[i].ID = uuid.NewString()
		if r.Kind == catalog.KindAppointment {
			// Appointment capacity is the operators working; the column
			// records it for reference.
			rules[i].SeatsPerSlot = max(len(rules[i].OperatorIDs), len(plan.Operators))
		}
	}
	if err := s.store.ReplaceRules(ctx, resourceID, rules); err != nil {
		return Schedule{}, nil, fmt.Errorf("set schedule: %w", err)
	}
	return s.afterChange(ctx, resourceID)
}

// AddException stores an exception and returns the bookings it strands.
func (s *Service) AddException(ctx context.Context, resourceID string, e catalog.Exception) (catalog.Exception, []booking.Booking, error) {
	r, plan, err := s.planner.Plan(ctx, resourceID)
	if err != nil {
		return e, nil, err
	}
	if e.EndDate == "" {
		e.EndDate = e.StartDate
	}
	if err := schedule.ValidateException(r.Kind, plan.Operators, e); err != nil {
		return e, nil, err
	}
	e.ID, e.CreatedAt = uuid.NewString(), s.clk.Now()
	if err := s.store.AddException(ctx, resourceID, e); err != nil {
		return e, nil, fmt.Errorf("add exception: %w", err)
	}
	_, stranded, err := s.afterChange(ctx, resourceID)
	return e, stranded, err
}

// DeleteException removes an exception.
func (s *Service) DeleteException(ctx context.Context, resourceID, id string) error {
	if id == "" {
		return fault.InvalidField("exception_id", "required")
	}
	err := s.store.DeleteException(ctx, resourceID, id)
	if errors.Is(err, store.ErrNotFound) {
		return ErrExceptionNotFound
	}
	return err
}

// afterChange reloads the schedule and finds stranded bookings.
func (s *Service) afterChange(ctx context.Context, resourceID string) (Schedule, []booking.Booking, error) {
	sched, err := s.load(ctx, resourceID)
	if err != nil {
		return Schedule{}, nil, err
	}
	_, plan, err := s.planner.Plan(ctx, resourceID)
	if err != nil {
		return sched, nil, err
	}
	future, err := s.store.FutureBookings(ctx, resourceID, s.clk.Now())
	if err != nil {
		return sched, nil, err
	}
	stranded, err := Stranded(plan, future)
	return sched, stranded, err
}

// Stranded returns the bookings whose slots (or operator) the plan no
// longer offers.
func Stranded(plan schedule.Plan, bookings []booking.Booking) ([]booking.Booking, error) {
	days := map[schedule.Date][]schedule.Slot{}
	var out []booking.Booking
	for _, b := range bookings {
		for _, start := range b.SlotStarts {
			d := schedule.DateOf(start.In(plan.Location))
			slots, ok := days[d]
			if !ok {
				gen, err := plan.Days(d, d)
				if err != nil {
					return nil, err
				}
				slots = gen[0].Slots
				days[d] = slots
			}
			i := slices.IndexFunc(slots, func(s schedule.Slot) bool { return s.Start.Equal(start) })
			if i < 0 || (b.OperatorID != "" && !slices.Contains(slots[i].OperatorIDs, b.OperatorID)) {
				out = append(out, b)
				break
			}
		}
	}
	return out, nil
}
