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

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// RushResult is scenario 1: clients race for the seats of one event slot.
type RushResult struct {
	Capacity int `json:"capacity"`
	Clients  int `json:"clients"`
	Accounts int `json:"accounts"`
	// MaxSeats: each booking asks for 1..MaxSeats seats (uniform); a
	// client refused slot_full for several seats retries with one.
	MaxSeats int `json:"max_seats_per_booking"`

	Hold        OpSummary `json:"hold"`
	Confirm     OpSummary `json:"confirm"`
	Release     OpSummary `json:"release"`
	HoldConfirm OpSummary `json:"hold_plus_confirm"`

	ConfirmedBookings int `json:"confirmed_bookings"`
	ConfirmedSeats    int `json:"confirmed_seats"`
	// SelloutS is the time from the start signal to the last successful
	// confirmation; BookingsPerS and SeatsPerS are over it.
	SelloutS     float64 `json:"sellout_s"`
	BookingsPerS float64 `json:"confirmed_bookings_per_s"`
	SeatsPerS    float64 `json:"confirmed_seats_per_s"`
	// BookingRPCsPerS counts every booking RPC answered (hold, confirm,
	// release; accepted or refused) per second of the whole phase.
	BookingRPCsPerS float64 `json:"booking_rpcs_per_s"`

	// What the server says afterwards.
	GridSeatsTotal int    `json:"grid_seats_total"`
	GridSeatsLeft  int    `json:"grid_seats_left"`
	GridState      string `json:"grid_state"`
	// ServerConfirmedSeats sums the seats of the CONFIRMED bookings the
	// organizer's calendar (AdminService.ListBookings) lists for the slot.
	ServerConfirmedBookings int `json:"server_confirmed_bookings"`
	ServerConfirmedSeats    int `json:"server_confirmed_seats"`
	// Oversold = confirmed seats - capacity, at least 0: must be 0.
	Oversold int `json:"oversold_seats"`
	// Unsold is seats still free at the end (0 when the rush sold out).
	Unsold int `json:"unsold_seats"`
	// Consistent: grid taken seats == confirmed seats (server) == confirmed
	// seats (clients): no seat leaked to a hold, none double counted.
	Consistent bool   `json:"consistent"`
	Problems   string `json:"problems,omitempty"`

	Usage Usage `json:"usage"`
	// Replicas are the server processes after the first (--replicas), and
	// PostgresCPUS the CPU seconds of the PostgreSQL processes, during the
	// rush (PostgreSQL only).
	Replicas     []ReplicaUsage `json:"replicas,omitempty"`
	PostgresCPUS float64        `json:"postgres_cpu_s,omitempty"`

	booked []bookedRef
}

// bookedRef is a confirmed booking and the session that may read its ticket.
type bookedRef struct {
	id    string
	token string
	seats int32
}

// runRush releases clients goroutines at once against the event's slot.
// Each loops hold → confirm (with a fresh beneficiary) until the slot is
// full, a bounded number of times, within the phase deadline.
//
// acked, when not nil, counts the seats of every confirmation as soon as
// its answer arrives (the click-day's exactness check reads it).
func runRush(ctx context.Context, a *api, pid int, ev event, accts []account, ppl *people, clients, maxSeats, capacity int, phase, think time.Duration, acked *atomic.Int64) RushResult {
	ctx, cancel := context.WithTimeout(ctx, phase)
	defer cancel()
	r := RushResult{Capacity: capacity, Clients: clients, Accounts: len(accts), MaxSeats: maxSeats}
	hold, confirm, release, pair := newOp("BookingService/HoldSlots"), newOp("BookingService/ConfirmBooking"),
		newOp("BookingService/ReleaseHold"), newOp("hold+confirm")
	// No client can book more than the whole slot; the extra attempts
	// cover refusals. This bounds every loop even if the server never
	// answered slot_full.
	maxAttempts := capacity/clients*4 + 20
	var (
		mu          sync.Mutex
		wg          sync.WaitGroup
		start       = make(chan struct{})
		t0          time.Time
		lastConfirm time.Duration
	)
	for c := range clients {
		acct := accts[c%len(accts)]
		rng := rand.New(rand.NewPCG(uint64(c), 0x5eed))
		pick := func() int32 { return int32(1 + rng.IntN(maxSeats)) }
		// pause waits like a citizen would and returns how long it waited,
		// which hold+confirm leaves out.
		pause := func() time.Duration {
			if think <= 0 {
				return 0
			}
			t := time.Now()
			select {
			case <-time.After(think/2 + time.Duration(rng.Int64N(int64(think)))):
			case <-ctx.Done():
			}
			return time.Since(t)
		}
		wg.Go(func() {
			<-start
			seats := pick()
			failures := 0
			for range maxAttempts {
				if ctx.Err() != nil || failures >= 3 {
					return
				}
				pause()
				begin := time.Now()
				var thought time.Duration
				h, _, err := call(ctx, hold, func(ctx context.Context) (*varcov1.Hold, error) {
					res, err := a.booking.HoldSlots(ctx, req(&varcov1.HoldSlotsRequest{
						ResourceId: ev.resourceID, SlotStart: ev.slot.GetStart(), Seats: seats}, acct.token))
					if err != nil {
						return nil, err
					}
					return res.Msg.GetHold(), nil
				})
				if err != nil {
					if reasonOf(err) == "slot_full" {
						if seats > 1 {
							seats = 1 // fewer seats may still be left
							continue
						}
						return // sold out (or every seat held by someone else)
					}
					failures++
					continue
				}
				thought = pause()
				bk, _, err := call(ctx, confirm, func(ctx context.Context) (*varcov1.Booking, error) {
					res, err := a.booking.ConfirmBooking(ctx, req(&varcov1.ConfirmBookingRequest{
						HoldId: h.GetId(), IdempotencyKey: uuid.NewString(), Beneficiary: ppl.beneficiary(),
						Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY},
					}, acct.token))
					if err != nil {
						return nil, err
					}
					return res.Msg.GetBooking(), nil
				})
				if err != nil {
					// Give the seats back now rather than in 10 minutes, so a
					// failed confirmation does not leave seats unsold.
					_, _, _ = call(ctx, release, func(ctx context.Context) (struct{}, error) {
						_, err := a.booking.ReleaseHold(ctx, req(&varcov1.ReleaseHoldRequest{HoldId: h.GetId()}, acct.token))
						return struct{}{}, err
					})
					failures++
					continue
				}
				if acked != nil {
					acked.Add(int64(bk.GetSeats()))
				}
				pair.record(time.Since(begin)-thought, nil)
				failures = 0
				mu.Lock()
				r.booked = append(r.booked, bookedRef{id: bk.GetId(), token: acct.token, seats: bk.GetSeats()})
				r.ConfirmedSeats += int(bk.GetSeats())
				lastConfirm = time.Since(t0)
				mu.Unlock()
				seats = pick()
			}
		})
	}
	m := startMeter(pid)
	t0 = time.Now()
	close(start)
	wg.Wait()
	r.Usage = m.done()
	wall := time.Duration(r.Usage.WallS * float64(time.Second))

	r.ConfirmedBookings = len(r.booked)
	r.SelloutS = round3(lastConfirm.Seconds())
	r.Hold, r.Confirm, r.Release = hold.summary(wall), confirm.summary(wall), release.summary(wall)
	if lastConfirm > 0 {
		r.BookingsPerS = round1(float64(r.ConfirmedBookings) / lastConfirm.Seconds())
		r.SeatsPerS = round1(float64(r.ConfirmedSeats) / lastConfirm.Seconds())
		r.HoldConfirm = pair.summary(lastConfirm)
	} else {
		r.HoldConfirm = pair.summary(wall)
	}
	answered := r.Hold.OK + r.Hold.Failed + r.Confirm.OK + r.Confirm.Failed + r.Release.OK + r.Release.Failed
	if wall > 0 {
		r.BookingRPCsPerS = round1(float64(answered) / wall.Seconds())
	}
	return r
}

// verifyRush reads back, after the rush, what the server holds: the grid
// and the organizer's calendar. These are the figures oversold is computed
// from, not the clients' own count.
func verifyRush(ctx context.Context, a *api, token, orgID string, ev event, r *RushResult) error {
	slot, err := eventSlot(ctx, a, ev.resourceID, ev.date)
	if err != nil {
		return err
	}
	r.GridSeatsTotal, r.GridSeatsLeft, r.GridState = int(slot.GetSeatsTotal()), int(slot.GetSeatsLeft()), slot.GetState().String()
	list, err := listConfirmed(ctx, a, token, orgID, ev.resourceID, ev.date, ev.date)
	if err != nil {
		return err
	}
	for _, b := range list {
		r.ServerConfirmedBookings++
		r.ServerConfirmedSeats += int(b.GetSeats())
	}
	r.Oversold = max(0, r.ServerConfirmedSeats-r.Capacity, r.ConfirmedSeats-r.Capacity)
	r.Unsold = r.GridSeatsLeft
	var problems []string
	if taken := r.GridSeatsTotal - r.GridSeatsLeft; taken != r.ServerConfirmedSeats {
		problems = append(problems, fmt.Sprintf("grid shows %d seats taken but %d are confirmed", taken, r.ServerConfirmedSeats))
	}
	if r.ServerConfirmedSeats != r.ConfirmedSeats {
		problems = append(problems, fmt.Sprintf("server lists %d confirmed seats, clients were told %d", r.ServerConfirmedSeats, r.ConfirmedSeats))
	}
	if r.GridSeatsTotal != r.Capacity {
		problems = append(problems, fmt.Sprintf("grid capacity %d, expected %d", r.GridSeatsTotal, r.Capacity))
	}
	r.Consistent = len(problems) == 0
	r.Problems = strings.Join(problems, "; ")
	return nil
}

// listConfirmed pages through the organizer's calendar: the CONFIRMED
// bookings of a resource between two local dates.
func listConfirmed(ctx context.Context, a *api, token, orgID, resourceID, from, to string) ([]*varcov1.Booking, error) {
	var all []*varcov1.Booking
	pageToken := ""
	for range 1000 { // 500 a page: far beyond any capacity this program sets up
		res, _, err := call(ctx, nil, func(ctx context.Context) (*varcov1.ListBookingsResponse, error) {
			out, err := a.admin.ListBookings(ctx, req(&varcov1.ListBookingsRequest{OrganizationId: orgID, ResourceId: resourceID,
				FromDate: from, ToDate: to, Statuses: []varcov1.BookingStatus{varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED},
				PageSize: 500, PageToken: pageToken}, token))
			if err != nil {
				return nil, err
			}
			return out.Msg, nil
		})
		if err != nil {
			return nil, fmt.Errorf("list the bookings of %s: %w", resourceID, err)
		}
		all = append(all, res.GetBookings()...)
		if pageToken = res.GetNextPageToken(); pageToken == "" {
			return all, nil
		}
	}
	return nil, fmt.Errorf("list the bookings of %s: too many pages", resourceID)
}
