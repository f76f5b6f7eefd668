package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/store"
)

// RescheduleRequest moves a booking to another slot of the same resource.
type RescheduleRequest struct {
	BookingID      string
	NewStart       time.Time
	OperatorID     string
	IdempotencyKey string
	Reason         string
}

// RescheduleResult is the outcome of a move.
type RescheduleResult struct {
	New, Previous Booking
	CancelToken   string
}

// RescheduleByOwner moves a booking the caller made or attends, within the
// same cut-off that applies to cancelling.
func (s *Service) RescheduleByOwner(ctx context.Context, caller authz.Principal, req RescheduleRequest) (RescheduleResult, error) {
	b, err := s.Get(ctx, caller, req.BookingID)
	if err != nil {
		return RescheduleResult{}, err
	}
	a, err := s.accounts.GetAccount(ctx, caller.AccountID)
	if err != nil {
		return RescheduleResult{}, err
	}
	r, _, err := s.planner.Plan(ctx, b.ResourceID)
	if err != nil {
		return RescheduleResult{}, err
	}
	if b.Active() && s.clk.Now().After(b.Start.Add(-r.Policy.CancelCutoff)) {
		return RescheduleResult{}, ErrCancelCutoff
	}
	return s.reschedule(ctx, b, req, Actor{Kind: ActorCitizen, ID: a.ID, Name: a.GivenName + " " + a.FamilyName})
}

// RescheduleByOperator moves a booking on the office's initiative.
func (s *Service) RescheduleByOperator(ctx context.Context, staff Actor, req RescheduleRequest) (RescheduleResult, error) {
	b, err := s.store.GetBooking(ctx, req.BookingID)
	if errors.Is(err, store.ErrNotFound) {
		return RescheduleResult{}, ErrBookingNotFound
	}
	if err != nil {
		return RescheduleResult{}, err
	}
	return s.reschedule(ctx, b, req, staff)
}

// reschedule takes the new seats before releasing the old ones, in one
// transaction: the citizen never ends up with both or neither.
func (s *Service) reschedule(ctx context.Context, old Booking, req RescheduleRequest, actor Actor) (RescheduleResult, error) {
	if err := checkIdempotencyKey(req.IdempotencyKey); err != nil {
		return RescheduleResult{}, err
	}
	if err := checkTexts(req.Reason, ""); err != nil {
		return RescheduleResult{}, err
	}
	if old.Status == Rescheduled && old.RescheduledTo != "" && old.BookerID != "" {
		// A retry of a move that already happened returns its result.
		if nb, err := s.replay(ctx, old.BookerID, req.IdempotencyKey); err == nil && nb.RescheduledFrom == old.ID {
			return RescheduleResult{New: nb, Previous: old}, nil
		}
	}
	if !old.Active() {
		return RescheduleResult{}, ErrNotRescheduable
	}
	if req.OperatorID == "" && old.OperatorID != "" {
		// No operator asked for: the citizen keeps the one they had when
		// that operator is free at the new time, and gets any free one
		// otherwise — a move of the time is not a change of counter. A
		// failed attempt rolled back all it did, so the second is clean.
		keep := req
		keep.OperatorID = old.OperatorID
		// Whatever stops that (the operator busy or away, a service where
		// the office assigns operators), the move itself may still work.
		if res, err := s.moveTo(ctx, old, keep, actor); err == nil {
			return res, nil
		}
	}
	return s.moveTo(ctx, old, req, actor)
}

// moveTo takes the seats of the new slots (of req.OperatorID, or of any
// free operator when empty) and ends the old booking, in one transaction.
func (s *Service) moveTo(ctx context.Context, old Booking, req RescheduleRequest, actor Actor) (RescheduleResult, error) {
	sel, err := s.selectSlots(ctx, HoldRequest{ResourceID: old.ResourceID, SlotStart: req.NewStart,
		SlotCount: len(old.SlotStarts), Seats: old.Seats, OperatorID: req.OperatorID})
	if err != nil {
		return RescheduleResult{}, err
	}
	now := s.clk.Now()
	first, err := s.firstFree(ctx, sel, now)
	if err != nil {
		return RescheduleResult{}, err
	}
	var out RescheduleResult
	var movedID string
	err = s.store.InTx(ctx, func(tx Tx) error {
		cur, err := tx.GetBooking(ctx, old.ID)
		if err != nil {
			return err
		}
		if !cur.Active() {
			return ErrNotRescheduable
		}
		op, err := s.takeSeats(ctx, tx, sel, now, false)
		if err != nil {
			return err
		}
		nb := cur
		nb.ID, nb.OperatorID, nb.Status = newID(), op, Confirmed
		nb.Start, nb.End, nb.SlotStarts = sel.slots[0].Start, sel.slots[len(sel.slots)-1].End, sel.starts()
		nb.RescheduledFrom, nb.RescheduledTo = cur.ID, ""
		nb.CreatedAt, nb.UpdatedAt, nb.IdempotencyKey, nb.FirstFree = now, now, req.IdempotencyKey, first
		nb.History = nil
		if out.CancelToken, err = s.insertBooking(ctx, tx, &nb, actor, sel.resource, now); err != nil {
			return err
		}
		movedID = nb.ID
		// Only now give back the old seats; no message for the old booking:
		// the new one's "rescheduled" message tells the whole story.
		if err := s.endBooking(ctx, tx, cur, Rescheduled, actor, req.Reason, now, ""); err != nil {
			return err
		}
		return tx.SetRescheduledTo(ctx, cur.ID, nb.ID, now)
	})
	if err != nil {
		return RescheduleResult{}, fmt.Errorf("reschedule booking: %w", err)
	}
	if out.New, err = s.store.GetBooking(ctx, movedID); err != nil {
		return RescheduleResult{}, err
	}
	if out.Previous, err = s.store.GetBooking(ctx, old.ID); err != nil {
		return RescheduleResult{}, err
	}
	return out, nil
}
