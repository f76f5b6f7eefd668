package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/varco-gate/varco/internal/export"
	"github.com/varco-gate/varco/internal/gate"
)

// exportBatch is how many rows one query of an export reads. A batch is
// read whole and its connection handed back to the pool before its rows
// are written out, so a slow download never holds a reader — nor the WAL
// snapshot that would keep checkpoints from finishing — for long; memory
// holds one batch, whatever the period.
const exportBatch = 500

// keyset is the position after the last exported row: (time, id).
type keyset struct {
	at  int64
	id  string
	set bool
}

// where narrows a query to rows after k, using column col for the time; the
// plain lower bound lets SQLite start its index range there.
func (k keyset) where(col, idCol string) (string, []any) {
	if !k.set {
		return "", nil
	}
	return ` AND ` + col + ` >= ? AND (` + col + `, ` + idCol + `) > (?, ?)`, []any{k.at, k.at, k.id}
}

func inResources(col string, ids []string) (string, []any) {
	if len(ids) == 0 {
		return "", nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	return ` AND ` + col + ` IN (` + placeholders(len(ids)) + `)`, args
}

const exportBookingsSQL = `SELECT b.id, b.code, b.status, r.name, p.name, p.time_zone, COALESCE(o.display_name, ''),
	b.start_ms, b.end_ms, b.created_at_ms, b.seats, b.mode,
	b.given_name, b.family_name, b.codice_fiscale, b.email, b.phone,
	COALESCE(TRIM(a.given_name || ' ' || a.family_name), ''), b.booked_by_staff, b.on_behalf,
	b.reason, b.notes, b.anonymized_at_ms IS NOT NULL, COALESCE(bf.code, ''), COALESCE(bt.code, ''),
	COALESCE(h.status, 0), COALESCE(h.at_ms, 0), COALESCE(h.actor_kind, 0), COALESCE(h.actor_name, ''), COALESCE(h.reason, '')
	FROM bookings b
	JOIN resources r ON r.id = b.resource_id
	JOIN places p ON p.id = r.place_id
	LEFT JOIN operators o ON o.id = b.operator_id
	LEFT JOIN accounts a ON a.id = b.booker_account_id
	LEFT JOIN bookings bf ON bf.id = b.rescheduled_from_id
	LEFT JOIN bookings bt ON bt.id = b.rescheduled_to_id
	LEFT JOIN booking_history h ON h.id = (SELECT MAX(id) FROM booking_history WHERE booking_id = b.id AND event = '')
	WHERE b.organization_id = ? AND b.start_ms >= ? AND b.start_ms < ?`

// ExportBookings implements export.Store: the bookings whose slot starts
// in the period, by start then id, in keyset batches.
func (db *DB) ExportBookings(ctx context.Context, q export.Query, fn func(*export.BookingRow) error) error {
	err := exportInBatches(ctx, db, q, exportBookingsSQL, "b.resource_id", "b.start_ms", "b.id",
		func(rows *sql.Rows) (export.BookingRow, error) {
			var b export.BookingRow
			var start, end, created, changed int64
			err := rows.Scan(&b.ID, &b.Code, &b.Status, &b.ResourceName, &b.PlaceName, &b.TimeZone, &b.OperatorName,
				&start, &end, &created, &b.Seats, &b.Mode,
				&b.GivenName, &b.FamilyName, &b.CodiceFiscale, &b.Email, &b.Phone,
				&b.BookerName, &b.BookedByStaff, &b.OnBehalf,
				&b.Reason, &b.Notes, &b.Anonymized, &b.RescheduledFrom, &b.RescheduledTo,
				&b.LastChange.Status, &changed, &b.LastChange.Actor.Kind, &b.LastChange.Actor.Name, &b.LastChange.Reason)
			b.Start, b.End, b.CreatedAt = fromMS(start), fromMS(end), fromMS(created)
			if changed != 0 {
				b.LastChange.At = fromMS(changed)
			}
			return b, err
		},
		func(b *export.BookingRow) keyset { return keyset{at: ms(b.Start), id: b.ID, set: true} }, fn)
	if err != nil {
		return fmt.Errorf("export bookings: %w", err)
	}
	return nil
}

// exportInBatches runs baseSQL (filtered by organization and period) for
// the query's resources, ordered by (atCol, idCol), exportBatch rows at a
// time, and hands each row to fn. Each batch is read and its connection
// released before fn sees it, so a slow download holds no reader and no
// WAL snapshot.
func exportInBatches[T any](ctx context.Context, db *DB, q export.Query, baseSQL, resCol, atCol, idCol string,
	scan func(*sql.Rows) (T, error), key func(*T) keyset, fn func(*T) error) error {
	resWhere, resArgs := inResources(resCol, q.ResourceIDs)
	batch := make([]T, 0, exportBatch)
	var after keyset
	for {
		kWhere, kArgs := after.where(atCol, idCol)
		args := append([]any{q.OrganizationID, ms(q.From), ms(q.To)}, resArgs...)
		args = append(append(args, kArgs...), exportBatch)
		batch = batch[:0]
		err := readBatch(ctx, db.R, baseSQL+resWhere+kWhere+` ORDER BY `+atCol+`, `+idCol+` LIMIT ?`, args, func(rows *sql.Rows) error {
			x, err := scan(rows)
			batch = append(batch, x)
			return err
		})
		if err != nil {
			return err
		}
		for i := range batch {
			if err := fn(&batch[i]); err != nil {
				return err
			}
		}
		if len(batch) < exportBatch {
			return nil
		}
		after = key(&batch[len(batch)-1])
	}
}

// Tickets and bookings are joined only within the scan's organization: a
// refused scan's ticket and resource ids come from an unverified QR.
const exportScansSQL = `SELECT s.id, s.device_id, COALESCE(d.name, ''), COALESCE(s.ticket_id, ''), COALESCE(b.code, ''),
	COALESCE(r.name, ''), COALESCE(p.time_zone, ''), s.direction, s.verdict, s.reason_text, COALESCE(s.local_verdict, 0),
	s.offline, s.conflict, s.seats, s.scanned_at_ms, s.received_at_ms
	FROM scans s
	LEFT JOIN devices d ON d.id = s.device_id
	LEFT JOIN tickets t ON t.id = s.ticket_id
	LEFT JOIN bookings b ON b.id = t.booking_id AND b.organization_id = s.organization_id
	LEFT JOIN resources r ON r.id = s.resource_id AND r.organization_id = s.organization_id
	LEFT JOIN places p ON p.id = r.place_id
	WHERE s.organization_id = ? AND s.scanned_at_ms >= ? AND s.scanned_at_ms < ?`

// ExportScans implements export.Store: the scans whose device time falls
// in the period, by device time then id, in keyset batches.
func (db *DB) ExportScans(ctx context.Context, q export.Query, fn func(*export.ScanRow) error) error {
	err := exportInBatches(ctx, db, q, exportScansSQL, "s.resource_id", "s.scanned_at_ms", "s.id",
		func(rows *sql.Rows) (export.ScanRow, error) {
			var s export.ScanRow
			var scanned, received int64
			var reason string
			err := rows.Scan(&s.ID, &s.DeviceID, &s.DeviceName, &s.TicketID, &s.BookingCode, &s.ResourceName, &s.TimeZone,
				&s.Direction, &s.Verdict, &reason, &s.LocalVerdict, &s.Offline, &s.Conflict, &s.Seats, &scanned, &received)
			s.Reason, s.ScannedAt, s.ReceivedAt = gate.Reason(reason), fromMS(scanned), fromMS(received)
			return s, err
		},
		func(s *export.ScanRow) keyset { return keyset{at: ms(s.ScannedAt), id: s.ID, set: true} }, fn)
	if err != nil {
		return fmt.Errorf("export scans: %w", err)
	}
	return nil
}

// readBatch runs one query and calls scan for each row, closing the rows
// (and so releasing the connection) before it returns.
func readBatch(ctx context.Context, pool *sql.DB, query string, args []any, scan func(*sql.Rows) error) error {
	rows, err := pool.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
