package booking

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/schedule"
	"github.com/varco-gate/varco/internal/store"
)

// This file holds what the office does with bookings: look one up by code,
// book at the counter, and block a period. The caller's right to act on the
// booking or resource is checked by the API edge before any of these run.

// StaffActor returns the history actor for a staff account, named after
// the account (its id when the account is gone).
func (s *Service) StaffActor(ctx context.Context, accountID string) (Actor, error) {
	a, err := s.accounts.GetAccount(ctx, accountID)
	switch {
	case err == nil:
		return Actor{Kind: ActorStaff, ID: accountID, Name: strings.TrimSpace(a.GivenName + " " + a.FamilyName)}, nil
	case errors.Is(err, store.ErrNotFound):
		return Actor{Kind: ActorStaff, ID: accountID, Name: accountID}, nil
	}
	return Actor{}, fmt.Errorf("load staff account: %w", err)
}

// Find returns a booking by id, or by its code as quoted at the counter
// (any case, with or without the dash).
func (s *Service) Find(ctx context.Context, idOrCode string) (Booking, error) {
	if idOrCode == "" {
		return Booking{}, fault.InvalidField("booking_id", "required")
	}
	b, err := s.store.GetBooking(ctx, idOrCode)
	if errors.Is(err, store.ErrNotFound) {
		b, err = s.store.GetBookingByCode(ctx, token.NormalizeCode(idOrCode))
	}
	if errors.Is(err, store.ErrNotFound) {
		return Booking{}, ErrBookingNotFound
	}
	return b, err
}

// CounterRequest books for a citizen at the office's counter: hold and
// confirm in one step.
type CounterRequest struct {
	ResourceID     string
	SlotStart      time.Time
	SlotCount      int
	Seats          int
	OperatorID     string // "" means any operator (appointments)
	Beneficiary    *Person
	Reason, Notes  string
	PrivacyConsent bool
	IdempotencyKey string
	Language       string // "" means Italian
}

// BookAtCounter books the seats directly, without a hold, for the person
// at the counter; staff is the booker of record (so a retried request with
// the same idempotency key returns the same booking).
//
// A counter booking follows the same rules as an online one — minimum
// notice, same-day cut-off, slot count and seats, the per-person limit —
// with two exceptions: the booking horizon (opens_days_ahead) does not
// apply, since an office may give a citizen a date further ahead than the
// online calendar shows, and the operator may always be chosen, since the
// office is who assigns operators. The resource's acknowledgements are not
// asked for: the operator goes through them in person, and the citizen's
// privacy consent is recorded instead.
func (s *Service) BookAtCounter(ctx context.Context, staff Actor, req CounterRequest) (ConfirmResult, error) {
	if staff.ID == "" {
		return ConfirmResult{}, errors.New("booking: counter booking without a staff account")
	}
	if err := checkIdempotencyKey(req.IdempotencyKey); err != nil {
		return ConfirmResult{}, err
	}
	if req.Beneficiary == nil {
		return ConfirmResult{}, fault.InvalidField("beneficiary", "required").Text("error.required.beneficiary")
	}
	now := s.clk.Now()
	who, err := beneficiary(req.Beneficiary, identity.Account{}, "beneficiary.", now)
	if err != nil {
		return ConfirmResult{}, err
	}
	if err := checkTexts(req.Reason, req.Notes); err != nil {
		return ConfirmResult{}, err
	}
	if !req.PrivacyConsent {
		return ConfirmResult{}, fault.InvalidField("privacy_consent", "privacy_consent_required").Text("error.privacy_consent_required.privacy_consent")
	}
	lang := req.Language
	if lang == "" {
		lang = "it"
	}
	// A retry after the slot filled up must still find its booking, so
	// look before selecting slots (and again inside the transaction).
	if b, err := s.replay(ctx, staff.ID, req.IdempotencyKey); err == nil {
		return replayedCounter(b, req, who)
	} else if !errors.Is(err, store.ErrNotFound) {
		return ConfirmResult{}, err
	}
	sel, err := s.counterSelection(ctx, HoldRequest{ResourceID: req.ResourceID, SlotStart: req.SlotStart,
		SlotCount: req.SlotCount, Seats: req.Seats, OperatorID: req.OperatorID})
	if err != nil {
		return ConfirmResult{}, err
	}
	r := sel.resource
	mode, err := chooseMode(r, 0)
	if err != nil {
		return ConfirmResult{}, err
	}
	first, err := s.firstFree(ctx, sel, now)
	if err != nil {
		return ConfirmResult{}, err
	}
	var out ConfirmResult
	var earlier string
	err = s.store.InTx(ctx, func(tx Tx) error {
		if b, err := tx.FindByIdempotencyKey(ctx, staff.ID, req.IdempotencyKey); err == nil {
			earlier = b.ID // a concurrent retry won the race
			return nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if limit := r.Policy.MaxActivePerPerson; limit > 0 {
			n, err := tx.CountActiveForPerson(ctx, r.ID, who.CodiceFiscale, now)
			if err != nil {
				return err
			}
			if n >= limit {
				return ErrPersonLimit
			}
		}
		op, err := s.takeSeats(ctx, tx, sel, now, false)
		if err != nil {
			return err
		}
		b := Booking{
			ID: newID(), OrganizationID: r.OrganizationID, ResourceID: r.ID, OperatorID: op,
			Start: sel.slots[0].Start, End: sel.slots[len(sel.slots)-1].End, SlotStarts: sel.starts(), Seats: sel.seats,
			Mode: mode, Status: Confirmed, BookerID: staff.ID, BookedByStaff: true, OnBehalf: true,
			Beneficiary: who, Reason: req.Reason, Notes: req.Notes, Language: lang, PrivacyAt: now,
			CreatedAt: now, UpdatedAt: now, IdempotencyKey: req.IdempotencyKey, FirstFree: first,
		}
		if out.CancelToken, err = s.insertBooking(ctx, tx, &b, staff, r, now); err != nil {
			return err
		}
		out.Booking = b
		return nil
	})
	if err != nil {
		return ConfirmResult{}, fmt.Errorf("counter booking: %w", err)
	}
	if earlier != "" {
		b, err := s.store.GetBooking(ctx, earlier)
		if err != nil {
			return ConfirmResult{}, err
		}
		return replayedCounter(b, req, who)
	}
	return out, nil
}

// replayedCounter answers a retry with the booking its key already made,
// unless the key is being reused for a different booking.
func replayedCounter(b Booking, req CounterRequest, who Person) (ConfirmResult, error) {
	if b.ResourceID != req.ResourceID || !b.Start.Equal(req.SlotStart) || b.Beneficiary.CodiceFiscale != who.CodiceFiscale {
		return ConfirmResult{}, ErrIdempotencyReuse
	}
	return ConfirmResult{Booking: b, Replayed: true}, nil
}

// counterPlanner shows resources as the office sees them: without the
// online booking horizon, and with the operator always selectable.
type counterPlanner struct{ Planner }

// Plan implements Planner.
func (p counterPlanner) Plan(ctx context.Context, resourceID string) (catalog.Resource, schedule.Plan, error) {
	return counterView(p.Planner.Plan(ctx, resourceID))
}

// PlanAt implements Planner.
func (p counterPlanner) PlanAt(ctx context.Context, v int64, resourceID string) (catalog.Resource, schedule.Plan, error) {
	return counterView(p.Planner.PlanAt(ctx, v, resourceID))
}

// CachedPlan implements Planner.
func (p counterPlanner) CachedPlan(v int64, resourceID string) (catalog.Resource, schedule.Plan, bool) {
	r, plan, ok := p.Planner.CachedPlan(v, resourceID)
	r, plan, _ = counterView(r, plan, nil)
	return r, plan, ok
}

// counterView relaxes a plan's online rules as the office sees them.
func counterView(r catalog.Resource, plan schedule.Plan, err error) (catalog.Resource, schedule.Plan, error) {
	r.Policy.OpensDaysAhead = 0
	r.OperatorChoice = true
	return r, plan, err
}

// counterSelection validates a counter request's slots with the online
// rules relaxed as BookAtCounter documents.
func (s *Service) counterSelection(ctx context.Context, req HoldRequest) (selection, error) {
	office := *s
	office.planner = counterPlanner{s.planner}
	return office.selectSlots(ctx, req)
}

// MaxBlockDays bounds the length of one block, so a typo in a date cannot
// cancel a year of bookings.
const MaxBlockDays = 92

// BlockRequest makes an operator, or a whole resource, unavailable for a
// period.
type BlockRequest struct {
	ResourceID string
	OperatorID string // "" blocks the whole resource
	From, To   time.Time
	Reason     string
}

// BlockResult is the exception a block created and the bookings it
// cancelled.
type BlockResult struct {
	Exception catalog.Exception
	Cancelled []Booking
}

// Block records the unavailability as a schedule exception (an operator's
// absence, or a closure of the resource) and cancels by operator, with the
// reason, every confirmed booking that overlaps the period and has not
// started yet; holds overlapping it are dropped as if expired. All of it
// happens in one transaction, which also queues the cancellation messages.
//
// The exception is expressed in the local time of the resource's place: a
// period within one local day (possibly up to midnight), or whole days
// from midnight to midnight. A period over several days with partial first
// or last days is refused: one exception cannot express it, so the office
// blocks those days one at a time.
//
// Bookings already started are left alone (their attendance is still to
// be recorded), as are bookings in the past part of a period that began
// earlier.
func (s *Service) Block(ctx context.Context, staff Actor, req BlockRequest) (BlockResult, error) {
	if req.ResourceID == "" {
		return BlockResult{}, fault.InvalidField("resource_id", "required")
	}
	if strings.TrimSpace(req.Reason) == "" {
		return BlockResult{}, fault.InvalidField("reason", "required").Text("error.required.reason")
	}
	if err := checkTexts(req.Reason, ""); err != nil {
		return BlockResult{}, err
	}
	now := s.clk.Now()
	switch {
	case req.From.IsZero() || req.To.IsZero():
		return BlockResult{}, fault.InvalidField("period", "required").Text("error.required.period")
	case !req.To.After(req.From):
		return BlockResult{}, fault.InvalidField("period.end", "end_before_start").Text("error.end_before_start.period_end")
	case !req.To.After(now):
		return BlockResult{}, fault.InvalidField("period.end", "period_past")
	case req.To.Sub(req.From) > MaxBlockDays*24*time.Hour:
		return BlockResult{}, fault.InvalidField("period.end", "period_too_long").Text("error.period_too_long", MaxBlockDays)
	}
	r, plan, err := s.planner.Plan(ctx, req.ResourceID)
	if err != nil {
		return BlockResult{}, err
	}
	kind := catalog.ExceptionClosure
	if req.OperatorID != "" {
		if r.Kind != catalog.KindAppointment || !slices.Contains(plan.Operators, req.OperatorID) {
			return BlockResult{}, fault.InvalidField("operator_id", "unknown_operator")
		}
		kind = catalog.ExceptionOperatorUnavailable
	}
	e, err := blockException(plan.Location, req.From, req.To)
	if err != nil {
		return BlockResult{}, err
	}
	e.ID, e.Kind, e.OperatorID, e.Reason, e.CreatedAt = newID(), kind, req.OperatorID, req.Reason, now
	if err := schedule.ValidateException(r.Kind, plan.Operators, e); err != nil {
		return BlockResult{}, fmt.Errorf("block exception: %w", err)
	}
	var ids []string
	err = s.store.InTx(ctx, func(tx Tx) error {
		ids = ids[:0] // the store may run the transaction again (PostgreSQL)
		if err := tx.InsertException(ctx, r.ID, e); err != nil {
			return err
		}
		if _, err := tx.ReleaseHoldsOverlapping(ctx, r.ID, req.OperatorID, req.From, req.To, now); err != nil {
			return err
		}
		hit, err := tx.ActiveOverlapping(ctx, r.ID, req.OperatorID, req.From, req.To)
		if err != nil {
			return err
		}
		for _, b := range hit {
			if !b.Start.After(now) {
				continue
			}
			if err := s.endBooking(ctx, tx, b, CancelledByOperator, staff, req.Reason, now, outbox.KindBookingCancelled); err != nil {
				return err
			}
			ids = append(ids, b.ID)
		}
		return nil
	})
	if err != nil {
		return BlockResult{}, fmt.Errorf("block slots: %w", err)
	}
	out := BlockResult{Exception: e}
	for _, id := range ids {
		b, err := s.store.GetBooking(ctx, id)
		if err != nil {
			return BlockResult{}, err
		}
		out.Cancelled = append(out.Cancelled, b)
	}
	return out, nil
}

// blockException expresses [from, to) as the dates and times of a schedule
// exception in loc (see Block for the shapes accepted).
func blockException(loc *time.Location, from, to time.Time) (catalog.Exception, error) {
	lf, lt := from.In(loc), to.In(loc)
	if lf.Second() != 0 || lf.Nanosecond() != 0 || lt.Second() != 0 || lt.Nanosecond() != 0 {
		return catalog.Exception{}, fault.InvalidField("period", "whole_minutes")
	}
	df, dt := schedule.DateOf(lf), schedule.DateOf(lt)
	cf, ct := schedule.Clock(lf.Hour()*60+lf.Minute()), schedule.Clock(lt.Hour()*60+lt.Minute())
	var e catalog.Exception
	switch {
	case cf == 0 && ct == 0:
		// Whole days: closes them outright (the day reads as closed).
		e.StartDate, e.EndDate = df.String(), dt.AddDays(-1).String()
	case df == dt:
		e.StartDate, e.EndDate, e.StartTime, e.EndTime = df.String(), df.String(), cf.String(), ct.String()
	case ct == 0 && df.AddDays(1) == dt:
		e.StartDate, e.EndDate, e.StartTime, e.EndTime = df.String(), df.String(), cf.String(), schedule.Clock(24*60).String()
	default:
		return catalog.Exception{}, fault.InvalidField("period", "partial_days")
	}
	return e, nil
}
