package sqlitetest

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Tickets describes tickets to insert, one per booking, all for one slot
// of one resource.
type Tickets struct {
	OrganizationID, ResourceID string
	// SlotStart is the slot's start; tickets are valid from it for Valid.
	SlotStart time.Time
	Valid     time.Duration
	N         int
	// Prefix makes ids unique across several calls, as for Bookings.
	Prefix string
}

// Ticket states, as internal/gate numbers them (and the tickets table
// stores them).
const (
	stateInside  = 2
	stateExited  = 3
	stateRevoked = 5
)

// Seeded counts the tickets SeedTickets inserted, by state.
type Seeded struct {
	Inside, Exited, Revoked int
	// SeatsInside is the people inside: the seats of the tickets inside.
	SeatsInside int
}

// SeedTickets inserts s.N bookings (SeedBookings, all in the slot) and a
// ticket for each, in the states a gate's Sync stream delivers, in turn:
// inside (entered, with a stay running out), exited, and revoked (the
// booking cancelled). Issued tickets are left out: the server sends
// scanners nothing for them. Ticket ids are UUIDs, derived from Prefix and
// the ticket's number, as long as real ones; seats are 1 to 3.
func SeedTickets(ctx context.Context, w *sql.DB, s Tickets) (Seeded, error) {
	if err := SeedBookings(ctx, w, Bookings{OrganizationID: s.OrganizationID, ResourceID: s.ResourceID, First: s.SlotStart,
		Every: s.Valid, PerSlot: s.N, N: s.N, Prefix: s.Prefix}); err != nil {
		return Seeded{}, err
	}
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return Seeded{}, fmt.Errorf("seed tickets: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO tickets (id, booking_id, resource_id, key_id, seats, slot_start_ms,
		valid_from_ms, valid_until_ms, max_stay_s, state, entered_at_ms, expires_at_ms, exited_at_ms, revoked_at_ms, revoke_reason,
		version, updated_at_ms) VALUES (?,?,?,'',?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return Seeded{}, fmt.Errorf("seed tickets: %w", err)
	}
	defer stmt.Close()
	const maxStay = 90 * time.Minute
	start, until := s.SlotStart.UnixMilli(), s.SlotStart.Add(s.Valid).UnixMilli()
	var n Seeded
	for i := range s.N {
		id := uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "varco-seed-%s-%d", s.Prefix, i)).String()
		entered := s.SlotStart.Add(time.Duration(i%60) * time.Minute)
		var enteredAt, expiresAt, exitedAt, revokedAt sql.NullInt64
		state, reason, version, seats := stateInside, "", 2, 1+(i/3)%3
		switch i % 3 {
		case 0:
			n.Inside++
			n.SeatsInside += seats
			enteredAt = sql.NullInt64{Int64: entered.UnixMilli(), Valid: true}
			expiresAt = sql.NullInt64{Int64: entered.Add(maxStay).UnixMilli(), Valid: true}
		case 1:
			n.Exited++
			state, version = stateExited, 3
			enteredAt = sql.NullInt64{Int64: entered.UnixMilli(), Valid: true}
			expiresAt = sql.NullInt64{Int64: entered.Add(maxStay).UnixMilli(), Valid: true}
			exitedAt = sql.NullInt64{Int64: entered.Add(45 * time.Minute).UnixMilli(), Valid: true}
		case 2:
			n.Revoked++
			state, reason = stateRevoked, "cancelled"
			revokedAt = sql.NullInt64{Int64: s.SlotStart.Add(-time.Hour).UnixMilli(), Valid: true}
		}
		updated := max(enteredAt.Int64, exitedAt.Int64, revokedAt.Int64)
		if _, err := stmt.ExecContext(ctx, id, fmt.Sprintf("%s-%08d", s.Prefix, i), s.ResourceID, seats, start, start, until,
			int64(maxStay/time.Second), state, enteredAt, expiresAt, exitedAt, revokedAt, reason, version, updated); err != nil {
			return Seeded{}, fmt.Errorf("seed ticket %d: %w", i, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return Seeded{}, fmt.Errorf("seed tickets: %w", err)
	}
	return n, nil
}
