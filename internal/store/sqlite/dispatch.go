package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/outbox"
)

// Outbox statuses beyond pending and cancelled.
const (
	outboxSent   = 1
	outboxFailed = 2
)

// ClaimDue leases up to limit pending messages due at now to the caller
// until now+lease: another dispatcher (or this one after a crash) can take
// them again only once the lease runs out, which is what makes delivery
// at-least-once without a central lock.
func (db *DB) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]outbox.Claimed, error) {
	var out []outbox.Claimed
	err := db.claimTx(ctx, func(ctx context.Context, tx *sql.Tx, lock string) error {
		out = out[:0] // a PostgreSQL transaction may run again
		rows, err := tx.QueryContext(ctx, `SELECT id, kind, COALESCE(booking_id, ''), subject_key, payload, due_at_ms, created_at_ms,
			attempts, progress FROM outbox WHERE status = ? AND due_at_ms <= ? AND locked_until_ms <= ?
			ORDER BY due_at_ms, id LIMIT ?`+lock, outboxPending, ms(now), ms(now), limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c outbox.Claimed
			var payload, progress string
			var due, created int64
			if err := rows.Scan(&c.ID, &c.Kind, &c.BookingID, &c.SubjectKey, &payload, &due, &created, &c.Attempts, &progress); err != nil {
				rows.Close()
				return err
			}
			c.Payload, c.DueAt, c.CreatedAt = []byte(payload), fromMS(due), fromMS(created)
			if c.Progress, err = fromJSON[string](progress); err != nil {
				rows.Close()
				return err
			}
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, c := range out {
			if _, err := tx.ExecContext(ctx, `UPDATE outbox SET locked_until_ms = ? WHERE id = ?`, ms(now.Add(lease)), c.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	return out, nil
}

// ExtendLeases keeps the messages ids leased until until while their
// delivery is still under way, so the lease can be short: a replica that
// dies is replaced within a lease, not after the longest possible send.
func (db *DB) ExtendLeases(ctx context.Context, ids []string, now, until time.Time) error {
	return db.extendLeases(ctx, "outbox", outboxPending, ids, now, until)
}

// RecordProgress stores the channels delivered so far for a message.
func (db *DB) RecordProgress(ctx context.Context, id string, progress []string) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET progress = ? WHERE id = ?`, jsonText(nonNil(progress)), id)
		return err
	})
}

// MarkSent closes a delivered message. Its payload (which may carry a
// cancel-link secret) is cleared: it is no longer needed.
func (db *DB) MarkSent(ctx context.Context, id string, at time.Time) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET status = ?, sent_at_ms = ?, payload = '{}', locked_until_ms = 0 WHERE id = ? AND status = ?`,
			outboxSent, ms(at), id, outboxPending)
		return err
	})
}

// MarkRetry schedules another attempt.
func (db *DB) MarkRetry(ctx context.Context, id string, next time.Time, attempts int, lastErr string) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET due_at_ms = ?, attempts = ?, last_error = ?, locked_until_ms = 0
			WHERE id = ? AND status = ?`, ms(next), attempts, lastErr, id, outboxPending)
		return err
	})
}

// MarkFailed gives up on a message after its last attempt.
func (db *DB) MarkFailed(ctx context.Context, id string, attempts int, lastErr string, at time.Time) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE outbox SET status = ?, attempts = ?, last_error = ?, sent_at_ms = ?, payload = '{}',
			locked_until_ms = 0 WHERE id = ? AND status = ?`, outboxFailed, attempts, lastErr, ms(at), id, outboxPending)
		return err
	})
}

// OutboxStatus returns a message's status, attempts and last error (for
// tests and the back office).
func (db *DB) OutboxStatus(ctx context.Context, id string) (status, attempts int, lastErr string, err error) {
	err = db.R.QueryRowContext(ctx, `SELECT status, attempts, last_error FROM outbox WHERE id = ?`, id).Scan(&status, &attempts, &lastErr)
	if err != nil {
		return 0, 0, "", notFound(err, "outbox message", id)
	}
	return status, attempts, lastErr, nil
}
