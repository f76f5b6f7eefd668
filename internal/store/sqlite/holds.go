package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/booking"
)

// bookingTx implements booking.Tx on one write transaction.
type bookingTx struct {
	tx writeTx
	// due collects the earliest due time of the messages enqueued, for
	// the dispatcher's alarm after the commit; nil when nobody listens.
	due *time.Time
}

// writeTx is a write transaction whose statements run with the context
// WriteTx gave its function, whatever context the caller passes: the
// booking and admission services call the Tx methods with their request's
// context, and a cancelled statement would roll back a whole group commit.
type writeTx struct {
	tx  *sql.Tx
	ctx context.Context
	// pg is set on PostgreSQL, where a failed statement aborts the whole
	// transaction (see execMayConflict).
	pg bool
}

// execMayConflict runs an insert whose unique violation the caller handles
// and then carries on in the same transaction (a booking code drawn twice,
// a replayed idempotency key). SQLite undoes just the failed statement;
// PostgreSQL aborts the whole transaction, so there the statement runs in
// a savepoint that a failure rolls back to.
func (w writeTx) execMayConflict(query string, args ...any) (sql.Result, error) {
	if !w.pg {
		return w.tx.ExecContext(w.ctx, query, args...)
	}
	if _, err := w.tx.ExecContext(w.ctx, `SAVEPOINT may_conflict`); err != nil {
		return nil, err
	}
	res, err := w.tx.ExecContext(w.ctx, query, args...)
	if err != nil {
		if _, rbErr := w.tx.ExecContext(w.ctx, `ROLLBACK TO SAVEPOINT may_conflict`); rbErr != nil {
			return nil, errors.Join(err, rbErr)
		}
		return nil, err
	}
	if _, err := w.tx.ExecContext(w.ctx, `RELEASE SAVEPOINT may_conflict`); err != nil {
		return nil, err
	}
	return res, nil
}

func (w writeTx) ExecContext(_ context.Context, query string, args ...any) (sql.Result, error) {
	return w.tx.ExecContext(w.ctx, query, args...)
}

func (w writeTx) QueryContext(_ context.Context, query string, args ...any) (*sql.Rows, error) {
	return w.tx.QueryContext(w.ctx, query, args...)
}

func (w writeTx) QueryRowContext(_ context.Context, query string, args ...any) *sql.Row {
	return w.tx.QueryRowContext(w.ctx, query, args...)
}

func (db *DB) newBookingTx(ctx context.Context, tx *sql.Tx) bookingTx {
	return bookingTx{tx: writeTx{tx: tx, ctx: ctx, pg: db.dialect == postgresDialect}}
}

// InTx runs fn in one write transaction on the single writer: every
// booking operation is all or nothing, and operations never interleave,
// which is what makes the capacity checks exact.
func (db *DB) InTx(ctx context.Context, fn func(booking.Tx) error) error {
	var due time.Time
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		due = time.Time{} // the transaction may run again (PostgreSQL)
		btx := db.newBookingTx(ctx, tx)
		btx.due = &due
		if err := fn(btx); err != nil {
			return err
		}
		return db.announceDue(ctx, tx, due)
	})
	db.ring(err, due)
	return err
}

func encodeStarts(starts []time.Time) string {
	v := make([]int64, len(starts))
	for i, t := range starts {
		v[i] = ms(t)
	}
	return jsonText(v)
}

func decodeStarts(s string) ([]time.Time, error) {
	var v []int64
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("decode slot starts: %w", err)
	}
	out := make([]time.Time, len(v))
	for i, x := range v {
		out[i] = fromMS(x)
	}
	return out, nil
}

// TakeSeats implements booking.Tx: the conditional update is the whole
// capacity check, so it holds under any concurrency.
func (t bookingTx) TakeSeats(ctx context.Context, resourceID string, start time.Time, op string, capacity, seats int, hold bool) (bool, error) {
	if _, err := t.tx.ExecContext(ctx, `INSERT INTO slot_usage (resource_id, start_ms, operator_id, capacity) VALUES (?,?,?,?)
		ON CONFLICT (resource_id, start_ms, operator_id) DO UPDATE SET capacity = excluded.capacity`,
		resourceID, ms(start), op, capacity); err != nil {
		return false, fmt.Errorf("take seats: %w", err)
	}
	held := 0
	if hold {
		held = seats
	}
	res, err := t.tx.ExecContext(ctx, `UPDATE slot_usage SET taken = taken + ?1, held = held + ?2
		WHERE resource_id = ?3 AND start_ms = ?4 AND operator_id = ?5 AND taken + ?1 <= capacity`,
		seats, held, resourceID, ms(start), op)
	if err != nil {
		return false, fmt.Errorf("take seats: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseSeats implements booking.Tx.
func (t bookingTx) ReleaseSeats(ctx context.Context, resourceID string, starts []time.Time, op string, seats int, held bool) error {
	h := 0
	if held {
		h = seats
	}
	for _, s := range starts {
		if _, err := t.tx.ExecContext(ctx, `UPDATE slot_usage SET taken = taken - ?, held = held - ?
			WHERE resource_id = ? AND start_ms = ? AND operator_id = ?`, seats, h, resourceID, ms(s), op); err != nil {
			return fmt.Errorf("release seats: %w", err)
		}
	}
	return nil
}

// ConfirmHeldSeats implements booking.Tx.
func (t bookingTx) ConfirmHeldSeats(ctx context.Context, resourceID string, starts []time.Time, op string, seats int) error {
	for _, s := range starts {
		if _, err := t.tx.ExecContext(ctx, `UPDATE slot_usage SET held = held - ?
			WHERE resource_id = ? AND start_ms = ? AND operator_id = ?`, seats, resourceID, ms(s), op); err != nil {
			return fmt.Errorf("confirm held seats: %w", err)
		}
	}
	return nil
}

// OperatorLoad implements booking.Tx.
func (t bookingTx) OperatorLoad(ctx context.Context, resourceID string, from, to time.Time) (map[string]int, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT operator_id, SUM(taken) FROM slot_usage
		WHERE resource_id = ? AND start_ms >= ? AND start_ms < ? GROUP BY operator_id`, resourceID, ms(from), ms(to))
	if err != nil {
		return nil, fmt.Errorf("operator load: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var op string
		var n int
		if err := rows.Scan(&op, &n); err != nil {
			return nil, fmt.Errorf("operator load: %w", err)
		}
		out[op] = n
	}
	return out, rows.Err()
}

const holdColumns = `id, resource_id, account_id, operator_id, start_ms, end_ms, slot_starts, seats, expires_at_ms, created_at_ms, released_at_ms,
	first_free_ms`

// InsertHold implements booking.Tx.
func (t bookingTx) InsertHold(ctx context.Context, h booking.Hold) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO holds (`+holdColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`,
		h.ID, h.ResourceID, nullString(h.AccountID), h.OperatorID, ms(h.Start), ms(h.End), encodeStarts(h.SlotStarts), h.Seats,
		ms(h.ExpiresAt), ms(h.CreatedAt), nullMS(h.ReleasedAt), nullMS(h.FirstFree))
	return conflict(err, "insert hold")
}

// GetHold implements booking.Tx.
func (t bookingTx) GetHold(ctx context.Context, id string) (booking.Hold, error) {
	h, err := scanHold(t.tx.QueryRowContext(ctx, `SELECT `+holdColumns+` FROM holds WHERE id = ?`, id))
	if err != nil {
		return h, notFound(err, "hold", id)
	}
	return h, nil
}

// DeleteHold implements booking.Tx.
func (t bookingTx) DeleteHold(ctx context.Context, id string) error {
	_, err := t.tx.ExecContext(ctx, `DELETE FROM holds WHERE id = ?`, id)
	return err
}

// TakeHold implements booking.Tx: one statement where reading the hold
// and deleting it took two on the writer.
func (t bookingTx) TakeHold(ctx context.Context, id string) (booking.Hold, error) {
	h, err := scanHold(t.tx.QueryRowContext(ctx, `DELETE FROM holds WHERE id = ? RETURNING `+holdColumns, id))
	if err != nil {
		return h, notFound(err, "hold", id)
	}
	return h, nil
}

// CountLiveHolds implements booking.Tx.
func (t bookingTx) CountLiveHolds(ctx context.Context, accountID string, now time.Time) (int, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM holds WHERE account_id = ? AND expires_at_ms > ? AND released_at_ms IS NULL`, accountID, ms(now)).Scan(&n)
	return n, err
}

// ReleaseExpiredHolds implements booking.Tx.
func (t bookingTx) ReleaseExpiredHolds(ctx context.Context, resourceID string, now time.Time) (int, error) {
	return releaseExpired(ctx, t, now, `released_at_ms IS NULL AND expires_at_ms <= ? AND resource_id = ?`, ms(now), resourceID)
}

// releaseExpired frees the seats of the holds matching where and marks
// them released (tombstones for a day).
func releaseExpired(ctx context.Context, t bookingTx, now time.Time, where string, args ...any) (int, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT `+holdColumns+` FROM holds WHERE `+where, args...)
	if err != nil {
		return 0, fmt.Errorf("find expired holds: %w", err)
	}
	var expired []booking.Hold
	for rows.Next() {
		h, err := scanHold(rows)
		if err != nil {
			rows.Close()
			return 0, fmt.Errorf("find expired holds: %w", err)
		}
		expired = append(expired, h)
	}
	rows.Close()
	for _, h := range expired {
		if err := t.ReleaseSeats(ctx, h.ResourceID, h.SlotStarts, h.OperatorID, h.Seats, true); err != nil {
			return 0, err
		}
		if _, err := t.tx.ExecContext(ctx, `UPDATE holds SET released_at_ms = ? WHERE id = ?`, ms(now), h.ID); err != nil {
			return 0, fmt.Errorf("mark hold released: %w", err)
		}
	}
	return len(expired), nil
}

// holdTombstoneTTL is how long a swept hold is remembered.
const holdTombstoneTTL = 24 * time.Hour

// SweepExpiredHolds frees up to limit holds expired at now, across all
// resources, and forgets tombstones older than a day.
func (db *DB) SweepExpiredHolds(ctx context.Context, now time.Time, limit int) (int, error) {
	var n int
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		n, err = releaseExpired(ctx, db.newBookingTx(ctx, tx), now, `released_at_ms IS NULL AND expires_at_ms <= ? ORDER BY expires_at_ms LIMIT ?`, ms(now), limit)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM holds WHERE released_at_ms < ?`, ms(now.Add(-holdTombstoneTTL)))
		return err
	})
	return n, err
}

func scanHold(s scanner) (booking.Hold, error) {
	var h booking.Hold
	var start, end, exp, created int64
	var released, firstFree sql.NullInt64
	var starts string
	var account sql.NullString // NULL for a guest's hold
	if err := s.Scan(&h.ID, &h.ResourceID, &account, &h.OperatorID, &start, &end, &starts, &h.Seats, &exp, &created, &released,
		&firstFree); err != nil {
		return h, err
	}
	h.AccountID = account.String
	h.Start, h.End, h.ExpiresAt, h.CreatedAt = fromMS(start), fromMS(end), fromMS(exp), fromMS(created)
	h.ReleasedAt, h.FirstFree = fromNullMS(released), fromNullMS(firstFree)
	var err error
	h.SlotStarts, err = decodeStarts(starts)
	return h, err
}
