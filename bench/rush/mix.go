package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// The mix: of the holds that succeed, this share is released (the citizen
// gives up on the form), this share is confirmed then cancelled, and the
// rest is confirmed and kept.
const (
	mixReleaseShare = 0.15
	mixCancelShare  = 0.20
)

// MixResult is scenario 2: a booking mix on the demo ID card service
// (15-minute appointments, two operators, one booking per person).
type MixResult struct {
	Clients int `json:"clients"`
	// Operations attempted: one hold and what follows it.
	Operations   int `json:"operations"`
	Slots        int `json:"slots"`
	SeatsOffered int `json:"seats_offered"`

	Hold        OpSummary `json:"hold"`
	Confirm     OpSummary `json:"confirm"`
	Release     OpSummary `json:"release"`
	Cancel      OpSummary `json:"cancel"`
	HoldConfirm OpSummary `json:"hold_plus_confirm"`
	// Outcomes counts operations by how they ended.
	Outcomes map[string]int `json:"outcomes"`

	OpsPerS      float64 `json:"operations_per_s"`
	BookingsPerS float64 `json:"confirmations_per_s"`
	RPCsPerS     float64 `json:"booking_rpcs_per_s"`

	// After the mix, from the server: confirmed bookings in the window,
	// seats over capacity (must be 0), operators with two bookings in the
	// same slot (must be 0), and slots whose grid disagrees with the
	// bookings (a leaked hold or a lost release: must be 0).
	ServerConfirmed    int    `json:"server_confirmed"`
	ClientsActive      int    `json:"clients_active"`
	Oversold           int    `json:"oversold_seats"`
	DoubleBookedOps    int    `json:"double_booked_operators"`
	MismatchedSlots    int    `json:"mismatched_slots"`
	Consistent         bool   `json:"consistent"`
	Problems           string `json:"problems,omitempty"`
	WindowFrom         string `json:"window_from"`
	WindowTo           string `json:"window_to"`
	Usage              Usage  `json:"usage"`
	confirmedByClients atomic.Int64
}

// apptSlot is one appointment slot and what the clients believe is left
// of it. The belief only steers clients towards slots worth trying (so the
// run is not spent on known-full slots); the server decides.
type apptSlot struct {
	start    *timestamppb.Timestamp
	ops      []string
	believed atomic.Int32
}

// mixWindow is the range of dates the mix books in: from the day after
// tomorrow, so every slot is more than the 24 h cancel cut-off away, for
// 60 days (the service opens 60 days ahead; a grid request may span 62).
func mixWindow() (from, to string) {
	now := time.Now().In(rome)
	return now.AddDate(0, 0, 2).Format(time.DateOnly), now.AddDate(0, 0, 61).Format(time.DateOnly)
}

// cieGrid reads the ID card service's public grid between two local dates.
func cieGrid(ctx context.Context, a *api, from, to string) (*varcov1.GetAvailabilityResponse, error) {
	res, _, err := call(ctx, nil, func(ctx context.Context) (*varcov1.GetAvailabilityResponse, error) {
		r, err := a.catalog.GetAvailability(ctx, req(&varcov1.GetAvailabilityRequest{ResourceId: demo.CIEID, FromDate: from, ToDate: to}, ""))
		if err != nil {
			return nil, err
		}
		return r.Msg, nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the ID card grid: %w", err)
	}
	return res, nil
}

// runMix runs up to ops operations from clients goroutines: hold a random
// slot (half the time "any operator", half a named free one), then
// confirm, release, or confirm and cancel.
func runMix(ctx context.Context, a *api, pid int, accts []account, ppl *people, clients, ops int, phase time.Duration) (*MixResult, error) {
	r := &MixResult{Clients: clients, Outcomes: map[string]int{}}
	r.WindowFrom, r.WindowTo = mixWindow()
	grid, err := cieGrid(ctx, a, r.WindowFrom, r.WindowTo)
	if err != nil {
		return nil, err
	}
	var slots []*apptSlot
	for _, d := range grid.GetDays() {
		for _, s := range d.GetSlots() {
			if s.GetState() == varcov1.SlotState_SLOT_STATE_AVAILABLE && s.GetSeatsLeft() > 0 {
				as := &apptSlot{start: s.GetStart(), ops: s.GetFreeOperatorIds()}
				as.believed.Store(s.GetSeatsLeft())
				slots = append(slots, as)
				r.SeatsOffered += int(s.GetSeatsLeft())
			}
		}
	}
	r.Slots = len(slots)
	if len(slots) == 0 {
		return nil, fmt.Errorf("the ID card service has no free slot between %s and %s", r.WindowFrom, r.WindowTo)
	}

	ctx, cancel := context.WithTimeout(ctx, phase)
	defer cancel()
	hold, confirm, release, cancelOp, pair := newOp("BookingService/HoldSlots"), newOp("BookingService/ConfirmBooking"),
		newOp("BookingService/ReleaseHold"), newOp("BookingService/CancelBooking"), newOp("hold+confirm")
	ack := demo.ID("ack/cie-documents")
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		started atomic.Int64
		start   = make(chan struct{})
	)
	outcome := func(k string) {
		mu.Lock()
		r.Outcomes[k]++
		mu.Unlock()
	}
	for c := range clients {
		acct := accts[c%len(accts)]
		rng := rand.New(rand.NewPCG(uint64(c), 0xa99))
		wg.Go(func() {
			<-start
			for started.Add(1) <= int64(ops) && ctx.Err() == nil {
				s := pickSlot(slots, rng)
				if s == nil {
					return // every slot is believed full
				}
				opID := ""
				if rng.IntN(2) == 0 && len(s.ops) > 0 {
					opID = s.ops[rng.IntN(len(s.ops))]
				}
				begin := time.Now()
				h, _, err := call(ctx, hold, func(ctx context.Context) (*varcov1.Hold, error) {
					res, err := a.booking.HoldSlots(ctx, req(&varcov1.HoldSlotsRequest{ResourceId: demo.CIEID, SlotStart: s.start,
						OperatorId: opID}, acct.token))
					if err != nil {
						return nil, err
					}
					return res.Msg.GetHold(), nil
				})
				if err != nil {
					reason := reasonOf(err)
					if reason == "slot_full" {
						s.believed.Store(0)
					}
					outcome("hold refused: " + errKey(err))
					continue
				}
				s.believed.Add(-1)
				releaseHold := func() {
					_, _, err := call(ctx, release, func(ctx context.Context) (struct{}, error) {
						_, err := a.booking.ReleaseHold(ctx, req(&varcov1.ReleaseHoldRequest{HoldId: h.GetId()}, acct.token))
						return struct{}{}, err
					})
					if err == nil {
						s.believed.Add(1)
					}
				}
				action := rng.Float64()
				if action < mixReleaseShare {
					releaseHold()
					outcome("held then released")
					continue
				}
				bk, _, err := call(ctx, confirm, func(ctx context.Context) (*varcov1.Booking, error) {
					res, err := a.booking.ConfirmBooking(ctx, req(&varcov1.ConfirmBookingRequest{
						HoldId: h.GetId(), IdempotencyKey: uuid.NewString(), Beneficiary: ppl.beneficiary(),
						Consents:           []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY},
						AcknowledgementIds: []string{ack},
					}, acct.token))
					if err != nil {
						return nil, err
					}
					return res.Msg.GetBooking(), nil
				})
				if err != nil {
					releaseHold()
					outcome("confirm refused: " + errKey(err))
					continue
				}
				pair.record(time.Since(begin), nil)
				if action < mixReleaseShare+mixCancelShare {
					_, _, err := call(ctx, cancelOp, func(ctx context.Context) (struct{}, error) {
						_, err := a.booking.CancelBooking(ctx, req(&varcov1.CancelBookingRequest{BookingId: bk.GetId(),
							Reason: "banco di prova"}, acct.token))
						return struct{}{}, err
					})
					if err == nil {
						s.believed.Add(1)
						outcome("confirmed then cancelled")
						continue
					}
					outcome("cancel refused: " + errKey(err))
				} else {
					outcome("confirmed")
				}
				r.confirmedByClients.Add(1)
			}
		})
	}
	m := startMeter(pid)
	close(start)
	wg.Wait()
	r.Usage = m.done()
	wall := time.Duration(r.Usage.WallS * float64(time.Second))
	r.Hold, r.Confirm, r.Release, r.Cancel = hold.summary(wall), confirm.summary(wall), release.summary(wall), cancelOp.summary(wall)
	r.HoldConfirm = pair.summary(wall)
	for _, n := range r.Outcomes {
		r.Operations += n
	}
	r.ClientsActive = int(r.confirmedByClients.Load())
	if wall > 0 {
		r.OpsPerS = round1(float64(r.Operations) / wall.Seconds())
		r.BookingsPerS = round1(float64(r.Confirm.OK) / wall.Seconds())
		answered := 0
		for _, s := range []OpSummary{r.Hold, r.Confirm, r.Release, r.Cancel} {
			answered += s.OK + s.Failed
		}
		r.RPCsPerS = round1(float64(answered) / wall.Seconds())
	}
	return r, nil
}

// pickSlot returns a random slot believed to have room, or nil when none
// is: a random start, then the next ones in order, so the cost is bounded
// by the number of slots.
func pickSlot(slots []*apptSlot, rng *rand.Rand) *apptSlot {
	i := rng.IntN(len(slots))
	for range slots {
		if slots[i].believed.Load() > 0 {
			return slots[i]
		}
		i = (i + 1) % len(slots)
	}
	return nil
}

// verifyMix checks the window against the organizer's calendar: per slot,
// confirmed bookings never exceed the operators working, no operator has
// two bookings at once, and the grid's taken seats equal the bookings (a
// hold left behind by a failed release would show up here).
func verifyMix(ctx context.Context, a *api, token string, r *MixResult) error {
	grid, err := cieGrid(ctx, a, r.WindowFrom, r.WindowTo)
	if err != nil {
		return err
	}
	list, err := listConfirmed(ctx, a, token, demo.ComuneID, demo.CIEID, r.WindowFrom, r.WindowTo)
	if err != nil {
		return err
	}
	perSlot := map[int64]int{}
	perOp := map[string]int{}
	for _, b := range list {
		at := b.GetSpan().GetStart().AsTime().Unix()
		perSlot[at]++
		perOp[fmt.Sprintf("%d/%s", at, b.GetOperator().GetId())]++
	}
	r.ServerConfirmed = len(list)
	for _, n := range perOp {
		r.DoubleBookedOps += max(0, n-1)
	}
	var problems []string
	seen := map[int64]bool{}
	for _, d := range grid.GetDays() {
		for _, s := range d.GetSlots() {
			at := s.GetStart().AsTime().Unix()
			seen[at] = true
			n := perSlot[at]
			r.Oversold += max(0, n-int(s.GetSeatsTotal()))
			if taken := int(s.GetSeatsTotal() - s.GetSeatsLeft()); taken != n && s.GetState() != varcov1.SlotState_SLOT_STATE_CLOSED {
				r.MismatchedSlots++
				if len(problems) < 3 {
					problems = append(problems, fmt.Sprintf("slot %s: grid %d taken, %d confirmed",
						s.GetStart().AsTime().In(rome).Format("2006-01-02 15:04"), taken, n))
				}
			}
		}
	}
	for at, n := range perSlot {
		if !seen[at] {
			problems = append(problems, fmt.Sprintf("%d bookings at %s, a slot the grid does not show", n, time.Unix(at, 0).In(rome)))
		}
	}
	r.Consistent = r.Oversold == 0 && r.DoubleBookedOps == 0 && r.MismatchedSlots == 0 && len(problems) == 0
	r.Problems = strings.Join(problems, "; ")
	return nil
}
