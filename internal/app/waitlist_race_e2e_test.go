package app_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// Cancellations and joins race through the real API: the offers go
// strictly in line order (no entry still waiting sits before one that got
// an offer), offers plus bookings never pass the capacity, and the grid
// agrees: 0 oversold.
func TestWaitlistRace(t *testing.T) {
	t.Parallel()
	forEngines(t, waitlistRace)
}

func waitlistRace(t *testing.T, onEngine func(*config.Config)) {
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk, onEngine)
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	slot := tourSlot(t, b, clk.Now(), 0)
	fillers, booked := fillTour(t, b, "WRF", slot)
	const joiners = 24
	ws := waiters(b, registerCitizens(t, b, "WRJ", joiners))

	// A line exists before the race (else every cancellation could land
	// first and every join find seats: a fair outcome, but no line).
	const early = 6
	for i, w := range ws[:early] {
		_, err := w.join(ctx, slot, int32(1+i%3))
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan error, joiners+len(fillers))
	for i, w := range ws[early:] {
		wg.Go(func() {
			<-start
			_, err := w.join(ctx, slot, int32(1+(i+early)%3))
			if err != nil && reasonOf(err) != "slot_not_full" {
				errs <- err
			}
		})
	}
	for i, f := range fillers {
		wg.Go(func() {
			<-start
			_, err := f.booking.CancelBooking(ctx, authBearer(&varcov1.CancelBookingRequest{BookingId: booked[i].GetId()}, f.token))
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.NoError(t, b.app.WaitlistOnce(ctx))

	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	list, err := admin.ListWaitlist(ctx, authBearer(&varcov1.ListWaitlistRequest{OrganizationId: demo.ComuneID, ResourceId: demo.TourID,
		SlotStart: slot.GetStart(), IncludeEnded: true}, organizer))
	require.NoError(t, err)
	entries := list.Msg.GetEntries()
	require.NotEmpty(t, entries)
	offeredSeats, waiting, offers := 0, false, 0
	var firstWaiting *varcov1.WaitlistEntry
	for _, e := range entries {
		switch e.GetState() {
		case varcov1.WaitlistState_WAITLIST_STATE_OFFERED:
			require.False(t, waiting, "an offer went past someone earlier in line: %v", e)
			offeredSeats += int(e.GetSeats())
			offers++
		case varcov1.WaitlistState_WAITLIST_STATE_WAITING:
			if !waiting {
				firstWaiting = e
			}
			waiting = true
		default:
			t.Fatalf("unexpected state %v", e.GetState())
		}
	}
	left, _ := seatsLeft(t, b, slot)
	require.GreaterOrEqual(t, left, int32(0))
	if firstWaiting != nil {
		require.Less(t, left, firstWaiting.GetSeats(), "seats that fit the first in line were not offered")
	}
	// Every booking the calendar lists plus every offer fits in the 30 seats.
	day := slot.GetStart().AsTime().In(rome(t)).Format(time.DateOnly)
	cal, err := admin.ListBookings(ctx, authBearer(&varcov1.ListBookingsRequest{OrganizationId: demo.ComuneID, ResourceId: demo.TourID,
		FromDate: day, ToDate: day, Statuses: []varcov1.BookingStatus{varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED}}, organizer))
	require.NoError(t, err)
	bookedSeats := 0
	for _, bk := range cal.Msg.GetBookings() {
		if bk.GetSpan().GetStart().AsTime().Equal(slot.GetStart().AsTime()) {
			bookedSeats += int(bk.GetSeats())
		}
	}
	require.Equal(t, 30, bookedSeats+offeredSeats+int(left), "bookings + offers + free = capacity: 0 oversold")
	t.Logf("%d entries, %d offers (%d seats), %d seats left", len(entries), offers, offeredSeats, left)
}
