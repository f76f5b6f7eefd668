package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// The server caches computed grids; every change to what a grid shows is
// in the very next grid, on both engines: holds, releases, bookings,
// cancellations, a hold lapsing on the clock (no write at all), and
// waiting-list changes. Each step reads the grid first, so the answer after
// the change would come from the cache if the cache missed the change.
func TestGridCacheFollowsEveryChange(t *testing.T) {
	t.Parallel()
	forEngines(t, gridCacheFollowsEveryChange)
}

func gridCacheFollowsEveryChange(t *testing.T, onEngine func(*config.Config)) {
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk, onEngine)
	ctx := context.Background()
	slot := tourSlot(t, b, clk.Now(), 0)
	cs := registerCitizens(t, b, "GRC", 7)
	ws := waiters(b, cs[6:7])
	var (
		held     *varcov1.Hold
		booked   *varcov1.Booking
		oneSeat  *varcov1.Booking
		waiting  *varcov1.WaitlistEntry
		mustHold = func(c citizen, seats int32) *varcov1.Hold {
			h, err := c.hold(ctx, slot.GetStart(), seats)
			require.NoError(t, err)
			return h
		}
	)
	for _, step := range []struct {
		name  string
		do    func()
		left  int32
		state varcov1.SlotState
	}{
		{"a hold takes its seats", func() { held = mustHold(cs[0], 2) }, 28, varcov1.SlotState_SLOT_STATE_AVAILABLE},
		{"a released hold gives them back", func() {
			_, err := cs[0].booking.ReleaseHold(ctx, authBearer(&varcov1.ReleaseHoldRequest{HoldId: held.GetId()}, cs[0].token))
			require.NoError(t, err)
		}, 30, varcov1.SlotState_SLOT_STATE_AVAILABLE},
		{"a booking takes its seats", func() { booked, _ = bookTour(t, cs[0], slot, 3) }, 27, varcov1.SlotState_SLOT_STATE_AVAILABLE},
		{"a cancellation gives them back", func() {
			_, err := cs[0].booking.CancelBooking(ctx, authBearer(&varcov1.CancelBookingRequest{BookingId: booked.GetId()}, cs[0].token))
			require.NoError(t, err)
		}, 30, varcov1.SlotState_SLOT_STATE_AVAILABLE},
		{"a hold of six seats", func() { held = mustHold(cs[1], 6) }, 24, varcov1.SlotState_SLOT_STATE_AVAILABLE},
		{"a hold still holds a moment before it lapses", func() {
			clk.Advance(catalog.DefaultHoldDuration - 20*time.Second)
		}, 24, varcov1.SlotState_SLOT_STATE_AVAILABLE},
		{"a hold lapsing frees its seats with no write at all", func() {
			clk.Advance(20 * time.Second)
		}, 30, varcov1.SlotState_SLOT_STATE_AVAILABLE},
		{"the slot filled", func() {
			for _, c := range cs[1:5] {
				bookTour(t, c, slot, 6)
			}
			bookTour(t, cs[5], slot, 5)
			oneSeat, _ = bookTour(t, cs[0], slot, 1)
		}, 0, varcov1.SlotState_SLOT_STATE_FULL},
		{"joining the waiting list", func() {
			var err error
			waiting, err = ws[0].join(ctx, slot, 6)
			require.NoError(t, err)
		}, 0, varcov1.SlotState_SLOT_STATE_FULL},
		{"a seat freed for someone waiting for six stays theirs", func() {
			_, err := cs[0].booking.CancelBooking(ctx, authBearer(&varcov1.CancelBookingRequest{BookingId: oneSeat.GetId()}, cs[0].token))
			require.NoError(t, err)
		}, 1, varcov1.SlotState_SLOT_STATE_FULL},
		{"leaving the list frees it for everyone", func() {
			_, err := ws[0].lists.LeaveWaitlist(ctx, authBearer(&varcov1.LeaveWaitlistRequest{EntryId: waiting.GetId()}, ws[0].token))
			require.NoError(t, err)
		}, 1, varcov1.SlotState_SLOT_STATE_AVAILABLE},
	} {
		seatsLeft(t, b, slot) // the grid as cached before the change
		step.do()
		left, state := seatsLeft(t, b, slot)
		require.Equal(t, step.left, left, step.name)
		require.Equal(t, step.state, state, step.name)
	}
}

// On PostgreSQL a change made through one replica is in the next grid of
// another, which has the grid cached.
func TestGridCacheAcrossReplicas(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	onShared := func(c *config.Config) { c.DB = url }
	replicas := []*bundle{setup(t, onShared), setup(t, onShared)}
	people := registerCitizens(t, replicas[0], "GRR", 2)
	slot := tourSlot(t, replicas[1], time.Now(), 0)
	want := int32(30)
	for i, seats := range []int32{2, 5, 1, 6} {
		reader, writer := replicas[i%2], replicas[(i+1)%2]
		left, _ := seatsLeft(t, reader, slot)
		require.Equal(t, want, left)
		bookTour(t, rebind(people[i%2], writer), slot, seats)
		want -= seats
		left, _ = seatsLeft(t, reader, slot)
		require.Equal(t, want, left, "booking %d, made through the other replica", i)
	}
}
