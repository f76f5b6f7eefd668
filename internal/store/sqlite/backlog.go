package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/webhook"
)

// Backlog is one queue's pending work that is due: how many items, and
// since when the oldest has waited.
type Backlog struct {
	Queue  string // "outbox:<kind>" or "webhook"
	Due    int
	Oldest time.Time // zero when Due is 0
}

// Backlogs reports the due, unsent outbox messages by kind and the due,
// undelivered webhook deliveries at now: what a healthy dispatcher keeps
// near zero. Both reads use the (status, due_at_ms) indexes.
func (db *DB) Backlogs(ctx context.Context, now time.Time) ([]Backlog, error) {
	var out []Backlog
	rows, err := db.R.QueryContext(ctx, `SELECT kind, COUNT(*), MIN(due_at_ms) FROM outbox
		WHERE status = ? AND due_at_ms <= ? GROUP BY kind ORDER BY kind`, outboxPending, ms(now))
	if err != nil {
		return nil, fmt.Errorf("outbox backlog: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var b Backlog
		var oldest int64
		if err := rows.Scan(&b.Queue, &b.Due, &oldest); err != nil {
			return nil, fmt.Errorf("outbox backlog: %w", err)
		}
		b.Queue, b.Oldest = "outbox:"+b.Queue, fromMS(oldest)
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("outbox backlog: %w", err)
	}
	var n int
	var oldest *int64
	if err := db.R.QueryRowContext(ctx, `SELECT COUNT(*), MIN(due_at_ms) FROM webhook_deliveries
		WHERE status = ? AND due_at_ms <= ?`, int(webhook.Pending), ms(now)).Scan(&n, &oldest); err != nil {
		return nil, fmt.Errorf("webhook backlog: %w", err)
	}
	b := Backlog{Queue: "webhook", Due: n}
	if oldest != nil {
		b.Oldest = fromMS(*oldest)
	}
	return append(out, b), nil
}
