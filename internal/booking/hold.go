package booking

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/varco-gate/varco/internal/availability"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/schedule"
	"github.com/varco-gate/varco/internal/store"
)

// HoldRequest asks for seats of consecutive slots.
type HoldRequest struct {
	ResourceID string
	SlotStart  time.Time
	SlotCount  int
	Seats      int
	OperatorID string // "" means any operator (appointments)
}

// selection is the slots a hold or booking takes, and on whose calendar.
type selection struct {
	resource catalog.Resource
	plan     schedule.Plan
	slots    []schedule.Slot
	seats    int
	// candidates are the operators to try in order ("" for events).
	candidates []string
	chosen     bool // the citizen picked the operator
}

func (sel selection) starts() []time.Time {
	out := make([]time.Time, len(sel.slots))
	for i, s := range sel.slots {
		out[i] = s.Start
	}
	return out
}

func (sel selection) capacity(i int) int {
	if sel.resource.Kind == catalog.KindAppointment {
		return 1 // one citizen per operator per slot
	}
	return sel.slots[i].Seats
}

// Hold reserves seats for accountID for the resource's hold duration.
func (s *Service) Hold(ctx context.Context, accountID string, req HoldRequest) (Hold, error) {
	sel, err := s.selectSlots(ctx, req)
	if err != nil {
		return Hold{}, err
	}
	now := s.clk.Now()
	ttl := sel.resource.Policy.HoldDuration
	if ttl <= 0 {
		ttl = catalog.DefaultHoldDuration
	}
	first, err := s.firstFree(ctx, sel, now)
	if err != nil {
		return Hold{}, err
	}
	h := Hold{
		ID: newID(), ResourceID: sel.resource.ID, AccountID: accountID, Seats: sel.seats,
		Start: sel.slots[0].Start, End: sel.slots[len(sel.slots)-1].End, SlotStarts: sel.starts(),
		ExpiresAt: now.Add(ttl), CreatedAt: now, FirstFree: first,
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		n, err := tx.CountLiveHolds(ctx, accountID, now)
		if err != nil {
			return err
		}
		if n >= s.cfg.MaxLiveHolds {
			return ErrTooManyHolds
		}
		if sel.resource.Kind != catalog.KindAppointment {
			// Seats freed while people wait are theirs (waitlist_offer.go).
			if waiting, err := tx.AnyWaiting(ctx, sel.resource.ID, sel.starts()); err != nil || waiting {
				return errors.Join(err, errIfWaiting(waiting))
			}
		}
		op, err := s.takeSeats(ctx, tx, sel, now, true)
		if err != nil {
			return err
		}
		h.OperatorID = op
		return tx.InsertHold(ctx, h)
	})
	if errors.Is(err, ErrSlotFull) && sel.seats > 1 && sel.resource.Kind != catalog.KindAppointment {
		err = s.fewerSeats(ctx, sel, now, err)
	}
	if err != nil {
		return Hold{}, fmt.Errorf("hold slots: %w", err)
	}
	return h, nil
}

// fewerSeats explains a group's refusal when some seats are left: "only 1
// seat left" tells the citizen what to do, "full" would not. It reads the
// counters after the failed transaction (a snapshot: the number may move,
// the refusal stands); any read failure keeps the plain refusal.
func (s *Service) fewerSeats(ctx context.Context, sel selection, now time.Time, full error) error {
	usage, err := s.store.Usage(ctx, sel.resource.ID, sel.slots[0].Start, sel.slots[len(sel.slots)-1].End, now)
	if err != nil {
		return full
	}
	left := -1
	for _, sl := range sel.slots {
		free := sl.Seats
		for _, u := range usage {
			if u.Start.Equal(sl.Start) {
				free -= u.Taken // held seats are part of taken
			}
		}
		if left < 0 || free < left {
			left = free
		}
	}
	if left <= 0 {
		return full
	}
	if left == 1 {
		return ErrSlotFull.Text("error.slot_full.left_one", sel.seats)
	}
	return ErrSlotFull.Text("error.slot_full.left", left, sel.seats)
}

// ReleaseHold frees a hold of accountID early.
func (s *Service) ReleaseHold(ctx context.Context, accountID, holdID string) error {
	if holdID == "" {
		return fault.InvalidField("hold_id", "required")
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		h, err := tx.GetHold(ctx, holdID)
		if errors.Is(err, store.ErrNotFound) {
			return ErrHoldNotFound
		}
		if err != nil {
			return err
		}
		if h.AccountID != accountID {
			return ErrHoldNotYours
		}
		// A swept hold already gave its seats back.
		if h.ReleasedAt.IsZero() {
			if err := tx.ReleaseSeats(ctx, h.ResourceID, h.SlotStarts, h.OperatorID, h.Seats, true); err != nil {
				return err
			}
		}
		if err := tx.DeleteHold(ctx, h.ID); err != nil {
			return err
		}
		return s.declineOffer(ctx, tx, h)
	})
}

// takeSeats takes the selection's seats on the first candidate operator
// that has them all, and returns that operator. Inside the transaction a
// failed candidate is undone before the next is tried.
//
// Lapsed holds still count in a slot until they are freed. They are freed
// here only when they are in the way, which spares a query on every
// booking operation; the sweeper frees the rest within seconds.
func (s *Service) takeSeats(ctx context.Context, tx Tx, sel selection, now time.Time, hold bool) (string, error) {
	op, err := s.takeSeatsOnce(ctx, tx, sel, now, hold)
	if !errors.Is(err, ErrSlotFull) && !errors.Is(err, ErrOperatorBusy) {
		return op, err
	}
	freed, ferr := tx.ReleaseExpiredHolds(ctx, sel.resource.ID, now)
	if ferr != nil || freed == 0 {
		return "", errors.Join(err, ferr)
	}
	return s.takeSeatsOnce(ctx, tx, sel, now, hold)
}

func (s *Service) takeSeatsOnce(ctx context.Context, tx Tx, sel selection, now time.Time, hold bool) (string, error) {
	candidates := sel.candidates
	if len(candidates) > 1 {
		day := sel.slots[0].Date
		from, _ := schedule.Clock(0).At(day, sel.plan.Location)
		to, _ := schedule.Clock(0).At(day.AddDays(1), sel.plan.Location)
		load, err := tx.OperatorLoad(ctx, sel.resource.ID, from, to)
		if err != nil {
			return "", err
		}
		candidates = fairOrder(candidates, load)
	}
	for _, op := range candidates {
		if op != "" {
			busy, err := tx.OperatorBusyElsewhere(ctx, op, sel.resource.ID, sel.slots[0].Start, sel.slots[len(sel.slots)-1].End, now)
			if err != nil {
				return "", err
			}
			if busy {
				continue
			}
		}
		ok, err := s.takeAll(ctx, tx, sel, op, hold)
		if err != nil {
			return "", err
		}
		if ok {
			return op, nil
		}
	}
	if sel.chosen {
		return "", ErrOperatorBusy
	}
	return "", ErrSlotFull
}

func (s *Service) takeAll(ctx context.Context, tx Tx, sel selection, op string, hold bool) (bool, error) {
	for i, slot := range sel.slots {
		ok, err := tx.TakeSeats(ctx, sel.resource.ID, slot.Start, op, sel.capacity(i), sel.seats, hold)
		if err != nil {
			return false, err
		}
		if !ok {
			if i > 0 {
				if err := tx.ReleaseSeats(ctx, sel.resource.ID, sel.starts()[:i], op, sel.seats, hold); err != nil {
					return false, err
				}
			}
			return false, nil
		}
	}
	return true, nil
}

// fairOrder puts the least-loaded operators first; ties keep the resource's
// order rotated by the day's total load, so equal operators take turns.
func fairOrder(ops []string, load map[string]int) []string {
	total := 0
	for _, n := range load {
		total += n
	}
	rot := total % len(ops)
	out := append(append([]string(nil), ops[rot:]...), ops[:rot]...)
	sort.SliceStable(out, func(i, j int) bool { return load[out[i]] < load[out[j]] })
	return out
}

// selectSlots validates a request against the resource and its calendar.
func (s *Service) selectSlots(ctx context.Context, req HoldRequest) (selection, error) {
	if req.ResourceID == "" {
		return selection{}, fault.InvalidField("resource_id", "required")
	}
	if req.SlotStart.IsZero() {
		return selection{}, fault.InvalidField("slot_start", "required")
	}
	r, plan, err := s.planner.Plan(ctx, req.ResourceID)
	if err != nil {
		return selection{}, err
	}
	p := r.Policy
	count, seats := max(req.SlotCount, 1), max(req.Seats, 1)
	if maxCount := max(p.MaxConsecutiveSlots, 1); req.SlotCount < 0 || count > maxCount {
		return selection{}, fault.InvalidField("slot_count", "too_many_slots").Text("error.too_many_slots", maxCount)
	}
	maxSeats := max(p.MaxSeatsPerBooking, 1)
	if r.Kind == catalog.KindAppointment {
		maxSeats = 1
	}
	if req.Seats < 0 || seats > maxSeats {
		return selection{}, fault.InvalidField("seats", "too_many_seats").Text("error.too_many_seats", maxSeats)
	}
	if req.OperatorID != "" && (r.Kind != catalog.KindAppointment || !slices.Contains(plan.Operators, req.OperatorID)) {
		return selection{}, fault.InvalidField("operator_id", "unknown_operator")
	}
	if req.OperatorID != "" && !r.OperatorChoice {
		return selection{}, fault.InvalidField("operator_id", "operator_choice_disabled")
	}
	slots, err := consecutive(plan, req.SlotStart, count)
	if err != nil {
		return selection{}, err
	}
	switch availability.Bookability(p, plan.Location, s.clk.Now(), slots[0]) {
	case availability.Past:
		return selection{}, ErrSlotPast
	case availability.NotYetBookable:
		return selection{}, ErrNotYetBookable
	case availability.BookingClosed:
		return selection{}, ErrBookingClosed
	}
	sel := selection{resource: r, plan: plan, slots: slots, seats: seats, candidates: []string{""}}
	if r.Kind == catalog.KindAppointment {
		sel.candidates = workingInAll(slots)
		if req.OperatorID != "" {
			if !slices.Contains(sel.candidates, req.OperatorID) {
				return selection{}, ErrOperatorBusy
			}
			sel.candidates, sel.chosen = []string{req.OperatorID}, true
		}
		if len(sel.candidates) == 0 {
			return selection{}, ErrSlotFull
		}
	}
	return sel, nil
}

// consecutive returns count slots starting exactly at start, each starting
// where the previous ends.
func consecutive(plan schedule.Plan, start time.Time, count int) ([]schedule.Slot, error) {
	day := schedule.DateOf(start.In(plan.Location))
	days, err := plan.Days(day, day)
	if err != nil {
		return nil, fmt.Errorf("generate slots: %w", err)
	}
	all := days[0].Slots
	i := slices.IndexFunc(all, func(s schedule.Slot) bool { return s.Start.Equal(start) })
	if i < 0 {
		return nil, ErrSlotNotFound
	}
	if i+count > len(all) {
		return nil, ErrNotConsecutive
	}
	out := all[i : i+count]
	for k := 1; k < len(out); k++ {
		if !out[k].Start.Equal(out[k-1].End) {
			return nil, ErrNotConsecutive
		}
	}
	return out, nil
}

// workingInAll returns the operators working in every slot, in order.
func workingInAll(slots []schedule.Slot) []string {
	var out []string
	for _, op := range slots[0].OperatorIDs {
		all := true
		for _, s := range slots[1:] {
			if !slices.Contains(s.OperatorIDs, op) {
				all = false
				break
			}
		}
		if all {
			out = append(out, op)
		}
	}
	return out
}

// errIfWaiting is ErrWaitlistFirst when someone waits.
func errIfWaiting(waiting bool) error {
	if waiting {
		return ErrWaitlistFirst
	}
	return nil
}

// declineOffer ends the waiting-list offer a released hold was, if it was
// one, and offers its seats to the next in line.
func (s *Service) declineOffer(ctx context.Context, tx Tx, h Hold) error {
	e, err := tx.WaitEntryByHold(ctx, h.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	now := s.clk.Now()
	e.State, e.EndedAt = Declined, now
	if err := tx.UpdateWaitEntry(ctx, e); err != nil {
		return err
	}
	return s.offerFreed(ctx, tx, e.ResourceID, e.Start, now)
}
