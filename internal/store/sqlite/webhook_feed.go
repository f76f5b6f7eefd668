package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/webhook"
)

// The webhook feeder's reads run on a reader, in one snapshot each; its
// writes are one short transaction per batch. Nothing here runs inside a
// booking or scan transaction.

// feedStart reads a source's cursor and the live webhooks, and returns
// where to read from: records no live webhook can receive (before the
// oldest starting point) are skipped without being read, so an
// installation without webhooks does no feeding work at all.
func feedStart(ctx context.Context, tx *sql.Tx, source string, from func(webhook.Webhook) int64) (webhook.Snapshot[struct{}], int64, bool, error) {
	var snap webhook.Snapshot[struct{}]
	if err := tx.QueryRowContext(ctx, `SELECT position, generation FROM webhook_cursors WHERE source = ?`, source).
		Scan(&snap.Position, &snap.Generation); err != nil {
		return snap, 0, false, fmt.Errorf("webhook cursor %s: %w", source, err)
	}
	hooks, err := liveWebhooks(ctx, tx)
	if err != nil || len(hooks) == 0 {
		return snap, 0, false, err
	}
	snap.Webhooks = hooks
	start := snap.Position
	oldest := from(hooks[0])
	for _, w := range hooks[1:] {
		oldest = min(oldest, from(w))
	}
	return snap, max(start, oldest), true, nil
}

// HistorySnapshot implements webhook.FeedStore.
func (db *DB) HistorySnapshot(ctx context.Context, limit int) (webhook.Snapshot[webhook.HistoryRecord], error) {
	var out webhook.Snapshot[webhook.HistoryRecord]
	horizon, err := db.feedHorizon(ctx, "booking_history", "id")
	if err != nil {
		return out, err
	}
	err = db.ReadTx(ctx, func(tx *sql.Tx) error {
		s, start, ok, err := feedStart(ctx, tx, webhook.SourceHistory, func(w webhook.Webhook) int64 { return w.FromHistoryID })
		out.Position, out.Generation, out.Webhooks = s.Position, s.Generation, s.Webhooks
		if err != nil || !ok {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT h.id, h.booking_id, h.status, h.at_ms, h.actor_kind, b.organization_id,
			b.code, b.resource_id, r.name, r.place_id, b.operator_id, b.start_ms, b.end_ms, b.seats, b.booked_by_staff,
			COALESCE(b.rescheduled_from_id, ''), n.id, n.code, n.operator_id, n.start_ms, n.end_ms, n.seats, n.booked_by_staff
			FROM booking_history h JOIN bookings b ON b.id = h.booking_id JOIN resources r ON r.id = b.resource_id
			LEFT JOIN bookings n ON n.id = b.rescheduled_to_id AND h.status = ?
			WHERE h.id > ? AND h.id <= ? AND h.event = '' ORDER BY h.id LIMIT ?`, booking.Rescheduled, start, horizon, limit)
		if err != nil {
			return fmt.Errorf("read booking history: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r webhook.HistoryRecord
			var at, start, end int64
			var staff bool
			var nID, nCode, nOp sql.NullString
			var nStart, nEnd, nSeats sql.NullInt64
			var nStaff sql.NullBool
			b := &r.Booking
			if err := rows.Scan(&r.ID, &r.BookingID, &r.Status, &at, &r.ActorKind, &r.OrganizationID, &b.Code, &b.ResourceID,
				&b.ResourceName, &b.PlaceID, &b.OperatorID, &start, &end, &b.Seats, &staff, &r.RescheduledFrom,
				&nID, &nCode, &nOp, &nStart, &nEnd, &nSeats, &nStaff); err != nil {
				return err
			}
			r.At, b.ID, b.Start, b.End, b.Channel = fromMS(at), r.BookingID, fromMS(start), fromMS(end), channel(staff)
			b.Code = token.FormatCode(b.Code)
			if nID.Valid {
				n := *b
				n.ID, n.Code, n.OperatorID, n.Start, n.End = nID.String, token.FormatCode(nCode.String), nOp.String, fromMS(nStart.Int64), fromMS(nEnd.Int64)
				n.Seats, n.Channel = int(nSeats.Int64), channel(nStaff.Bool)
				r.Next = &n
			}
			out.Records = append(out.Records, r)
		}
		return rows.Err()
	})
	return out, err
}

func channel(byStaff bool) string {
	if byStaff {
		return "counter"
	}
	return "online"
}

// ticketBookingColumns reads a ticket and its booking (LEFT JOINed as t,
// b, r).
const ticketBookingColumns = `t.seats, t.entered_at_ms, t.expires_at_ms, b.id, b.code, b.resource_id, r.name, r.place_id,
	b.operator_id, b.start_ms, b.end_ms, b.seats, b.status, b.booked_by_staff`

type ticketBookingRow struct {
	seats, entered, expires   sql.NullInt64
	id, code, res, name, plc  sql.NullString
	op                        sql.NullString
	start, end, bSeats, bStat sql.NullInt64
	staff                     sql.NullBool
}

func (t *ticketBookingRow) dest() []any {
	return []any{&t.seats, &t.entered, &t.expires, &t.id, &t.code, &t.res, &t.name, &t.plc, &t.op, &t.start, &t.end,
		&t.bSeats, &t.bStat, &t.staff}
}

func (t *ticketBookingRow) fill(ticketID string) (webhook.TicketData, *webhook.BookingData) {
	td := webhook.TicketData{ID: ticketID, Seats: int(t.seats.Int64)}
	if e := fromNullMS(t.entered); !e.IsZero() {
		td.EnteredAt = &e
	}
	if e := fromNullMS(t.expires); !e.IsZero() {
		td.ExpiresAt = &e
	}
	if !t.id.Valid {
		return td, nil
	}
	return td, &webhook.BookingData{ID: t.id.String, Code: token.FormatCode(t.code.String), ResourceID: t.res.String, ResourceName: t.name.String,
		PlaceID: t.plc.String, OperatorID: t.op.String, Start: fromMS(t.start.Int64), End: fromMS(t.end.Int64),
		Seats: int(t.bSeats.Int64), Status: webhook.StatusName(booking.Status(t.bStat.Int64)), Channel: channel(t.staff.Bool)}
}

// ScanSnapshot implements webhook.FeedStore. A scan's booking is joined
// only within the scanning device's organization: a gate that scans
// another organization's ticket must not send that booking to its own
// organization's webhooks (without a booking a scan is no event).
func (db *DB) ScanSnapshot(ctx context.Context, limit int) (webhook.Snapshot[webhook.ScanRecord], error) {
	var out webhook.Snapshot[webhook.ScanRecord]
	horizon, err := db.feedHorizon(ctx, "scans", "seq")
	if err != nil {
		return out, err
	}
	err = db.ReadTx(ctx, func(tx *sql.Tx) error {
		s, start, ok, err := feedStart(ctx, tx, webhook.SourceScans, func(w webhook.Webhook) int64 { return w.FromScanSeq })
		out.Position, out.Generation, out.Webhooks = s.Position, s.Generation, s.Webhooks
		if err != nil || !ok {
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT s.seq, s.id, s.organization_id, COALESCE(s.ticket_id, ''), s.device_id, s.direction,
			s.scanned_at_ms, s.received_at_ms, s.offline, s.conflict, s.verdict, COALESCE(s.local_verdict, 0), s.reason_text,
			`+ticketBookingColumns+`
			FROM scans s LEFT JOIN tickets t ON t.id = s.ticket_id
			LEFT JOIN bookings b ON b.id = t.booking_id AND b.organization_id = s.organization_id
			LEFT JOIN resources r ON r.id = b.resource_id
			WHERE s.seq > ? AND s.seq <= ? ORDER BY s.seq LIMIT ?`, start, horizon, limit)
		if err != nil {
			return fmt.Errorf("read scans: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r webhook.ScanRecord
			var scanned, received int64
			var tb ticketBookingRow
			dest := append([]any{&r.Seq, &r.ID, &r.OrganizationID, &r.TicketID, &r.DeviceID, &r.Direction, &scanned, &received,
				&r.Offline, &r.Conflict, &r.Verdict, &r.LocalVerdict, &r.Reason}, tb.dest()...)
			if err := rows.Scan(dest...); err != nil {
				return err
			}
			r.ScannedAt, r.ReceivedAt = fromMS(scanned), fromMS(received)
			r.Ticket, r.Booking = tb.fill(r.TicketID)
			out.Records = append(out.Records, r)
		}
		return rows.Err()
	})
	return out, err
}

// DueTimers implements webhook.FeedStore.
func (db *DB) DueTimers(ctx context.Context, now time.Time, limit int) (webhook.Snapshot[webhook.TimerRecord], error) {
	var out webhook.Snapshot[webhook.TimerRecord]
	err := db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT tm.ticket_id, tm.organization_id, tm.entry_seq, tm.expires_at_ms, `+ticketBookingColumns+`
			FROM webhook_timers tm LEFT JOIN tickets t ON t.id = tm.ticket_id LEFT JOIN bookings b ON b.id = t.booking_id
			LEFT JOIN resources r ON r.id = b.resource_id
			WHERE tm.expires_at_ms <= ? ORDER BY tm.expires_at_ms, tm.ticket_id LIMIT ?`, ms(now), limit)
		if err != nil {
			return fmt.Errorf("read webhook timers: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var r webhook.TimerRecord
			var exp int64
			var tb ticketBookingRow
			if err := rows.Scan(append([]any{&r.TicketID, &r.OrganizationID, &r.EntrySeq, &exp}, tb.dest()...)...); err != nil {
				return err
			}
			r.ExpiresAt = fromMS(exp)
			r.Ticket, r.Booking = tb.fill(r.TicketID)
			out.Records = append(out.Records, r)
		}
		if err := rows.Err(); err != nil || len(out.Records) == 0 {
			return err
		}
		out.Webhooks, err = liveWebhooks(ctx, tx)
		return err
	})
	return out, err
}

// CommitFeed implements webhook.FeedStore: the cursor moves (if it is
// still where the snapshot found it) together with the deliveries and
// timers the batch produced.
func (db *DB) CommitFeed(ctx context.Context, c webhook.Commit) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_cursors SET position = ? WHERE source = ? AND position = ? AND generation = ?`,
			c.To, c.Source, c.From, c.Generation)
		if err != nil {
			return fmt.Errorf("move webhook cursor: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return webhook.ErrCursorMoved
		}
		if err := insertDeliveries(ctx, tx, c.Deliveries); err != nil {
			return err
		}
		for _, op := range c.Timers {
			if t := op.Set; t != nil {
				_, err = tx.ExecContext(ctx, `INSERT INTO webhook_timers (ticket_id, organization_id, entry_seq, expires_at_ms)
					VALUES (?,?,?,?) ON CONFLICT (ticket_id) DO UPDATE SET organization_id = excluded.organization_id,
					entry_seq = excluded.entry_seq, expires_at_ms = excluded.expires_at_ms`, t.TicketID, t.OrganizationID, t.EntrySeq, ms(t.ExpiresAt))
			} else {
				_, err = tx.ExecContext(ctx, `DELETE FROM webhook_timers WHERE ticket_id = ? AND expires_at_ms > ?`, op.StopID, ms(op.StopAt))
			}
			if err != nil {
				return fmt.Errorf("webhook timer: %w", err)
			}
		}
		return nil
	})
}

// CommitFired implements webhook.FeedStore.
func (db *DB) CommitFired(ctx context.Context, fired []webhook.Fired) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, f := range fired {
			res, err := tx.ExecContext(ctx, `DELETE FROM webhook_timers WHERE ticket_id = ? AND expires_at_ms = ? AND entry_seq = ?`,
				f.Timer.TicketID, ms(f.Timer.ExpiresAt), f.Timer.EntrySeq)
			if err != nil {
				return fmt.Errorf("fire webhook timer: %w", err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				continue // stopped or replaced since the snapshot
			}
			if err := insertDeliveries(ctx, tx, f.Deliveries); err != nil {
				return err
			}
		}
		return nil
	})
}

// insertDeliveries adds deliveries for webhooks that are still live; an
// event already delivered to a webhook (same event id) is skipped.
func insertDeliveries(ctx context.Context, tx *sql.Tx, list []webhook.NewDelivery) error {
	if len(list) == 0 {
		return nil
	}
	// The casts give PostgreSQL the parameters' types, which it does not
	// infer through a SELECT list.
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO webhook_deliveries (id, webhook_id, event, event_id, payload, due_at_ms, created_at_ms)
		SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT)
		WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = ? AND deleted_at_ms IS NULL)
		ON CONFLICT DO NOTHING`)
	if err != nil {
		return fmt.Errorf("prepare webhook deliveries: %w", err)
	}
	defer stmt.Close()
	for _, d := range list {
		if _, err := stmt.ExecContext(ctx, d.ID, d.WebhookID, string(d.Event), d.EventID, string(d.Payload), ms(d.DueAt), ms(d.CreatedAt),
			d.WebhookID); err != nil {
			return fmt.Errorf("insert webhook delivery: %w", err)
		}
	}
	return nil
}
