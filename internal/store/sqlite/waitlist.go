package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/stats"
)

const waitColumns = `w.id, w.organization_id, w.resource_id, w.account_id, w.slot_start_ms, w.slot_end_ms, w.position,
	w.seats, w.state, w.joined_at_ms, COALESCE(w.hold_id, ''), w.offered_at_ms, w.offer_expires_at_ms,
	COALESCE(w.booking_id, ''), w.ended_at_ms`

func scanWait(s scanner, extra ...any) (booking.WaitEntry, error) {
	var e booking.WaitEntry
	var start, end, joined int64
	var offered, expires, ended sql.NullInt64
	dest := append([]any{&e.ID, &e.OrganizationID, &e.ResourceID, &e.AccountID, &start, &end, &e.Position,
		&e.Seats, &e.State, &joined, &e.HoldID, &offered, &expires, &e.BookingID, &ended}, extra...)
	if err := s.Scan(dest...); err != nil {
		return e, err
	}
	e.Start, e.End, e.JoinedAt = fromMS(start), fromMS(end), fromMS(joined)
	e.OfferedAt, e.OfferExpiresAt, e.EndedAt = fromNullMS(offered), fromNullMS(expires), fromNullMS(ended)
	return e, nil
}

// InsertWaitEntry implements booking.WaitlistTx. The position is the
// slot's highest + 1, read and written in this transaction: on SQLite the
// single writer orders joins, on PostgreSQL two joins reading the same
// highest conflict (serialization failure, or the unique position).
func (t bookingTx) InsertWaitEntry(ctx context.Context, e booking.WaitEntry) (int, error) {
	var pos int
	if err := t.tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM waitlist_entries
		WHERE resource_id = ? AND slot_start_ms = ?`, e.ResourceID, ms(e.Start)).Scan(&pos); err != nil {
		return 0, fmt.Errorf("waitlist position: %w", err)
	}
	_, err := t.tx.execMayConflict(`INSERT INTO waitlist_entries (id, organization_id, resource_id, slot_start_ms,
		slot_end_ms, position, account_id, seats, state, joined_at_ms) VALUES (?,?,?,?,?,?,?,?,?,?)`,
		e.ID, e.OrganizationID, e.ResourceID, ms(e.Start), ms(e.End), pos, e.AccountID, e.Seats, booking.Waiting, ms(e.JoinedAt))
	return pos, conflict(err, "insert waitlist entry")
}

func (t bookingTx) waitEntry(ctx context.Context, what, where string, args ...any) (booking.WaitEntry, error) {
	e, err := scanWait(t.tx.QueryRowContext(ctx, `SELECT `+waitColumns+` FROM waitlist_entries w WHERE `+where, args...))
	if err != nil {
		return e, notFound(err, "waitlist entry", what)
	}
	return e, nil
}

// GetWaitEntry implements booking.WaitlistTx.
func (t bookingTx) GetWaitEntry(ctx context.Context, id string) (booking.WaitEntry, error) {
	return t.waitEntry(ctx, id, `w.id = ?`, id)
}

// LiveWaitEntry implements booking.WaitlistTx.
func (t bookingTx) LiveWaitEntry(ctx context.Context, resourceID string, start time.Time, accountID string) (booking.WaitEntry, error) {
	return t.waitEntry(ctx, accountID, `w.resource_id = ? AND w.slot_start_ms = ? AND w.account_id = ? AND w.state IN (1, 2)`,
		resourceID, ms(start), accountID)
}

// WaitEntryByHold implements booking.WaitlistTx.
func (t bookingTx) WaitEntryByHold(ctx context.Context, holdID string) (booking.WaitEntry, error) {
	return t.waitEntry(ctx, holdID, `w.hold_id = ? AND w.state = 2`, holdID)
}

// FirstWaiting implements booking.WaitlistTx.
func (t bookingTx) FirstWaiting(ctx context.Context, resourceID string, start time.Time) (booking.WaitEntry, error) {
	return t.waitEntry(ctx, resourceID, `w.resource_id = ? AND w.slot_start_ms = ? AND w.state = 1 ORDER BY w.position LIMIT 1`,
		resourceID, ms(start))
}

// AnyWaiting implements booking.WaitlistTx.
func (t bookingTx) AnyWaiting(ctx context.Context, resourceID string, starts []time.Time) (bool, error) {
	for _, s := range starts {
		var n int
		err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM waitlist_entries
			WHERE state = 1 AND resource_id = ? AND slot_start_ms = ? LIMIT 1) x`, resourceID, ms(s)).Scan(&n)
		if err != nil {
			return false, fmt.Errorf("any waiting: %w", err)
		}
		if n > 0 {
			return true, nil
		}
	}
	return false, nil
}

// UpdateWaitEntry implements booking.WaitlistTx.
func (t bookingTx) UpdateWaitEntry(ctx context.Context, e booking.WaitEntry) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE waitlist_entries SET state = ?, hold_id = ?, offered_at_ms = ?,
		offer_expires_at_ms = ?, booking_id = ?, ended_at_ms = ? WHERE id = ?`,
		e.State, nullString(e.HoldID), nullMS(e.OfferedAt), nullMS(e.OfferExpiresAt), nullString(e.BookingID), nullMS(e.EndedAt), e.ID)
	if err != nil {
		return fmt.Errorf("update waitlist entry: %w", err)
	}
	return nil
}

// LapseOffers implements booking.WaitlistTx.
func (t bookingTx) LapseOffers(ctx context.Context, resourceID string, start, now time.Time) (int, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE waitlist_entries SET state = ?, ended_at_ms = ?
		WHERE state = ? AND resource_id = ? AND slot_start_ms = ? AND offer_expires_at_ms <= ?`,
		booking.Lapsed, ms(now), booking.Offered, resourceID, ms(start), ms(now))
	if err != nil {
		return 0, fmt.Errorf("lapse offers: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// CloseWaitlist implements booking.WaitlistTx.
func (t bookingTx) CloseWaitlist(ctx context.Context, resourceID string, start, now time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE waitlist_entries SET state = ?, ended_at_ms = ?
		WHERE state = ? AND resource_id = ? AND slot_start_ms = ?`, booking.Closed, ms(now), booking.Waiting, resourceID, ms(start))
	if err != nil {
		return fmt.Errorf("close waitlist: %w", err)
	}
	return nil
}

// SlotTaken implements booking.WaitlistTx.
func (t bookingTx) SlotTaken(ctx context.Context, resourceID string, start time.Time) (int, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(taken), 0) FROM slot_usage WHERE resource_id = ? AND start_ms = ?`,
		resourceID, ms(start)).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("slot taken: %w", err)
	}
	return n, nil
}

// LiveWaitSlots implements booking.WaitlistStore.
func (db *DB) LiveWaitSlots(ctx context.Context, limit int) ([]booking.WaitSlot, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT DISTINCT resource_id, slot_start_ms FROM waitlist_entries
		WHERE state IN (1, 2) ORDER BY slot_start_ms, resource_id LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("live waitlist slots: %w", err)
	}
	defer rows.Close()
	var out []booking.WaitSlot
	for rows.Next() {
		var s booking.WaitSlot
		var start int64
		if err := rows.Scan(&s.ResourceID, &start); err != nil {
			return nil, err
		}
		s.Start = fromMS(start)
		out = append(out, s)
	}
	return out, rows.Err()
}

// ListWaitEntries implements booking.WaitlistStore. The place in line
// counts the live entries of the slot up to the entry.
func (db *DB) ListWaitEntries(ctx context.Context, q booking.WaitQuery) ([]booking.WaitEntry, error) {
	var where []string
	var args []any
	if q.AccountID != "" {
		where, args = append(where, `w.account_id = ?`), append(args, q.AccountID)
	}
	if q.OrganizationID != "" {
		where, args = append(where, `w.organization_id = ?`), append(args, q.OrganizationID)
	}
	if len(q.ResourceIDs) > 0 {
		where = append(where, `w.resource_id IN (`+placeholders(len(q.ResourceIDs))+`)`)
		for _, id := range q.ResourceIDs {
			args = append(args, id)
		}
	}
	if !q.SlotStart.IsZero() {
		where, args = append(where, `w.slot_start_ms = ?`), append(args, ms(q.SlotStart))
	}
	if !q.IncludeEnded {
		where = append(where, `w.state IN (1, 2)`)
	}
	where, args = append(where, `w.slot_start_ms >= ?`), append(args, ms(q.From))
	limit := q.Limit
	if limit <= 0 {
		limit = 1000
	}
	args = append(args, limit)
	rows, err := db.R.QueryContext(ctx, `SELECT `+waitColumns+`,
		CASE WHEN w.state IN (1, 2) THEN (SELECT count(*) FROM waitlist_entries v WHERE v.resource_id = w.resource_id
			AND v.slot_start_ms = w.slot_start_ms AND v.state IN (1, 2) AND v.position <= w.position) ELSE 0 END,
		r.name, a.given_name || ' ' || a.family_name, a.email
		FROM waitlist_entries w JOIN resources r ON r.id = w.resource_id JOIN accounts a ON a.id = w.account_id
		WHERE `+strings.Join(where, ` AND `)+` ORDER BY w.slot_start_ms, w.resource_id, w.position LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("list waitlist: %w", err)
	}
	defer rows.Close()
	var out []booking.WaitEntry
	for rows.Next() {
		var place int
		var res, name, email string
		e, err := scanWait(rows, &place, &res, &name, &email)
		if err != nil {
			return nil, fmt.Errorf("list waitlist: %w", err)
		}
		e.Place, e.ResourceName, e.PersonName, e.PersonEmail = place, res, name, email
		out = append(out, e)
	}
	return out, rows.Err()
}

// GetWaitEntry reads one entry with its resource's name and who waits,
// from the readers (the notification renderer).
func (db *DB) GetWaitEntry(ctx context.Context, id string) (booking.WaitEntry, error) {
	var res, name, email string
	e, err := scanWait(db.R.QueryRowContext(ctx, `SELECT `+waitColumns+`, r.name, a.given_name || ' ' || a.family_name, a.email
		FROM waitlist_entries w JOIN resources r ON r.id = w.resource_id JOIN accounts a ON a.id = w.account_id
		WHERE w.id = ?`, id), &res, &name, &email)
	if err != nil {
		return e, notFound(err, "waitlist entry", id)
	}
	e.ResourceName, e.PersonName, e.PersonEmail = res, name, email
	return e, nil
}

// StatsWaitlist implements stats.Store.
func (db *DB) StatsWaitlist(ctx context.Context, resourceIDs []string, from, to time.Time) (stats.Waitlist, error) {
	var w stats.Waitlist
	if len(resourceIDs) == 0 {
		return w, nil
	}
	in, args := inArgs(resourceIDs, ms(from), ms(to))
	err := db.R.QueryRowContext(ctx, `SELECT count(*),
		COALESCE(SUM(CASE WHEN offered_at_ms IS NOT NULL THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state = 3 THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN state = 4 THEN 1 ELSE 0 END), 0)
		FROM waitlist_entries WHERE resource_id IN (`+in+`) AND slot_start_ms >= ? AND slot_start_ms < ?`, args...).
		Scan(&w.Joined, &w.Offered, &w.Converted, &w.Lapsed)
	if err != nil {
		return w, fmt.Errorf("waitlist stats: %w", err)
	}
	return w, nil
}
