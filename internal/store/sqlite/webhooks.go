package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/store"
	"github.com/varco-gate/varco/internal/webhook"
)

const webhookColumns = `id, organization_id, url, events, created_by, created_at_ms, from_history_id, from_scan_seq`

// CreateWebhook implements webhook.Store. The starting points are read in
// the write transaction, so every history line and scan committed after it
// is newer than them, and every one before is not delivered.
func (db *DB) CreateWebhook(ctx context.Context, w webhook.Webhook, maxLive int) (webhook.Webhook, error) {
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM webhooks WHERE organization_id = ? AND deleted_at_ms IS NULL`,
			w.OrganizationID).Scan(&n); err != nil {
			return err
		}
		if n >= maxLive {
			return webhook.ErrTooMany
		}
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT COALESCE(MAX(id), 0) FROM booking_history),
			(SELECT COALESCE(MAX(seq), 0) FROM scans)`).Scan(&w.FromHistoryID, &w.FromScanSeq); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO webhooks (`+webhookColumns+`, secret) VALUES (?,?,?,?,?,?,?,?,?)`,
			w.ID, w.OrganizationID, w.URL, jsonText(w.Events), w.CreatedBy, ms(w.CreatedAt), w.FromHistoryID, w.FromScanSeq, w.Secret)
		return err
	})
	if err != nil {
		return webhook.Webhook{}, err
	}
	return w, nil
}

// ListWebhooks implements webhook.Store: live webhooks, oldest first,
// without their secrets.
func (db *DB) ListWebhooks(ctx context.Context, orgID string) ([]webhook.Webhook, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks
		WHERE organization_id = ? AND deleted_at_ms IS NULL ORDER BY created_at_ms, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rows.Close()
	return scanWebhooks(rows)
}

// liveWebhooks lists every live webhook (a handful per organization) in a
// feeder snapshot.
func liveWebhooks(ctx context.Context, tx *sql.Tx) ([]webhook.Webhook, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE deleted_at_ms IS NULL`)
	if err != nil {
		return nil, fmt.Errorf("live webhooks: %w", err)
	}
	defer rows.Close()
	return scanWebhooks(rows)
}

func scanWebhooks(rows *sql.Rows) ([]webhook.Webhook, error) {
	var out []webhook.Webhook
	for rows.Next() {
		var w webhook.Webhook
		var events string
		var created int64
		if err := rows.Scan(&w.ID, &w.OrganizationID, &w.URL, &events, &w.CreatedBy, &created, &w.FromHistoryID, &w.FromScanSeq); err != nil {
			return nil, err
		}
		w.CreatedAt = fromMS(created)
		var err error
		if w.Events, err = fromJSON[webhook.Event](events); err != nil {
			return nil, err
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// DeleteWebhook implements webhook.Store.
func (db *DB) DeleteWebhook(ctx context.Context, id string, at time.Time) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhooks SET deleted_at_ms = ? WHERE id = ? AND deleted_at_ms IS NULL`, ms(at), id)
		if err != nil {
			return fmt.Errorf("delete webhook: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("webhook %q: %w", id, store.ErrNotFound)
		}
		_, err = tx.ExecContext(ctx, `UPDATE webhook_deliveries SET status = ?, last_error = 'webhook deleted', finished_at_ms = ?,
			locked_until_ms = 0 WHERE webhook_id = ? AND status = ?`, webhook.Cancelled, ms(at), id, webhook.Pending)
		return err
	})
}

const deliveryColumns = `id, webhook_id, event, event_id, payload, status, due_at_ms, attempts, last_status, last_error,
	delivered_at_ms, created_at_ms, COALESCE(replay_of, '')`

func scanDelivery(row interface{ Scan(...any) error }) (webhook.Delivery, error) {
	var d webhook.Delivery
	var payload string
	var due, created int64
	var delivered sql.NullInt64
	err := row.Scan(&d.ID, &d.WebhookID, &d.Event, &d.EventID, &payload, &d.State, &due, &d.Attempts, &d.LastStatus,
		&d.LastError, &delivered, &created, &d.ReplayOf)
	d.Payload, d.DueAt, d.DeliveredAt, d.CreatedAt = []byte(payload), fromMS(due), fromNullMS(delivered), fromMS(created)
	return d, err
}

// ListDeliveries implements webhook.Store: newest first, keyset-paged on
// (created_at, id).
func (db *DB) ListDeliveries(ctx context.Context, q webhook.DeliveryQuery) ([]webhook.Delivery, error) {
	where := []string{`webhook_id = ?`}
	args := []any{q.WebhookID}
	if q.BeforeID != "" {
		where = append(where, `(created_at_ms < ? OR (created_at_ms = ? AND id < ?))`)
		args = append(args, ms(q.BeforeAt), ms(q.BeforeAt), q.BeforeID)
	}
	args = append(args, q.Limit)
	rows, err := db.R.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE `+strings.Join(where, " AND ")+`
		ORDER BY created_at_ms DESC, id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("list webhook deliveries: %w", err)
	}
	defer rows.Close()
	var out []webhook.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// GetDelivery returns one delivery (tests and the back office).
func (db *DB) GetDelivery(ctx context.Context, id string) (webhook.Delivery, error) {
	d, err := scanDelivery(db.R.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = ?`, id))
	if err != nil {
		return d, notFound(err, "webhook delivery", id)
	}
	return d, nil
}

// ReplayDelivery implements webhook.Store. The copy keeps the event id and
// body; the webhook must still be live.
func (db *DB) ReplayDelivery(ctx context.Context, id, newID string, at time.Time) (webhook.Delivery, error) {
	var d webhook.Delivery
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (id, webhook_id, event, event_id, payload, due_at_ms, created_at_ms, replay_of)
			SELECT ?, d.webhook_id, d.event, d.event_id, d.payload, ?, ?, d.id FROM webhook_deliveries d
			JOIN webhooks w ON w.id = d.webhook_id AND w.deleted_at_ms IS NULL WHERE d.id = ?`, newID, ms(at), ms(at), id)
		if err != nil {
			return fmt.Errorf("replay delivery: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("webhook delivery %q: %w", id, store.ErrNotFound)
		}
		d, err = scanDelivery(tx.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = ?`, newID))
		return err
	})
	return d, err
}

// WebhookOrg returns the organization owning a live webhook.
func (db *DB) WebhookOrg(ctx context.Context, id string) (string, error) {
	var org string
	err := db.R.QueryRowContext(ctx, `SELECT organization_id FROM webhooks WHERE id = ? AND deleted_at_ms IS NULL`, id).Scan(&org)
	if err != nil {
		return "", notFound(err, "webhook", id)
	}
	return org, nil
}

// WebhookDeliveryOrg returns the organization owning a delivery of a live
// webhook.
func (db *DB) WebhookDeliveryOrg(ctx context.Context, id string) (string, error) {
	var org string
	err := db.R.QueryRowContext(ctx, `SELECT w.organization_id FROM webhook_deliveries d
		JOIN webhooks w ON w.id = d.webhook_id AND w.deleted_at_ms IS NULL WHERE d.id = ?`, id).Scan(&org)
	if err != nil {
		return "", notFound(err, "webhook delivery", id)
	}
	return org, nil
}
