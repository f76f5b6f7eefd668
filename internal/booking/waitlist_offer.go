package booking

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"time"

	"github.com/varco-gate/varco/internal/availability"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/periodic"
	"github.com/varco-gate/varco/internal/schedule"
	"github.com/varco-gate/varco/internal/store"
)

// offerFreed hands the free seats of an event slot to its line, inside
// the transaction that freed them (a cancellation, a declined offer) or a
// worker's own (lapsed holds and offers, raised capacity).
//
// The rule is strict order: the first entry still waiting gets an offer
// when its seats fit; when they do not, it keeps its place and nobody
// behind it is served (no overtaking by smaller requests), until enough
// seats are free or it leaves. Every offer takes its seats with the same
// conditional update as a hold, so offers plus bookings never pass the
// capacity. Seats can be free while people wait only for a moment (until
// the worker runs): meanwhile HoldSlots refuses them (ErrWaitlistFirst).
func (s *Service) offerFreed(ctx context.Context, tx Tx, resourceID string, start, now time.Time) error {
	if _, err := tx.LapseOffers(ctx, resourceID, start, now); err != nil {
		return err
	}
	first, err := tx.FirstWaiting(ctx, resourceID, start)
	if errors.Is(err, store.ErrNotFound) {
		return nil // nobody waits: the common case costs one indexed read
	}
	if err != nil {
		return err
	}
	r, plan, err := s.planner.Plan(ctx, resourceID)
	if errors.Is(err, store.ErrNotFound) {
		return tx.CloseWaitlist(ctx, resourceID, start, now)
	}
	if err != nil {
		return err
	}
	slot, ok := slotAt(plan, start)
	if !ok || availability.Bookability(r.Policy, plan.Location, now, slot) != 0 {
		// The slot was removed, has started or closed: nobody will be
		// offered it any more.
		return tx.CloseWaitlist(ctx, resourceID, start, now)
	}
	if _, err := tx.ReleaseExpiredHolds(ctx, resourceID, now); err != nil {
		return err
	}
	ttl := r.Policy.WaitlistOffer
	if ttl <= 0 {
		ttl = catalog.DefaultWaitlistOffer
	}
	for {
		fits, err := tx.TakeSeats(ctx, resourceID, start, "", slot.Seats, first.Seats, true)
		if err != nil || !fits {
			return err
		}
		h := Hold{
			ID: newID(), ResourceID: resourceID, AccountID: first.AccountID, Seats: first.Seats,
			Start: slot.Start, End: slot.End, SlotStarts: []time.Time{slot.Start},
			ExpiresAt: now.Add(ttl), CreatedAt: now,
		}
		if err := tx.InsertHold(ctx, h); err != nil {
			return err
		}
		first.State, first.HoldID, first.OfferedAt, first.OfferExpiresAt = Offered, h.ID, now, h.ExpiresAt
		if err := tx.UpdateWaitEntry(ctx, first); err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, outbox.Message{
			ID: newID(), Kind: outbox.KindWaitlistOffer, SubjectKey: outbox.WaitlistSubject(first.ID), DueAt: now, CreatedAt: now,
			Payload: outbox.Encode(outbox.WaitlistPayload{EntryID: first.ID}),
		}); err != nil {
			return err
		}
		if first, err = tx.FirstWaiting(ctx, resourceID, start); errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// slotAt finds the plan's slot starting at start.
func slotAt(plan schedule.Plan, start time.Time) (schedule.Slot, bool) {
	day := schedule.DateOf(start.In(plan.Location))
	days, err := plan.Days(day, day)
	if err != nil || len(days) == 0 {
		return schedule.Slot{}, false
	}
	i := slices.IndexFunc(days[0].Slots, func(s schedule.Slot) bool { return s.Start.Equal(start) })
	if i < 0 {
		return schedule.Slot{}, false
	}
	return days[0].Slots[i], true
}

// OfferSlot runs offerFreed for one slot in a transaction of its own.
// Replicas may run it for the same slot at once: on PostgreSQL the
// transactions are SERIALIZABLE and the loser runs again on what the
// winner committed; on SQLite they take turns on the single writer.
func (s *Service) OfferSlot(ctx context.Context, slot WaitSlot) error {
	return s.store.InTx(ctx, func(tx Tx) error {
		return s.offerFreed(ctx, tx, slot.ResourceID, slot.Start, s.clk.Now())
	})
}

// WaitlistConfig configures the waiting-list worker.
type WaitlistConfig struct {
	// Interval between passes. Default 5s: a lapsed offer passes to the
	// next in line within it.
	Interval time.Duration
	// Batch is the most slots visited per pass. Default 500.
	Batch int
}

// WaitlistWorker makes the offers that no request triggers: when an
// offer or a hold lapses, or the organizer raises a slot's capacity. It
// visits every slot with a live line.
type WaitlistWorker struct {
	cfg  WaitlistConfig
	svc  *Service
	log  *slog.Logger
	loop periodic.Loop
}

// NewWaitlistWorker returns the worker; call Start to run it.
func NewWaitlistWorker(cfg WaitlistConfig, svc *Service, log *slog.Logger) *WaitlistWorker {
	if cfg.Interval <= 0 {
		cfg.Interval = 5 * time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 500
	}
	return &WaitlistWorker{cfg: cfg, svc: svc, log: log}
}

// Start runs a pass every Interval until Stop or ctx ends.
func (w *WaitlistWorker) Start(ctx context.Context) {
	w.loop.Start(ctx, w.cfg.Interval, w.log, "waiting-list offers failed", func(ctx context.Context) error {
		return w.RunOnce(ctx)
	})
}

// Stop ends the worker and waits for a pass in flight.
func (w *WaitlistWorker) Stop() { w.loop.Stop() }

// RunOnce visits the slots with a live line once; one slot's failure does
// not stop the others.
func (w *WaitlistWorker) RunOnce(ctx context.Context) error {
	slots, err := w.svc.store.LiveWaitSlots(ctx, w.cfg.Batch)
	if err != nil {
		return err
	}
	var errs []error
	for _, sl := range slots {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		errs = append(errs, w.svc.OfferSlot(ctx, sl))
		cancel()
	}
	return errors.Join(errs...)
}

// convertOffer records that a confirmed hold was a waiting-list offer.
func convertOffer(ctx context.Context, tx Tx, holdID, bookingID string, now time.Time) error {
	e, err := tx.WaitEntryByHold(ctx, holdID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	e.State, e.BookingID, e.EndedAt = Converted, bookingID, now
	return tx.UpdateWaitEntry(ctx, e)
}
