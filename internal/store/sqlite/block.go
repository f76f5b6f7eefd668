package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
)

// The booking.Tx methods an operator's block of a period needs: the
// exception, the holds and the bookings it affects are all handled in the
// block's own transaction, so nothing booked or held in the period can slip
// between them.

// InsertException implements booking.Tx.
func (t bookingTx) InsertException(ctx context.Context, resourceID string, e catalog.Exception) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO schedule_exceptions
		(id, resource_id, kind, start_date, end_date, start_time, end_time, yearly, operator_id, reason,
		 slot_length_s, seats_per_slot, created_at_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		e.ID, resourceID, e.Kind, e.StartDate, e.EndDate, e.StartTime, e.EndTime, e.Yearly, nullString(e.OperatorID),
		e.Reason, seconds(e.SlotLength), e.SeatsPerSlot, ms(e.CreatedAt))
	return conflict(err, "insert exception")
}

// ActiveOverlapping implements booking.Tx.
func (t bookingTx) ActiveOverlapping(ctx context.Context, resourceID, operatorID string, from, to time.Time) ([]booking.Booking, error) {
	where := `resource_id = ? AND status = ? AND start_ms < ? AND end_ms > ?`
	args := []any{resourceID, booking.Confirmed, ms(to), ms(from)}
	if operatorID != "" {
		where += ` AND operator_id = ?`
		args = append(args, operatorID)
	}
	rows, err := t.tx.QueryContext(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE `+where+` ORDER BY start_ms, id`, args...)
	if err != nil {
		return nil, fmt.Errorf("find overlapping bookings: %w", err)
	}
	defer rows.Close()
	var out []booking.Booking
	for rows.Next() {
		b, err := scanBooking(rows)
		if err != nil {
			return nil, fmt.Errorf("find overlapping bookings: %w", err)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// ReleaseHoldsOverlapping implements booking.Tx: the holds are freed and
// kept as tombstones exactly like expired ones, so their owners are told
// that the time to confirm ran out.
func (t bookingTx) ReleaseHoldsOverlapping(ctx context.Context, resourceID, operatorID string, from, to, now time.Time) (int, error) {
	where := `released_at_ms IS NULL AND resource_id = ? AND start_ms < ? AND end_ms > ?`
	args := []any{resourceID, ms(to), ms(from)}
	if operatorID != "" {
		where += ` AND operator_id = ?`
		args = append(args, operatorID)
	}
	return releaseExpired(ctx, t, now, where, args...)
}
