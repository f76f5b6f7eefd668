package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/admission"
	"github.com/varco-gate/varco/internal/gate"
)

// TicketChanges implements admission.FeedStore.
func (db *DB) TicketChanges(ctx context.Context, resourceIDs []string, since time.Time, afterID string, notBefore time.Time, limit int) ([]admission.TicketChange, error) {
	if len(resourceIDs) == 0 {
		return nil, nil
	}
	args := []any{ms(since), afterID, ms(notBefore)}
	for _, id := range resourceIDs {
		args = append(args, id)
	}
	rows, err := db.R.QueryContext(ctx, `SELECT id, resource_id, seats, state, entered_at_ms, expires_at_ms, exited_at_ms,
		revoked_at_ms, revoke_reason, version, updated_at_ms FROM tickets
		WHERE (updated_at_ms, id) > (?, ?) AND valid_until_ms >= ? AND resource_id IN (`+placeholders(len(resourceIDs))+`)
		ORDER BY updated_at_ms, id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("ticket changes: %w", err)
	}
	defer rows.Close()
	var out []admission.TicketChange
	for rows.Next() {
		var c admission.TicketChange
		var entered, expires, exited, revoked sql.NullInt64
		var updated int64
		if err := rows.Scan(&c.TicketID, &c.ResourceID, &c.Seats, &c.Presence.State, &entered, &expires, &exited, &revoked,
			&c.RevokeReason, &c.Version, &updated); err != nil {
			return nil, fmt.Errorf("ticket changes: %w", err)
		}
		c.Presence.EnteredAt, c.Presence.ExpiresAt, c.Presence.ExitedAt = fromNullMS(entered), fromNullMS(expires), fromNullMS(exited)
		c.RevokedAt, c.UpdatedAt = fromNullMS(revoked), fromMS(updated)
		if revoked.Valid {
			c.Presence.State = gate.Revoked
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// Occupancy implements admission.FeedStore: seats inside now, entered,
// exited, overstaying and booked, per resource and slot.
func (db *DB) Occupancy(ctx context.Context, resourceIDs []string, from, to, now time.Time) ([]admission.Occupancy, error) {
	if len(resourceIDs) == 0 {
		return nil, nil
	}
	args := []any{ticketInside, ticketInside, ms(now), ms(from), ms(to)}
	for _, id := range resourceIDs {
		args = append(args, id)
	}
	rows, err := db.R.QueryContext(ctx, `SELECT resource_id, slot_start_ms,
			SUM(CASE WHEN state = ? THEN seats ELSE 0 END),
			SUM(CASE WHEN entered_at_ms IS NOT NULL THEN seats ELSE 0 END),
			SUM(CASE WHEN exited_at_ms IS NOT NULL THEN seats ELSE 0 END),
			SUM(CASE WHEN state = ? AND expires_at_ms IS NOT NULL AND expires_at_ms < ? THEN seats ELSE 0 END),
			SUM(CASE WHEN revoked_at_ms IS NULL THEN seats ELSE 0 END)
		FROM tickets WHERE slot_start_ms >= ? AND slot_start_ms < ? AND resource_id IN (`+placeholders(len(resourceIDs))+`)
		GROUP BY resource_id, slot_start_ms ORDER BY resource_id, slot_start_ms`, args...)
	if err != nil {
		return nil, fmt.Errorf("occupancy: %w", err)
	}
	defer rows.Close()
	var out []admission.Occupancy
	for rows.Next() {
		var o admission.Occupancy
		var slot int64
		if err := rows.Scan(&o.ResourceID, &slot, &o.Inside, &o.Entries, &o.Exits, &o.Overstays, &o.Booked); err != nil {
			return nil, fmt.Errorf("occupancy: %w", err)
		}
		o.SlotStart = fromMS(slot)
		out = append(out, o)
	}
	return out, rows.Err()
}
