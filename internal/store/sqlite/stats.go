package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/stats"
)

// inArgs returns the placeholders and arguments of an IN list of ids,
// followed by extra arguments.
func inArgs(ids []string, extra ...any) (string, []any) {
	args := make([]any, 0, len(ids)+len(extra))
	for _, id := range ids {
		args = append(args, id)
	}
	return placeholders(len(ids)), append(args, extra...)
}

// StatsBookings implements stats.Store (bookings_resource_start serves it).
func (db *DB) StatsBookings(ctx context.Context, resourceIDs []string, from, to time.Time) ([]stats.Booking, error) {
	if len(resourceIDs) == 0 {
		return nil, nil
	}
	in, args := inArgs(resourceIDs, ms(from), ms(to))
	rows, err := db.R.QueryContext(ctx, `SELECT resource_id, status, seats, slot_starts, created_at_ms, first_free_ms
		FROM bookings WHERE resource_id IN (`+in+`) AND start_ms >= ? AND start_ms < ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("stats bookings: %w", err)
	}
	defer rows.Close()
	var out []stats.Booking
	for rows.Next() {
		var b stats.Booking
		var starts string
		var created int64
		var first sql.NullInt64
		if err := rows.Scan(&b.ResourceID, &b.Status, &b.Seats, &starts, &created, &first); err != nil {
			return nil, fmt.Errorf("stats bookings: %w", err)
		}
		b.CreatedAt, b.FirstFree = fromMS(created), fromNullMS(first)
		if b.SlotStarts, err = decodeStarts(starts); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// StatsTickets implements stats.Store: the tickets and their passages are
// read in one snapshot, so a scan landing meanwhile cannot show a passage
// of a ticket the first query did not see in that state.
func (db *DB) StatsTickets(ctx context.Context, resourceIDs []string, from, to time.Time) ([]stats.Ticket, error) {
	if len(resourceIDs) == 0 {
		return nil, nil
	}
	var out []stats.Ticket
	err := db.ReadTx(ctx, func(tx *sql.Tx) error {
		in, args := inArgs(resourceIDs, ms(from), ms(to))
		rows, err := tx.QueryContext(ctx, `SELECT id, resource_id, slot_start_ms, seats, state, expires_at_ms, exited_at_ms, valid_until_ms, revoked_at_ms
			FROM tickets WHERE resource_id IN (`+in+`) AND slot_start_ms >= ? AND slot_start_ms < ?`, args...)
		if err != nil {
			return err
		}
		idx := map[string]int{}
		for rows.Next() {
			var t stats.Ticket
			var expires, exited, revoked sql.NullInt64
			var until, slot int64
			if err := rows.Scan(&t.ID, &t.ResourceID, &slot, &t.Seats, &t.State, &expires, &exited, &until, &revoked); err != nil {
				rows.Close()
				return err
			}
			t.ExpiresAt, t.ExitedAt, t.ValidUntil, t.SlotStart = fromNullMS(expires), fromNullMS(exited), fromMS(until), fromMS(slot)
			if revoked.Valid {
				t.State = gate.Revoked
			}
			idx[t.ID] = len(out)
			out = append(out, t)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(out) == 0 {
			return nil
		}
		// A passage is what the gate let through: the server's verdict
		// online, the scanner's own offline (see admission.Upload), at a
		// gate of the ticket's own organization (another organization's
		// gate letting someone through is a conflict, not a passage).
		in, args = inArgs(resourceIDs, ms(from), ms(to), gate.Accepted, gate.Flagged, gate.Accepted, gate.Flagged)
		rows, err = tx.QueryContext(ctx, `SELECT s.ticket_id, s.direction, s.scanned_at_ms, s.seats
			FROM tickets t JOIN scans s ON s.ticket_id = t.id
			JOIN resources r ON r.id = t.resource_id AND r.organization_id = s.organization_id
			WHERE t.resource_id IN (`+in+`) AND t.slot_start_ms >= ? AND t.slot_start_ms < ?
			  AND ((s.offline = 0 AND s.verdict IN (?, ?)) OR (s.offline = 1 AND s.local_verdict IN (?, ?)))
			ORDER BY s.scanned_at_ms, s.received_at_ms, s.id`, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var p stats.Passage
			var at int64
			if err := rows.Scan(&id, &p.Direction, &at, &p.Seats); err != nil {
				return err
			}
			p.At = fromMS(at)
			if i, ok := idx[id]; ok {
				out[i].Passages = append(out[i].Passages, p)
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("stats tickets: %w", err)
	}
	return out, nil
}
