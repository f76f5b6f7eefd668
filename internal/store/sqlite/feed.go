package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/admission"
	"github.com/varco-gate/varco/internal/gate"
)

// Ticket change cursors. Each engine has its own, because each knows a
// different thing about the order in which changes commit:
//
//   - SQLite ("v1:<ms>"): one process writes, with one clock; the cursor
//     is the latest tickets.updated_at_ms seen, and each read starts
//     changeOverlap before it, so a change committed in the same
//     millisecond as the previous read is not missed.
//   - PostgreSQL ("x1:<xid>"): several replicas write, with their own
//     clocks, and transactions commit in any order. Every ticket row
//     carries the id of the transaction that last changed it
//     (change_xid, set by a trigger), and the cursor is the xmin of the
//     snapshot the changes were read from: every transaction below it had
//     ended, so was seen; every one at or above it, committed later or
//     still running, writes a change_xid at or above it and is read next
//     time. Exact, whatever the replicas' clocks say.
//
// A cursor of the other kind (an installation moved from SQLite to
// PostgreSQL) or unreadable starts over with reset.
const (
	changeOverlap = 2 * time.Second
	changePage    = 2000
)

// TicketChanges implements admission.FeedStore.
func (db *DB) TicketChanges(ctx context.Context, resourceIDs []string, cursor string, notBefore time.Time, fn func(admission.TicketChange)) (next string, reset bool, err error) {
	if db.dialect == postgresDialect {
		next, reset, err = db.ticketChangesPG(ctx, resourceIDs, cursor, notBefore, fn)
	} else {
		next, reset, err = db.ticketChangesSQLite(ctx, resourceIDs, cursor, notBefore, fn)
	}
	if err != nil {
		return "", false, fmt.Errorf("ticket changes: %w", err)
	}
	return next, reset, nil
}

func (db *DB) ticketChangesSQLite(ctx context.Context, resourceIDs []string, cursor string, notBefore time.Time, fn func(admission.TicketChange)) (string, bool, error) {
	since, ok := int64(0), false
	if v, found := strings.CutPrefix(cursor, "v1:"); found {
		n, err := strconv.ParseInt(v, 10, 64)
		since, ok = n, err == nil && n >= 0
	}
	if !ok {
		since = 0
	}
	latest := since
	at, after := max(since-changeOverlap.Milliseconds(), 0), ""
	if !ok {
		at = -1 // everything, updated_at 0 included
	}
	for len(resourceIDs) > 0 {
		args := []any{at, after, ms(notBefore)}
		for _, id := range resourceIDs {
			args = append(args, id)
		}
		n, last, lastID, err := db.scanChanges(ctx, db.R, `SELECT id, resource_id, seats, state, entered_at_ms, expires_at_ms, exited_at_ms,
			revoked_at_ms, revoke_reason, version, updated_at_ms FROM tickets
			WHERE (updated_at_ms, id) > (?, ?) AND valid_until_ms >= ? AND resource_id IN (`+placeholders(len(resourceIDs))+`)
			ORDER BY updated_at_ms, id LIMIT `+strconv.Itoa(changePage), args, fn)
		if err != nil {
			return "", false, err
		}
		if n > 0 {
			at, after, latest = last, lastID, max(latest, last)
		}
		if n < changePage {
			break
		}
	}
	return "v1:" + strconv.FormatInt(latest, 10), !ok, nil
}

func (db *DB) ticketChangesPG(ctx context.Context, resourceIDs []string, cursor string, notBefore time.Time, fn func(admission.TicketChange)) (string, bool, error) {
	from, ok := int64(0), false
	if v, found := strings.CutPrefix(cursor, "x1:"); found {
		n, err := strconv.ParseInt(v, 10, 64)
		from, ok = n, err == nil && n >= 0
	}
	if !ok {
		from = 0
	}
	var xmin int64
	err := db.ReadTx(ctx, func(tx *sql.Tx) error {
		// The snapshot's xmin, read in the transaction whose snapshot the
		// pages below use.
		if err := tx.QueryRowContext(ctx, `SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint`).Scan(&xmin); err != nil {
			return err
		}
		atXid, after := from-1, ""
		for len(resourceIDs) > 0 {
			args := []any{atXid, after, ms(notBefore)}
			for _, id := range resourceIDs {
				args = append(args, id)
			}
			n, last, lastID, err := db.scanChanges(ctx, tx, `SELECT id, resource_id, seats, state, entered_at_ms, expires_at_ms, exited_at_ms,
				revoked_at_ms, revoke_reason, version, change_xid FROM tickets
				WHERE (change_xid, id) > (?, ?) AND valid_until_ms >= ? AND resource_id IN (`+placeholders(len(resourceIDs))+`)
				ORDER BY change_xid, id LIMIT `+strconv.Itoa(changePage), args, fn)
			if err != nil {
				return err
			}
			if n > 0 {
				atXid, after = last, lastID
			}
			if n < changePage {
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return "", false, err
	}
	return "x1:" + strconv.FormatInt(max(xmin, from), 10), !ok, nil
}

// scanChanges runs one page of a ticket change query (whose last column is
// the ordering position) and hands each row to fn; it returns the rows
// read and the last row's position and id.
func (db *DB) scanChanges(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, query string, args []any, fn func(admission.TicketChange)) (n int, last int64, lastID string, err error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, 0, "", err
	}
	defer rows.Close()
	for rows.Next() {
		var c admission.TicketChange
		var entered, expires, exited, revoked sql.NullInt64
		if err := rows.Scan(&c.TicketID, &c.ResourceID, &c.Seats, &c.Presence.State, &entered, &expires, &exited, &revoked,
			&c.RevokeReason, &c.Version, &last); err != nil {
			return 0, 0, "", err
		}
		c.Presence.EnteredAt, c.Presence.ExpiresAt, c.Presence.ExitedAt = fromNullMS(entered), fromNullMS(expires), fromNullMS(exited)
		c.RevokedAt = fromNullMS(revoked)
		if revoked.Valid {
			c.Presence.State = gate.Revoked
		}
		fn(c)
		n++
		lastID = c.TicketID
	}
	return n, last, lastID, rows.Err()
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
