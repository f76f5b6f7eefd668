package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/availability"
	"github.com/varco-gate/varco/internal/booking"
)

// operatorBusySQL finds the live holds and confirmed bookings of some
// operators on resources other than one, overlapping a time range. Same-
// resource use is counted by slot_usage; this is the rest of their day.
func operatorBusySQL(nOps int) string {
	in := "?" + strings.Repeat(",?", nOps-1)
	return `SELECT operator_id, start_ms, end_ms, expires_at_ms FROM holds
		WHERE operator_id IN (` + in + `) AND resource_id != ? AND released_at_ms IS NULL AND expires_at_ms > ?
			AND start_ms < ? AND end_ms > ?
		UNION ALL
		SELECT operator_id, start_ms, end_ms, 0 FROM bookings
		WHERE operator_id IN (` + in + `) AND resource_id != ? AND status = ? AND start_ms < ? AND end_ms > ?`
}

func operatorBusyArgs(ops []string, resourceID string, from, to, now time.Time) []any {
	args := make([]any, 0, 2*len(ops)+8)
	for _, op := range ops {
		args = append(args, op)
	}
	args = append(args, resourceID, ms(now), ms(to), ms(from))
	for _, op := range ops {
		args = append(args, op)
	}
	return append(args, resourceID, booking.Confirmed, ms(to), ms(from))
}

func scanBusy(rows *sql.Rows) ([]availability.Busy, error) {
	defer rows.Close()
	var out []availability.Busy
	for rows.Next() {
		var b availability.Busy
		var start, end, expires int64
		if err := rows.Scan(&b.OperatorID, &start, &end, &expires); err != nil {
			return nil, err
		}
		b.Start, b.End = fromMS(start), fromMS(end)
		if expires > 0 {
			b.Expires = fromMS(expires)
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// OperatorBusy implements availability.Store.
func (db *DB) OperatorBusy(ctx context.Context, resourceID string, operatorIDs []string, from, to, now time.Time) ([]availability.Busy, error) {
	if len(operatorIDs) == 0 {
		return nil, nil
	}
	rows, err := db.R.QueryContext(ctx, operatorBusySQL(len(operatorIDs)), operatorBusyArgs(operatorIDs, resourceID, from, to, now)...)
	if err != nil {
		return nil, fmt.Errorf("operator busy: %w", err)
	}
	out, err := scanBusy(rows)
	if err != nil {
		return nil, fmt.Errorf("operator busy: %w", err)
	}
	return out, nil
}

// OperatorBusyElsewhere implements booking.Tx.
func (t bookingTx) OperatorBusyElsewhere(ctx context.Context, operatorID, resourceID string, from, to, now time.Time) (bool, error) {
	rows, err := t.tx.QueryContext(ctx, operatorBusySQL(1)+` LIMIT 1`, operatorBusyArgs([]string{operatorID}, resourceID, from, to, now)...)
	if err != nil {
		return false, fmt.Errorf("operator busy: %w", err)
	}
	busy, err := scanBusy(rows)
	if err != nil {
		return false, fmt.Errorf("operator busy: %w", err)
	}
	return len(busy) > 0, nil
}
