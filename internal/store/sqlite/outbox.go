package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/outbox"
)

// Outbox statuses.
const (
	outboxPending   = 0
	outboxCancelled = 3
)

// Enqueue implements booking.Tx: the message commits with the change.
func (t bookingTx) Enqueue(ctx context.Context, m outbox.Message) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO outbox (id, kind, booking_id, subject_key, payload, due_at_ms, created_at_ms)
		VALUES (?,?,?,?,?,?,?)`, m.ID, m.Kind, nullString(m.BookingID), m.SubjectKey, string(m.Payload), ms(m.DueAt), ms(m.CreatedAt))
	if err != nil {
		return fmt.Errorf("enqueue %s: %w", m.Kind, err)
	}
	if t.due != nil && (t.due.IsZero() || m.DueAt.Before(*t.due)) {
		*t.due = m.DueAt
	}
	return nil
}

// ring tells the alarm, if any, of the earliest message a committed
// transaction enqueued (due is zero when it enqueued none).
func (db *DB) ring(err error, due time.Time) {
	if err == nil && db.alarm != nil && !due.IsZero() {
		db.alarm.Set(due)
	}
}

// NextDue returns the earliest due time after now among pending
// messages, so the dispatcher can wake right then.
func (db *DB) NextDue(ctx context.Context, now time.Time) (time.Time, bool, error) {
	return nextDue(ctx, db, `SELECT MIN(due_at_ms) FROM outbox WHERE status = ? AND due_at_ms > ?`, outboxPending, now)
}

func nextDue(ctx context.Context, db *DB, query string, pending int, now time.Time) (time.Time, bool, error) {
	var due sql.NullInt64
	if err := db.R.QueryRowContext(ctx, query, pending, ms(now)).Scan(&due); err != nil {
		return time.Time{}, false, fmt.Errorf("next due: %w", err)
	}
	if !due.Valid {
		return time.Time{}, false, nil
	}
	return fromMS(due.Int64), true, nil
}

// CancelMessages implements booking.Tx.
func (t bookingTx) CancelMessages(ctx context.Context, subject string, at time.Time) error {
	if subject == "" {
		return nil
	}
	_, err := t.tx.ExecContext(ctx, `UPDATE outbox SET status = ?, last_error = 'cancelled', sent_at_ms = ?
		WHERE subject_key = ? AND status = ?`, outboxCancelled, ms(at), subject, outboxPending)
	return err
}

// PendingMessages lists pending messages of a booking (for tests and the
// back office), oldest due first.
func (db *DB) PendingMessages(ctx context.Context, bookingID string) ([]outbox.Message, error) {
	return db.pending(ctx, `booking_id = ?`, bookingID)
}

// PendingForSubject lists the pending messages of a subject key (e.g. a
// ticket's scheduled warnings), oldest due first.
func (db *DB) PendingForSubject(ctx context.Context, subject string) ([]outbox.Message, error) {
	return db.pending(ctx, `subject_key = ?`, subject)
}

func (db *DB) pending(ctx context.Context, where, arg string) ([]outbox.Message, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT id, kind, COALESCE(booking_id, ''), subject_key, payload, due_at_ms, created_at_ms
		FROM outbox WHERE `+where+` AND status = ? ORDER BY due_at_ms, id`, arg, outboxPending)
	if err != nil {
		return nil, fmt.Errorf("pending messages: %w", err)
	}
	defer rows.Close()
	var out []outbox.Message
	for rows.Next() {
		var m outbox.Message
		var payload string
		var due, created int64
		if err := rows.Scan(&m.ID, &m.Kind, &m.BookingID, &m.SubjectKey, &payload, &due, &created); err != nil {
			return nil, err
		}
		m.Payload, m.DueAt, m.CreatedAt = []byte(payload), fromMS(due), fromMS(created)
		out = append(out, m)
	}
	return out, rows.Err()
}
