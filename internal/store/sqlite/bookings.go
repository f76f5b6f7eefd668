package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/store"
)

const bookingColumns = `id, code, organization_id, resource_id, operator_id, start_ms, end_ms, slot_starts, seats, mode,
	status, booker_account_id, booked_by_staff, on_behalf, given_name, family_name, codice_fiscale, birth_date, birth_place,
	email, phone, reason, notes, language, privacy_consent_ms, push_consent_ms, cancel_token_hash, idempotency_key,
	rescheduled_from_id, rescheduled_to_id, created_at_ms, updated_at_ms, first_free_ms, meeting_url`

// InsertBooking implements booking.Tx.
func (t bookingTx) InsertBooking(ctx context.Context, b booking.Booking) error {
	p := b.Beneficiary
	_, err := t.tx.execMayConflict(`INSERT INTO bookings (`+bookingColumns+`)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		b.ID, b.Code, b.OrganizationID, b.ResourceID, b.OperatorID, ms(b.Start), ms(b.End), encodeStarts(b.SlotStarts),
		b.Seats, b.Mode, b.Status, nullString(b.BookerID), b.BookedByStaff, b.OnBehalf, p.GivenName, p.FamilyName, p.CodiceFiscale,
		p.BirthDate, p.BirthPlace, p.Email, p.Phone, b.Reason, b.Notes, b.Language, ms(b.PrivacyAt), nullMS(b.PushConsentAt),
		b.CancelTokenHash[:], b.IdempotencyKey, nullString(b.RescheduledFrom), nullString(b.RescheduledTo),
		ms(b.CreatedAt), ms(b.UpdatedAt), nullMS(b.FirstFree), b.MeetingURL)
	if err != nil {
		err = conflict(err, "insert booking")
		if errors.Is(err, store.ErrConflict) && strings.Contains(err.Error(), "idempotency") {
			return fmt.Errorf("%w: %w", booking.ErrKeyTaken, err)
		}
		return err
	}
	for _, a := range b.Acks {
		if _, err := t.tx.ExecContext(ctx, `INSERT INTO booking_acknowledgements (booking_id, acknowledgement_id, text, accepted_at_ms)
			VALUES (?,?,?,?)`, b.ID, a.ID, a.Text, ms(a.AcceptedAt)); err != nil {
			return fmt.Errorf("insert acknowledgement: %w", err)
		}
	}
	return nil
}

// GetBooking implements booking.Tx (without history, which the operations
// inside a transaction do not need).
func (t bookingTx) GetBooking(ctx context.Context, id string) (booking.Booking, error) {
	b, err := scanBooking(t.tx.QueryRowContext(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE id = ?`, id))
	if err != nil {
		return b, notFound(err, "booking", id)
	}
	return b, nil
}

// FindByIdempotencyKey implements booking.Tx.
func (t bookingTx) FindByIdempotencyKey(ctx context.Context, bookerID, key string) (booking.Booking, error) {
	b, err := scanBooking(t.tx.QueryRowContext(ctx, `SELECT `+bookingColumns+` FROM bookings
		WHERE booker_account_id = ? AND idempotency_key = ?`, bookerID, key))
	if err != nil {
		return b, notFound(err, "booking with idempotency key", key)
	}
	return b, nil
}

// CountActiveForPerson implements booking.Tx.
func (t bookingTx) CountActiveForPerson(ctx context.Context, resourceID, cf string, now time.Time) (int, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM bookings
		WHERE codice_fiscale = ? AND status = ? AND end_ms > ? AND resource_id = ?`,
		cf, booking.Confirmed, ms(now), resourceID).Scan(&n)
	return n, err
}

// SetStatus implements booking.Tx.
func (t bookingTx) SetStatus(ctx context.Context, id string, status booking.Status, at time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE bookings SET status = ?, updated_at_ms = ? WHERE id = ?`, status, ms(at), id)
	return err
}

// SetRescheduledTo implements booking.Tx.
func (t bookingTx) SetRescheduledTo(ctx context.Context, id, to string, at time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE bookings SET rescheduled_to_id = ?, updated_at_ms = ? WHERE id = ?`, to, ms(at), id)
	return err
}

// AddHistory implements booking.Tx.
func (t bookingTx) AddHistory(ctx context.Context, bookingID string, c booking.Change) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO booking_history (booking_id, status, at_ms, actor_kind, actor_id, actor_name, reason, event)
		VALUES (?,?,?,?,?,?,?,?)`, bookingID, c.Status, ms(c.At), c.Actor.Kind, c.Actor.ID, c.Actor.Name, c.Reason, c.Event)
	return err
}

// GetBooking returns a booking with its acknowledgements and history.
func (db *DB) GetBooking(ctx context.Context, id string) (booking.Booking, error) {
	return db.getBookingWhere(ctx, `id = ?`, id)
}

// GetBookingByCode returns a booking by its code.
func (db *DB) GetBookingByCode(ctx context.Context, code string) (booking.Booking, error) {
	return db.getBookingWhere(ctx, `code = ?`, code)
}

func (db *DB) getBookingWhere(ctx context.Context, where string, args ...any) (booking.Booking, error) {
	var b booking.Booking
	err := db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		if b, err = scanBooking(tx.QueryRowContext(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE `+where, args...)); err != nil {
			return notFound(err, "booking", fmt.Sprint(args...))
		}
		list := []booking.Booking{b}
		if err := loadDetails(ctx, tx, list); err != nil {
			return err
		}
		b = list[0]
		return nil
	})
	return b, err
}

// loadDetails fills acknowledgements and history of a batch of bookings.
func loadDetails(ctx context.Context, tx *sql.Tx, list []booking.Booking) error {
	if len(list) == 0 {
		return nil
	}
	idx := make(map[string]int, len(list))
	ids := make([]any, len(list))
	for i, b := range list {
		idx[b.ID], ids[i] = i, b.ID
	}
	in := placeholders(len(ids))
	rows, err := tx.QueryContext(ctx, `SELECT booking_id, acknowledgement_id, text, accepted_at_ms FROM booking_acknowledgements
		WHERE booking_id IN (`+in+`) ORDER BY booking_id, acknowledgement_id`, ids...)
	if err != nil {
		return fmt.Errorf("load acknowledgements: %w", err)
	}
	for rows.Next() {
		var id string
		var a booking.Ack
		var at int64
		if err := rows.Scan(&id, &a.ID, &a.Text, &at); err != nil {
			rows.Close()
			return err
		}
		a.AcceptedAt = fromMS(at)
		list[idx[id]].Acks = append(list[idx[id]].Acks, a)
	}
	rows.Close()
	rows, err = tx.QueryContext(ctx, `SELECT booking_id, status, at_ms, actor_kind, actor_id, actor_name, reason, event
		FROM booking_history WHERE booking_id IN (`+in+`) ORDER BY id`, ids...)
	if err != nil {
		return fmt.Errorf("load history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var c booking.Change
		var at int64
		if err := rows.Scan(&id, &c.Status, &at, &c.Actor.Kind, &c.Actor.ID, &c.Actor.Name, &c.Reason, &c.Event); err != nil {
			return err
		}
		c.At = fromMS(at)
		list[idx[id]].History = append(list[idx[id]].History, c)
	}
	return rows.Err()
}

// ListForAccount lists bookings made by the account or for its codice
// fiscale, upcoming soonest first, past latest first.
func (db *DB) ListForAccount(ctx context.Context, q booking.AccountQuery) ([]booking.Booking, error) {
	where := `(booker_account_id = ? OR codice_fiscale = ?)`
	args := []any{q.AccountID, q.CodiceFiscale}
	order := `start_ms, id`
	cmp := `>`
	switch q.Filter {
	case booking.Upcoming:
		where += ` AND end_ms > ?`
		args = append(args, ms(q.Now))
	case booking.PastOnly:
		where += ` AND end_ms <= ?`
		args = append(args, ms(q.Now))
		order, cmp = `start_ms DESC, id DESC`, `<`
	}
	if q.AfterID != "" {
		where += ` AND (start_ms, id) ` + cmp + ` (?, ?)`
		args = append(args, ms(q.AfterStart), q.AfterID)
	}
	return db.listBookings(ctx, where+` ORDER BY `+order+` LIMIT ?`, append(args, q.Limit)...)
}

// ListForCalendar lists an organization's bookings in a period.
func (db *DB) ListForCalendar(ctx context.Context, q booking.CalendarQuery) ([]booking.Booking, error) {
	where := `organization_id = ? AND start_ms >= ? AND start_ms < ?`
	args := []any{q.OrganizationID, ms(q.From), ms(q.To)}
	if len(q.ResourceIDs) > 0 {
		where += ` AND resource_id IN (` + placeholders(len(q.ResourceIDs)) + `)`
		for _, id := range q.ResourceIDs {
			args = append(args, id)
		}
	}
	if q.OperatorID != "" {
		where += ` AND operator_id = ?`
		args = append(args, q.OperatorID)
	}
	if len(q.Statuses) > 0 {
		where += ` AND status IN (` + placeholders(len(q.Statuses)) + `)`
		for _, s := range q.Statuses {
			args = append(args, s)
		}
	}
	if q.AfterID != "" {
		where += ` AND (start_ms, id) > (?, ?)`
		args = append(args, ms(q.AfterStart), q.AfterID)
	}
	return db.listBookings(ctx, where+` ORDER BY start_ms, id LIMIT ?`, append(args, q.Limit)...)
}

func (db *DB) listBookings(ctx context.Context, whereOrder string, args ...any) ([]booking.Booking, error) {
	var out []booking.Booking
	err := db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE `+whereOrder, args...)
		if err != nil {
			return fmt.Errorf("list bookings: %w", err)
		}
		for rows.Next() {
			b, err := scanBooking(rows)
			if err != nil {
				rows.Close()
				return fmt.Errorf("list bookings: %w", err)
			}
			out = append(out, b)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		return loadDetails(ctx, tx, out)
	})
	return out, err
}

func scanBooking(s scanner) (booking.Booking, error) {
	var b booking.Booking
	var start, end, privacy, created, updated int64
	var push, firstFree sql.NullInt64
	var starts string
	var booker, from, to sql.NullString
	var hash []byte
	p := &b.Beneficiary
	err := s.Scan(&b.ID, &b.Code, &b.OrganizationID, &b.ResourceID, &b.OperatorID, &start, &end, &starts, &b.Seats,
		&b.Mode, &b.Status, &booker, &b.BookedByStaff, &b.OnBehalf, &p.GivenName, &p.FamilyName, &p.CodiceFiscale, &p.BirthDate,
		&p.BirthPlace, &p.Email, &p.Phone, &b.Reason, &b.Notes, &b.Language, &privacy, &push, &hash, &b.IdempotencyKey,
		&from, &to, &created, &updated, &firstFree, &b.MeetingURL)
	if err != nil {
		return b, err
	}
	b.FirstFree = fromNullMS(firstFree)
	b.Start, b.End, b.PrivacyAt, b.PushConsentAt = fromMS(start), fromMS(end), fromMS(privacy), fromNullMS(push)
	b.CreatedAt, b.UpdatedAt = fromMS(created), fromMS(updated)
	b.BookerID, b.RescheduledFrom, b.RescheduledTo = booker.String, from.String, to.String
	copy(b.CancelTokenHash[:], hash)
	b.SlotStarts, err = decodeStarts(starts)
	return b, err
}

// FutureBookings lists the confirmed bookings of a resource that have not
// ended at now (for stranded-booking checks after schedule changes).
func (db *DB) FutureBookings(ctx context.Context, resourceID string, now time.Time) ([]booking.Booking, error) {
	return db.listBookings(ctx, `resource_id = ? AND status = ? AND end_ms > ? ORDER BY start_ms, id LIMIT 10000`,
		resourceID, booking.Confirmed, ms(now))
}

// FindByIdempotencyKey returns the booking a booker made with key.
func (db *DB) FindByIdempotencyKey(ctx context.Context, bookerID, key string) (booking.Booking, error) {
	return db.getBookingWhere(ctx, `booker_account_id = ? AND idempotency_key = ?`, bookerID, key)
}
