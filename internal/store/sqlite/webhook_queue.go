package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/webhook"
)

// WebhookQueue is the webhook deliveries as the outbox dispatcher sees
// them (dispatch.Store): the same leasing, backoff and failure recording as
// notifications, on their own table, so a slow receiver never holds up a
// citizen's e-mail and every attempt's HTTP status can be listed.
type WebhookQueue struct{ db *DB }

// WebhookQueue returns the dispatcher's view of webhook deliveries.
func (db *DB) WebhookQueue() WebhookQueue { return WebhookQueue{db: db} }

// NextDue returns the earliest due time after now among pending
// deliveries (see DB.NextDue).
func (q WebhookQueue) NextDue(ctx context.Context, now time.Time) (time.Time, bool, error) {
	return nextDue(ctx, q.db, `SELECT MIN(due_at_ms) FROM webhook_deliveries WHERE status = ? AND due_at_ms > ?`, int(webhook.Pending), now)
}

// ExtendLeases keeps claimed deliveries leased while they are being sent
// (see DB.ExtendLeases).
func (q WebhookQueue) ExtendLeases(ctx context.Context, ids []string, now, until time.Time) error {
	return q.db.extendLeases(ctx, "webhook_deliveries", int(webhook.Pending), ids, now, until)
}

// ClaimDue leases due deliveries (see DB.ClaimDue). A claimed delivery is
// an outbox.Claimed whose Kind is the event and SubjectKey the webhook.
func (q WebhookQueue) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]outbox.Claimed, error) {
	// Look on a reader first: most polls find nothing, and they should not
	// take the single writer from bookings to learn that.
	var due int
	err := q.db.R.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM webhook_deliveries
		WHERE status = ? AND due_at_ms <= ? AND locked_until_ms <= ? LIMIT 1) AS due`, webhook.Pending, ms(now), ms(now)).Scan(&due)
	if err != nil || due == 0 {
		return nil, err
	}
	var out []outbox.Claimed
	err = q.db.claimTx(ctx, func(ctx context.Context, tx *sql.Tx, lock string) error {
		out = out[:0] // a PostgreSQL transaction may run again
		rows, err := tx.QueryContext(ctx, `SELECT id, event, webhook_id, payload, due_at_ms, created_at_ms, attempts
			FROM webhook_deliveries WHERE status = ? AND due_at_ms <= ? AND locked_until_ms <= ?
			ORDER BY due_at_ms, id LIMIT ?`+lock, webhook.Pending, ms(now), ms(now), limit)
		if err != nil {
			return err
		}
		for rows.Next() {
			var c outbox.Claimed
			var payload string
			var due, created int64
			if err := rows.Scan(&c.ID, &c.Kind, &c.SubjectKey, &payload, &due, &created, &c.Attempts); err != nil {
				rows.Close()
				return err
			}
			c.Payload, c.DueAt, c.CreatedAt = []byte(payload), fromMS(due), fromMS(created)
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		stmt, err := tx.PrepareContext(ctx, `UPDATE webhook_deliveries SET locked_until_ms = ? WHERE id = ?`)
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, c := range out {
			if _, err := stmt.ExecContext(ctx, ms(now.Add(lease)), c.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("claim webhook deliveries: %w", err)
	}
	return out, nil
}

// RecordProgress does nothing: a delivery has a single channel, finished
// by the MarkSent, MarkRetry or MarkFailed that follows at once.
func (q WebhookQueue) RecordProgress(context.Context, string, []string) error { return nil }

// MarkSent records a 2xx answer.
func (q WebhookQueue) MarkSent(ctx context.Context, id string, at time.Time) error {
	return q.db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, delivered_at_ms = ?,
			finished_at_ms = ?, last_error = '', locked_until_ms = 0 WHERE id = ? AND status = ?`,
			webhook.Delivered, ms(at), ms(at), id, webhook.Pending)
		return err
	})
}

// MarkRetry schedules the next attempt.
func (q WebhookQueue) MarkRetry(ctx context.Context, id string, next time.Time, attempts int, lastErr string) error {
	return q.db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET due_at_ms = ?, attempts = ?, last_error = ?, locked_until_ms = 0
			WHERE id = ? AND status = ?`, ms(next), attempts, lastErr, id, webhook.Pending)
		return err
	})
}

// MarkFailed gives up on a delivery (a permanent refusal or the last
// attempt). Its body is kept: an organizer may replay it.
func (q WebhookQueue) MarkFailed(ctx context.Context, id string, attempts int, lastErr string, at time.Time) error {
	return q.db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = ?, attempts = ?, last_error = ?, finished_at_ms = ?,
			locked_until_ms = 0 WHERE id = ? AND status = ?`, webhook.Failed, attempts, lastErr, ms(at), id, webhook.Pending)
		return err
	})
}

// RecordAttempt stores the outcome of one HTTP attempt: the receiver's
// status (0 when there was no answer) and a short error, never the body.
func (q WebhookQueue) RecordAttempt(ctx context.Context, id string, status int, errText string, at time.Time) error {
	return q.db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET last_status = ?, last_error = ?, last_attempt_at_ms = ? WHERE id = ?`,
			status, errText, ms(at), id)
		return err
	})
}

// WebhookTarget returns where a delivery goes: its webhook's URL and
// secret and the event id; live is false once the webhook was deleted.
func (q WebhookQueue) WebhookTarget(ctx context.Context, deliveryID string) (url, secret, eventID string, live bool, err error) {
	var deleted sql.NullInt64
	err = q.db.R.QueryRowContext(ctx, `SELECT w.url, w.secret, d.event_id, w.deleted_at_ms FROM webhook_deliveries d
		JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = ?`, deliveryID).Scan(&url, &secret, &eventID, &deleted)
	if err != nil {
		return "", "", "", false, notFound(err, "webhook delivery", deliveryID)
	}
	if deleted.Valid {
		return "", "", eventID, false, nil
	}
	return url, secret, eventID, true, nil
}
