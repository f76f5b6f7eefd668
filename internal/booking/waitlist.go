package booking

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/store"
)

// JoinRequest asks for a place in the line of a full event slot.
type JoinRequest struct {
	ResourceID string
	SlotStart  time.Time
	Seats      int
}

// joinAttempts bounds the retries of a join that lost its position to a
// concurrent join (PostgreSQL; SQLite's single writer never does).
const joinAttempts = 5

// JoinWaitlist puts accountID in line for seats of a slot that cannot give
// them now: the slot is full for the seats asked, or others wait already
// (freed seats go to them first). The request obeys the same limits as a
// hold: the slot must be bookable, the seats within the resource's seats
// per booking, and the person below its active-booking limit.
func (s *Service) JoinWaitlist(ctx context.Context, accountID string, req JoinRequest) (WaitEntry, error) {
	sel, err := s.selectSlots(ctx, HoldRequest{ResourceID: req.ResourceID, SlotStart: req.SlotStart, SlotCount: 1, Seats: req.Seats})
	if err != nil {
		return WaitEntry{}, err
	}
	if sel.resource.Kind == catalog.KindAppointment {
		return WaitEntry{}, fault.InvalidField("resource_id", "waitlist_events_only")
	}
	self, err := s.accounts.GetAccount(ctx, accountID)
	if err != nil {
		return WaitEntry{}, fmt.Errorf("load account: %w", err)
	}
	slot := sel.slots[0]
	now := s.clk.Now()
	e := WaitEntry{
		OrganizationID: sel.resource.OrganizationID, ResourceID: sel.resource.ID, AccountID: accountID,
		Start: slot.Start, End: slot.End, Seats: sel.seats, State: Waiting, JoinedAt: now,
	}
	for attempt := 1; ; attempt++ {
		e.ID = newID()
		err = s.store.InTx(ctx, func(tx Tx) error {
			if _, err := tx.LiveWaitEntry(ctx, e.ResourceID, e.Start, accountID); err == nil {
				return ErrAlreadyWaiting
			} else if !errors.Is(err, store.ErrNotFound) {
				return err
			}
			if limit := sel.resource.Policy.MaxActivePerPerson; limit > 0 && self.CodiceFiscale != "" {
				n, err := tx.CountActiveForPerson(ctx, e.ResourceID, self.CodiceFiscale, now)
				if err != nil {
					return err
				}
				if n >= limit {
					return ErrPersonLimit
				}
			}
			waiting, err := tx.AnyWaiting(ctx, e.ResourceID, []time.Time{e.Start})
			if err != nil {
				return err
			}
			if !waiting {
				if _, err := tx.ReleaseExpiredHolds(ctx, e.ResourceID, now); err != nil {
					return err
				}
				taken, err := tx.SlotTaken(ctx, e.ResourceID, e.Start)
				if err != nil {
					return err
				}
				if taken+e.Seats <= slot.Seats {
					return ErrSlotNotFull
				}
			}
			e.Position, err = tx.InsertWaitEntry(ctx, e)
			return err
		})
		if !errors.Is(err, store.ErrConflict) || attempt == joinAttempts {
			break
		}
	}
	if err != nil {
		return WaitEntry{}, fmt.Errorf("join waiting list: %w", err)
	}
	list, err := s.store.ListWaitEntries(ctx, WaitQuery{AccountID: accountID, ResourceIDs: []string{e.ResourceID}, SlotStart: e.Start, From: e.Start})
	if err != nil || len(list) == 0 {
		return e, err
	}
	return list[0], nil
}

// LeaveWaitlist takes accountID's entry out of its line. Leaving with an
// offer outstanding declines it: its seats go to the next in line in the
// same transaction. Leaving an entry that already ended changes nothing.
func (s *Service) LeaveWaitlist(ctx context.Context, accountID, entryID string) error {
	if entryID == "" {
		return fault.InvalidField("entry_id", "required")
	}
	now := s.clk.Now()
	err := s.store.InTx(ctx, func(tx Tx) error {
		e, err := tx.GetWaitEntry(ctx, entryID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && e.AccountID != accountID) {
			return ErrWaitEntryNotFound // another's entry: the same answer, ids leak nothing
		}
		if err != nil || !e.State.Live() {
			return err
		}
		e.State, e.EndedAt = Left, now
		if e.HoldID != "" {
			e.State = Declined
			if err := s.dropOfferHold(ctx, tx, e.HoldID); err != nil {
				return err
			}
		}
		if err := tx.UpdateWaitEntry(ctx, e); err != nil {
			return err
		}
		return s.offerFreed(ctx, tx, e.ResourceID, e.Start, now)
	})
	if err != nil {
		return fmt.Errorf("leave waiting list: %w", err)
	}
	return nil
}

// dropOfferHold gives back the seats of an offer's hold and deletes it.
func (s *Service) dropOfferHold(ctx context.Context, tx Tx, holdID string) error {
	h, err := tx.GetHold(ctx, holdID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if h.ReleasedAt.IsZero() {
		if err := tx.ReleaseSeats(ctx, h.ResourceID, h.SlotStarts, h.OperatorID, h.Seats, true); err != nil {
			return err
		}
	}
	return tx.DeleteHold(ctx, h.ID)
}

// MyWaitlist lists accountID's entries of slots not yet past, live or not.
func (s *Service) MyWaitlist(ctx context.Context, accountID string) ([]WaitEntry, error) {
	return s.store.ListWaitEntries(ctx, WaitQuery{AccountID: accountID, IncludeEnded: true, From: s.clk.Now().Add(-24 * time.Hour), Limit: 200})
}

// Waitlist lists an organization's entries for staff (q.From defaults to
// a day ago: the lists of slots long past are history).
func (s *Service) Waitlist(ctx context.Context, q WaitQuery) ([]WaitEntry, error) {
	q.AccountID = ""
	if q.From.IsZero() {
		q.From = s.clk.Now().Add(-24 * time.Hour)
	}
	return s.store.ListWaitEntries(ctx, q)
}
