package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/gate"
)

// Ticket states; values match varco.v1.TicketState.
const (
	ticketIssued  = 1
	ticketInside  = 2
	ticketRevoked = 5
)

// IssueTicket implements booking.Tx.
func (t bookingTx) IssueTicket(ctx context.Context, tk booking.IssuedTicket) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO tickets (id, booking_id, resource_id, key_id, seats, slot_start_ms,
		valid_from_ms, valid_until_ms, max_stay_s, state, updated_at_ms) VALUES (?,?,?,'',?,?,?,?,?,?,?)`,
		tk.ID, tk.BookingID, tk.ResourceID, tk.Seats, ms(tk.SlotStart), ms(tk.ValidFrom), ms(tk.ValidUntil),
		seconds(tk.MaxStay), ticketIssued, ms(tk.IssuedAt))
	if err != nil {
		return fmt.Errorf("issue ticket: %w", err)
	}
	return nil
}

// RevokeTickets implements booking.Tx. A ticket already used (inside,
// exited) is revoked too: a cancelled booking must not let anyone in again.
func (t bookingTx) RevokeTickets(ctx context.Context, bookingID, reason string, at time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE tickets SET state = ?, revoked_at_ms = ?, revoke_reason = ?,
		version = version + 1, updated_at_ms = ? WHERE booking_id = ? AND revoked_at_ms IS NULL`,
		ticketRevoked, ms(at), reason, ms(at), bookingID)
	if err != nil {
		return fmt.Errorf("revoke tickets: %w", err)
	}
	return nil
}

// TicketsOfBooking lists a booking's tickets.
func (db *DB) TicketsOfBooking(ctx context.Context, bookingID string) ([]booking.IssuedTicket, []bool, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT id, booking_id, resource_id, seats, slot_start_ms, valid_from_ms,
		valid_until_ms, max_stay_s, updated_at_ms, revoked_at_ms IS NOT NULL, state, entered_at_ms, expires_at_ms, exited_at_ms
		FROM tickets WHERE booking_id = ? ORDER BY id`, bookingID)
	if err != nil {
		return nil, nil, fmt.Errorf("tickets of booking: %w", err)
	}
	defer rows.Close()
	var out []booking.IssuedTicket
	var revoked []bool
	for rows.Next() {
		var tk booking.IssuedTicket
		var slot, from, until, maxStay, updated int64
		var rv bool
		var entered, expires, exited sql.NullInt64
		if err := rows.Scan(&tk.ID, &tk.BookingID, &tk.ResourceID, &tk.Seats, &slot, &from, &until, &maxStay, &updated, &rv,
			&tk.Presence.State, &entered, &expires, &exited); err != nil {
			return nil, nil, err
		}
		tk.SlotStart, tk.ValidFrom, tk.ValidUntil, tk.MaxStay, tk.IssuedAt = fromMS(slot), fromMS(from), fromMS(until), fromSeconds(maxStay), fromMS(updated)
		tk.Presence.EnteredAt, tk.Presence.ExpiresAt, tk.Presence.ExitedAt = fromNullMS(entered), fromNullMS(expires), fromNullMS(exited)
		if rv {
			tk.Presence.State = gate.Revoked
		}
		out = append(out, tk)
		revoked = append(revoked, rv)
	}
	return out, revoked, rows.Err()
}
