package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/admission"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/outbox"
)

// scanTx implements admission.Tx on one write transaction: reading a
// ticket's presence and writing the new one cannot interleave with another
// gate's scan of the same ticket (anti-passback across gates).
type scanTx struct{ bookingTx }

// ScanTx runs fn in one write transaction.
func (db *DB) ScanTx(ctx context.Context, fn func(admission.Tx) error) error {
	var due time.Time
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		due = time.Time{} // the transaction may run again (PostgreSQL)
		btx := db.newBookingTx(ctx, tx)
		btx.due = &due
		if err := fn(scanTx{btx}); err != nil {
			return err
		}
		return db.announceDue(ctx, tx, due)
	})
	db.ring(err, due)
	return err
}

// Enqueue implements admission.Tx.
func (t scanTx) Enqueue(ctx context.Context, m outbox.Message) error {
	return t.bookingTx.Enqueue(ctx, m)
}

// GetScan implements admission.Tx.
func (t scanTx) GetScan(ctx context.Context, id string) (admission.Record, bool, error) {
	var r admission.Record
	var ticketID, resourceID sql.NullString
	var scanned, received int64
	var offline bool
	var reason string
	err := t.tx.QueryRowContext(ctx, `SELECT s.id, s.device_id, s.organization_id, s.ticket_id, s.resource_id, s.direction,
		s.scanned_at_ms, s.received_at_ms, s.offline, s.verdict, s.reason_text, s.seats,
		COALESCE(s.local_verdict, 0), COALESCE(s.local_reason, ''), s.conflict, COALESCE(s.ticket_organization_id, '')
		FROM scans s WHERE s.id = ?`, id).Scan(&r.ID, &r.DeviceID, &r.OrganizationID, &ticketID, &resourceID, &r.Direction,
		&scanned, &received, &offline, &r.Verdict, &reason, &r.Seats, &r.LocalVerdict, &r.LocalReason, &r.Conflict,
		&r.TicketOrganizationID)
	if errors.Is(err, sql.ErrNoRows) {
		return r, false, nil
	}
	if err != nil {
		return r, false, fmt.Errorf("get scan: %w", err)
	}
	r.TicketID, r.ResourceID, r.Offline, r.Reason = ticketID.String, resourceID.String, offline, gate.Reason(reason)
	r.ScannedAt, r.ReceivedAt = fromMS(scanned), fromMS(received)
	if r.TicketID != "" {
		p, _, err := t.GetPresence(ctx, r.TicketID)
		if err != nil {
			return r, false, err
		}
		r.EnteredAt, r.ExpiresAt = p.EnteredAt, p.ExpiresAt
	}
	return r, true, nil
}

// GetPresence implements admission.Tx.
func (t scanTx) GetPresence(ctx context.Context, ticketID string) (gate.Presence, bool, error) {
	var p gate.Presence
	var entered, expires, exited, revoked sql.NullInt64
	err := t.tx.QueryRowContext(ctx, `SELECT state, entered_at_ms, expires_at_ms, exited_at_ms, revoked_at_ms FROM tickets WHERE id = ?`,
		ticketID).Scan(&p.State, &entered, &expires, &exited, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return p, false, nil
	}
	if err != nil {
		return p, false, fmt.Errorf("get presence: %w", err)
	}
	p.EnteredAt, p.ExpiresAt, p.ExitedAt = fromNullMS(entered), fromNullMS(expires), fromNullMS(exited)
	if revoked.Valid {
		p.State = gate.Revoked
	}
	return p, true, nil
}

// SetPresence implements admission.Tx.
func (t scanTx) SetPresence(ctx context.Context, ticketID string, p gate.Presence, at time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE tickets SET state = ?, entered_at_ms = ?, expires_at_ms = ?, exited_at_ms = ?,
		version = version + 1, updated_at_ms = ? WHERE id = ?`,
		p.State, nullMS(p.EnteredAt), nullMS(p.ExpiresAt), nullMS(p.ExitedAt), ms(at), ticketID)
	return err
}

// CountInside implements admission.Tx.
func (t scanTx) CountInside(ctx context.Context, resourceID string) (int, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT COALESCE(SUM(seats), 0) FROM tickets
		WHERE resource_id = ? AND state = ? AND revoked_at_ms IS NULL`, resourceID, ticketInside).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count inside: %w", err)
	}
	return n, nil
}

// InsertScan implements admission.Tx.
func (t scanTx) InsertScan(ctx context.Context, r admission.Record) error {
	var localVerdict sql.NullInt64
	if r.Offline {
		localVerdict = sql.NullInt64{Int64: int64(r.LocalVerdict), Valid: true}
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO scans (id, device_id, organization_id, ticket_id, resource_id, direction,
		scanned_at_ms, received_at_ms, offline, verdict, reason, reason_text, seats, local_verdict, local_reason, conflict,
		ticket_organization_id)
		VALUES (?,?,?,?,?,?,?,?,?,?,0,?,?,?,?,?,?)`,
		r.ID, r.DeviceID, r.OrganizationID, nullString(r.TicketID), nullString(r.ResourceID), r.Direction,
		ms(r.ScannedAt), ms(r.ReceivedAt), r.Offline, r.Verdict, string(r.Reason), r.Seats,
		localVerdict, nullString(string(r.LocalReason)), r.Conflict, nullString(r.TicketOrganizationID))
	return conflict(err, "insert scan")
}

// ListScanConflicts lists the conflicting offline scans received since,
// newest first, that concern an organization: made by its gates, or made
// on its tickets by another organization's gate.
func (db *DB) ListScanConflicts(ctx context.Context, orgID string, since time.Time) ([]admission.Record, error) {
	// Two indexed halves (one per partial index) rather than one OR.
	rows, err := db.R.QueryContext(ctx, `SELECT id, device_id, organization_id, COALESCE(ticket_id, ''), COALESCE(resource_id, ''),
		direction, scanned_at_ms, received_at_ms, verdict, reason_text, COALESCE(local_verdict, 0), COALESCE(local_reason, ''), seats,
		COALESCE(ticket_organization_id, '')
		FROM (SELECT * FROM scans WHERE organization_id = ? AND conflict = 1 AND received_at_ms >= ?
			UNION SELECT * FROM scans WHERE ticket_organization_id = ? AND conflict = 1 AND received_at_ms >= ?) AS s
		ORDER BY received_at_ms DESC, id LIMIT 1000`,
		orgID, ms(since), orgID, ms(since))
	if err != nil {
		return nil, fmt.Errorf("list scan conflicts: %w", err)
	}
	defer rows.Close()
	var out []admission.Record
	for rows.Next() {
		r := admission.Record{Offline: true, Conflict: true}
		var scanned, received int64
		var reason, local string
		if err := rows.Scan(&r.ID, &r.DeviceID, &r.OrganizationID, &r.TicketID, &r.ResourceID, &r.Direction, &scanned, &received,
			&r.Verdict, &reason, &r.LocalVerdict, &local, &r.Seats, &r.TicketOrganizationID); err != nil {
			return nil, err
		}
		r.ScannedAt, r.ReceivedAt, r.Reason, r.LocalReason = fromMS(scanned), fromMS(received), gate.Reason(reason), gate.Reason(local)
		out = append(out, r)
	}
	return out, rows.Err()
}
