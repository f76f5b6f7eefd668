package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/varco-gate/varco/internal/audit"
)

// RecordAudit implements audit.Store.
func (db *DB) RecordAudit(ctx context.Context, e audit.Event) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO audit_events (id, organization_id, at_ms, actor_kind, actor_id, actor_name,
			action, target_type, target_id, detail) VALUES (?,?,?,?,?,?,?,?,?,?)`,
			e.ID, e.OrganizationID, ms(e.At), e.ActorKind, e.ActorID, e.ActorName, e.Action, e.TargetType, e.TargetID, e.Detail)
		if err != nil {
			return fmt.Errorf("record audit event: %w", err)
		}
		return nil
	})
}

// ListAudit implements audit.Store.
func (db *DB) ListAudit(ctx context.Context, q audit.Query) ([]audit.Event, error) {
	where := `organization_id = ? AND at_ms >= ?`
	args := []any{q.OrganizationID, ms(q.Since)}
	if q.TargetID != "" {
		where += ` AND target_id = ?`
		args = append(args, q.TargetID)
	}
	if q.ActorID != "" {
		where += ` AND actor_id = ?`
		args = append(args, q.ActorID)
	}
	switch {
	case strings.HasSuffix(q.Action, "."):
		// substr rather than LIKE: an action's "_" is not a wildcard.
		where += ` AND substr(action, 1, ?) = ?`
		args = append(args, len(q.Action), q.Action)
	case q.Action != "":
		where += ` AND action = ?`
		args = append(args, q.Action)
	}
	if !q.Until.IsZero() {
		where += ` AND at_ms < ?`
		args = append(args, ms(q.Until))
	}
	if q.BeforeID != "" {
		where += ` AND (at_ms, id) < (?, ?)`
		args = append(args, ms(q.BeforeAt), q.BeforeID)
	}
	rows, err := db.R.QueryContext(ctx, `SELECT id, organization_id, at_ms, actor_kind, actor_id, actor_name, action, target_type,
		target_id, detail FROM audit_events WHERE `+where+` ORDER BY at_ms DESC, id DESC LIMIT ?`, append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	defer rows.Close()
	var out []audit.Event
	for rows.Next() {
		var e audit.Event
		var at int64
		if err := rows.Scan(&e.ID, &e.OrganizationID, &at, &e.ActorKind, &e.ActorID, &e.ActorName, &e.Action, &e.TargetType,
			&e.TargetID, &e.Detail); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
