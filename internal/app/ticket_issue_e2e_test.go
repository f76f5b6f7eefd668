package app_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/store/sqlite"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// A ticketed booking gets its entry ticket in the same transaction; moving
// or cancelling the booking revokes it, so the old QR stops working.
func TestTicketIssuedAndRevoked(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := registerCitizens(t, b, "TKT", 1)[0]
	ctx := context.Background()
	slot := tourSlot(t, b, time.Now(), 0)
	h, err := p.hold(ctx, slot.GetStart(), 3)
	require.NoError(t, err)
	bk, err := p.confirm(ctx, h.GetId())
	require.NoError(t, err)

	db, err := sqlite.Open(ctx, b.dbPath, sqlite.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	defer db.Close()
	tickets, revoked, err := db.TicketsOfBooking(ctx, bk.GetId())
	require.NoError(t, err)
	require.Len(t, tickets, 1)
	tk := tickets[0]
	require.False(t, revoked[0])
	require.Equal(t, 3, tk.Seats, "one ticket admits every seat of the booking")
	require.Equal(t, slot.GetStart().AsTime().Add(-15*time.Minute), tk.ValidFrom, "valid 15 minutes before the tour")
	require.Equal(t, slot.GetEnd().AsTime(), tk.ValidUntil)
	require.Equal(t, 90*time.Minute, tk.MaxStay)

	other := tourSlot(t, b, time.Now(), 1)
	moved, err := p.booking.RescheduleBooking(ctx, authBearer(&varcov1.RescheduleBookingRequest{
		BookingId: bk.GetId(), NewSlotStart: other.GetStart(), IdempotencyKey: uuid.NewString()}, p.token))
	require.NoError(t, err)
	_, revoked, err = db.TicketsOfBooking(ctx, bk.GetId())
	require.NoError(t, err)
	require.True(t, revoked[0], "the old booking's ticket is revoked")
	newTickets, revoked, err := db.TicketsOfBooking(ctx, moved.Msg.GetBooking().GetId())
	require.NoError(t, err)
	require.Len(t, newTickets, 1)
	require.False(t, revoked[0])
	require.NotEqual(t, tk.ID, newTickets[0].ID)

	_, err = p.booking.CancelBooking(ctx, authBearer(&varcov1.CancelBookingRequest{BookingId: moved.Msg.GetBooking().GetId()}, p.token))
	require.NoError(t, err)
	_, revoked, err = db.TicketsOfBooking(ctx, moved.Msg.GetBooking().GetId())
	require.NoError(t, err)
	require.True(t, revoked[0], "cancelling revokes the ticket")

	// Appointments without tickets get none.
	none, _, err := db.TicketsOfBooking(ctx, "no-such-booking")
	require.NoError(t, err)
	require.Empty(t, none)
}
