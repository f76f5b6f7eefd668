package scheduling

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/schedule"
)

// Proposal is what an organizer's preview shows before saving: the plan
// the proposed rules and exceptions would give the resource, and the
// future bookings it would strand.
type Proposal struct {
	Resource catalog.Resource
	Plan     schedule.Plan
	Stranded []booking.Booking
}

// Preview validates proposed weekly rules and exceptions as SetRules and
// AddException would, and returns the plan they would give the resource
// and the bookings they would strand. Nothing is written: the organizer
// sees the week before committing to it.
func (s *Service) Preview(ctx context.Context, resourceID string, rules []catalog.WeeklyRule, excs []catalog.Exception) (Proposal, error) {
	r, plan, err := s.planner.Plan(ctx, resourceID)
	if err != nil {
		return Proposal{}, err
	}
	if err := schedule.ValidateRules(r.Kind, plan.Operators, rules); err != nil {
		return Proposal{}, err
	}
	// The cached plan's slices are shared: build new ones.
	proposed := plan
	proposed.Rules = make([]catalog.WeeklyRule, len(rules))
	for i, rule := range rules {
		if r.Kind == catalog.KindAppointment {
			rule.SeatsPerSlot = max(len(rule.OperatorIDs), len(plan.Operators))
		}
		proposed.Rules[i] = rule
	}
	proposed.Exceptions = make([]catalog.Exception, len(excs))
	for i, e := range excs {
		if e.EndDate == "" {
			e.EndDate = e.StartDate
		}
		if err := schedule.ValidateException(r.Kind, plan.Operators, e); err != nil {
			return Proposal{}, renameException(err, i)
		}
		proposed.Exceptions[i] = e
	}
	future, err := s.store.FutureBookings(ctx, resourceID, s.clk.Now())
	if err != nil {
		return Proposal{}, err
	}
	stranded, err := Stranded(proposed, future)
	if err != nil {
		return Proposal{}, fmt.Errorf("preview stranded bookings: %w", err)
	}
	return Proposal{Resource: r, Plan: proposed, Stranded: stranded}, nil
}

// renameException turns ValidateException's "exception.field" into the
// preview request's "exceptions[i].field", so the client can put the
// message next to the right exception.
func renameException(err error, i int) error {
	var fe *fault.Error
	if !errors.As(err, &fe) || fe.Field == "" {
		return err
	}
	c := *fe
	c.Field = fmt.Sprintf("exceptions[%d].%s", i, strings.TrimPrefix(fe.Field, "exception."))
	return &c
}
