package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/store"
)

// CancelByOwner cancels a booking the caller made or attends.
func (s *Service) CancelByOwner(ctx context.Context, caller authz.Principal, id, reason string) (Booking, error) {
	b, err := s.Get(ctx, caller, id)
	if err != nil {
		return Booking{}, err
	}
	a, err := s.accounts.GetAccount(ctx, caller.AccountID)
	if err != nil {
		return Booking{}, err
	}
	return s.cancelAsCitizen(ctx, b, Actor{Kind: ActorCitizen, ID: a.ID, Name: a.GivenName + " " + a.FamilyName}, reason)
}

// CancelWithToken cancels a booking from the e-mail link, without login.
func (s *Service) CancelWithToken(ctx context.Context, code, cancelToken, reason string) (Booking, error) {
	b, err := s.GetWithToken(ctx, code, cancelToken)
	if err != nil {
		return Booking{}, err
	}
	return s.cancelAsCitizen(ctx, b, Actor{Kind: ActorAnonymous, Name: b.Beneficiary.GivenName + " " + b.Beneficiary.FamilyName}, reason)
}

func (s *Service) cancelAsCitizen(ctx context.Context, b Booking, actor Actor, reason string) (Booking, error) {
	if err := checkTexts(reason, ""); err != nil {
		return Booking{}, err
	}
	if !b.Active() {
		return Booking{}, ErrNotCancellable
	}
	r, _, err := s.planner.Plan(ctx, b.ResourceID)
	if err != nil {
		return Booking{}, err
	}
	if now := s.clk.Now(); now.After(b.Start.Add(-r.Policy.CancelCutoff)) {
		return Booking{}, ErrCancelCutoff
	}
	return s.cancel(ctx, b.ID, CancelledByUser, actor, reason)
}

// CancelByOperator cancels with a reason sent to the citizen.
func (s *Service) CancelByOperator(ctx context.Context, staff Actor, id, reason string) (Booking, error) {
	if reason == "" {
		return Booking{}, fault.InvalidField("reason", "required").Text("error.required.reason_citizen")
	}
	if err := checkTexts(reason, ""); err != nil {
		return Booking{}, err
	}
	return s.cancel(ctx, id, CancelledByOperator, staff, reason)
}

// cancel frees the seats at once, records the change, cancels pending
// reminders and queues the cancellation message, all in one transaction.
func (s *Service) cancel(ctx context.Context, id string, status Status, actor Actor, reason string) (Booking, error) {
	now := s.clk.Now()
	err := s.store.InTx(ctx, func(tx Tx) error {
		b, err := bookingInTx(ctx, tx, id)
		if err != nil {
			return err
		}
		if !b.Active() {
			return ErrNotCancellable
		}
		if err := s.endBooking(ctx, tx, b, status, actor, reason, now, outbox.KindBookingCancelled); err != nil {
			return err
		}
		// The freed seats go to the slot's waiting list in this same
		// transaction: nobody else can take them in between.
		for _, start := range b.SlotStarts {
			if err := s.offerFreed(ctx, tx, b.ResourceID, start, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return Booking{}, fmt.Errorf("cancel booking: %w", err)
	}
	return s.store.GetBooking(ctx, id)
}

// endBooking moves an active booking to a final status, giving back its
// seats and replacing its pending messages with kind (if any).
func (s *Service) endBooking(ctx context.Context, tx Tx, b Booking, status Status, actor Actor, reason string, now time.Time, kind string) error {
	if err := s.withdrawProposals(ctx, tx, b, actor, now); err != nil {
		return err
	}
	if err := tx.SetStatus(ctx, b.ID, status, now); err != nil {
		return err
	}
	if err := tx.AddHistory(ctx, b.ID, Change{Status: status, At: now, Actor: actor, Reason: reason}); err != nil {
		return err
	}
	if err := tx.ReleaseSeats(ctx, b.ResourceID, b.SlotStarts, b.OperatorID, b.Seats, false); err != nil {
		return err
	}
	// The entry ticket goes on the revocation list scanners sync.
	if err := tx.RevokeTickets(ctx, b.ID, revokeReason(status), now); err != nil {
		return err
	}
	if err := tx.CancelMessages(ctx, outbox.BookingSubject(b.ID), now); err != nil {
		return err
	}
	if kind == "" {
		return nil
	}
	return tx.Enqueue(ctx, outbox.Message{
		ID: newID(), Kind: kind, BookingID: b.ID, SubjectKey: "", DueAt: now, CreatedAt: now,
		Payload: outbox.Encode(outbox.BookingPayload{BookingID: b.ID, Reason: reason}),
	})
}

// AttendanceGrace is how early before the start attendance may be marked
// (citizens arrive early and are served).
const AttendanceGrace = 30 * time.Minute

// MarkAttendance records DONE or NO_SHOW for a booking that has started
// (or is about to). Seats stay taken: the slot was used.
func (s *Service) MarkAttendance(ctx context.Context, staff Actor, id string, status Status) (Booking, error) {
	if status != Done && status != NoShow {
		return Booking{}, fault.InvalidField("status", "attendance_status")
	}
	now := s.clk.Now()
	err := s.store.InTx(ctx, func(tx Tx) error {
		b, err := bookingInTx(ctx, tx, id)
		if err != nil {
			return err
		}
		// A mistaken mark may be corrected: DONE and NO_SHOW can replace
		// each other; cancelled or rescheduled bookings cannot be marked.
		if b.Status != Confirmed && b.Status != Done && b.Status != NoShow {
			return ErrNotCancellable
		}
		if now.Before(b.Start.Add(-AttendanceGrace)) {
			return ErrAttendanceTooEarly
		}
		if err := tx.SetStatus(ctx, id, status, now); err != nil {
			return err
		}
		if err := tx.CancelMessages(ctx, outbox.BookingSubject(id), now); err != nil {
			return err
		}
		return tx.AddHistory(ctx, id, Change{Status: status, At: now, Actor: staff})
	})
	if err != nil {
		return Booking{}, fmt.Errorf("mark attendance: %w", err)
	}
	return s.store.GetBooking(ctx, id)
}

// ErasureReason is recorded on bookings cancelled because their citizen
// deleted the account.
const ErasureReason = "account eliminato / account deleted"

// CancelForErasure cancels a future booking of a citizen who deletes the
// account. Unlike CancelByOwner it ignores the cut-off: the right to
// erasure does not wait for office hours.
func (s *Service) CancelForErasure(ctx context.Context, actor Actor, id string) (Booking, error) {
	return s.cancel(ctx, id, CancelledByUser, actor, ErasureReason)
}

// bookingInTx loads a booking inside a transaction; an unknown id is
// ErrBookingNotFound.
func bookingInTx(ctx context.Context, tx Tx, id string) (Booking, error) {
	b, err := tx.GetBooking(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Booking{}, ErrBookingNotFound
	}
	return b, err
}
