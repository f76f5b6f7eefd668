package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/store"
)

// guestTx implements booking.GuestTx on a booking transaction.
type guestTx struct{ bookingTx }

// InGuestTx implements booking.GuestStore: InTx with the guest tables.
func (db *DB) InGuestTx(ctx context.Context, fn func(booking.GuestTx) error) error {
	return db.InTx(ctx, func(tx booking.Tx) error { return fn(guestTx{tx.(bookingTx)}) })
}

const guestColumns = `id, resource_id, hold_id, email, given_name, family_name, codice_fiscale, phone, reason, notes, mode,
	ack_ids, language, client_addr, idempotency_key, code_hash, code_expires_at_ms, attempts, booking_id, confirm_key, created_at_ms`

// InsertGuest implements booking.GuestTx.
func (t guestTx) InsertGuest(ctx context.Context, g booking.Guest) error {
	p := g.Person
	_, err := t.tx.execMayConflict(`INSERT INTO guest_bookings (`+guestColumns+`)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		g.ID, g.ResourceID, g.HoldID, booking.EmailKey(p.Email), p.GivenName, p.FamilyName, p.CodiceFiscale, p.Phone,
		g.Reason, g.Notes, g.Mode, jsonText(nonNil(g.AckIDs)), g.Language, g.ClientAddr, g.IdempotencyKey, g.CodeHash[:],
		ms(g.CodeExpiresAt), g.Attempts, nullString(g.BookingID), g.ConfirmKey, ms(g.CreatedAt))
	if err != nil {
		err = conflict(err, "insert guest booking")
		if errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("%w: %w", booking.ErrKeyTaken, err)
		}
	}
	return err
}

// GetGuest implements booking.GuestTx.
func (t guestTx) GetGuest(ctx context.Context, id string) (booking.Guest, error) {
	g, err := scanGuest(t.tx.QueryRowContext(ctx, `SELECT `+guestColumns+` FROM guest_bookings WHERE id = ?`, id))
	if err != nil {
		return g, notFound(err, "guest booking", id)
	}
	return g, nil
}

// FindGuestByKey implements booking.GuestTx.
func (t guestTx) FindGuestByKey(ctx context.Context, emailKey, key string) (booking.Guest, error) {
	g, err := scanGuest(t.tx.QueryRowContext(ctx, `SELECT `+guestColumns+` FROM guest_bookings
		WHERE email = ? AND idempotency_key = ?`, emailKey, key))
	if err != nil {
		return g, notFound(err, "guest booking with idempotency key", key)
	}
	return g, nil
}

// SetGuestCode implements booking.GuestTx.
func (t guestTx) SetGuestCode(ctx context.Context, id string, hash [32]byte, expires time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE guest_bookings SET code_hash = ?, code_expires_at_ms = ?, attempts = 0 WHERE id = ?`,
		hash[:], ms(expires), id)
	return err
}

// AddGuestAttempt implements booking.GuestTx.
func (t guestTx) AddGuestAttempt(ctx context.Context, id string) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE guest_bookings SET attempts = attempts + 1 WHERE id = ?`, id)
	return err
}

// MarkGuestConfirmed implements booking.GuestTx.
func (t guestTx) MarkGuestConfirmed(ctx context.Context, id, bookingID, key string) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE guest_bookings SET booking_id = ?, confirm_key = ? WHERE id = ?`, bookingID, key, id)
	return err
}

// RecordGuestCode implements booking.GuestTx.
func (t guestTx) RecordGuestCode(ctx context.Context, emailKey string, at time.Time) error {
	_, err := t.tx.ExecContext(ctx, `INSERT INTO guest_codes (email, sent_at_ms) VALUES (?, ?)`, emailKey, ms(at))
	return err
}

// CountGuestCodes implements booking.GuestTx.
func (t guestTx) CountGuestCodes(ctx context.Context, emailKey string, since time.Time) (int, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM guest_codes WHERE email = ? AND sent_at_ms > ?`, emailKey, ms(since)).Scan(&n)
	return n, err
}

// CountGuestStarts implements booking.GuestTx.
func (t guestTx) CountGuestStarts(ctx context.Context, clientAddr string, since time.Time) (int, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM guest_bookings WHERE client_addr = ? AND created_at_ms > ?`,
		clientAddr, ms(since)).Scan(&n)
	return n, err
}

// CountActiveForEmail implements booking.GuestTx.
func (t guestTx) CountActiveForEmail(ctx context.Context, resourceID, emailKey string, now time.Time) (int, error) {
	var n int
	err := t.tx.QueryRowContext(ctx, `SELECT count(*) FROM bookings
		WHERE lower(email) = ? AND status = ? AND end_ms > ? AND resource_id = ?`,
		emailKey, booking.Confirmed, ms(now), resourceID).Scan(&n)
	return n, err
}

// PurgeGuests implements booking.GuestTx.
func (t guestTx) PurgeGuests(ctx context.Context, before time.Time) error {
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM guest_bookings WHERE created_at_ms < ?`, ms(before)); err != nil {
		return fmt.Errorf("purge guest bookings: %w", err)
	}
	if _, err := t.tx.ExecContext(ctx, `DELETE FROM guest_codes WHERE sent_at_ms < ?`, ms(before)); err != nil {
		return fmt.Errorf("purge guest codes: %w", err)
	}
	return nil
}

// GetGuestBooking reads a guest booking (the code e-mail's renderer).
func (db *DB) GetGuestBooking(ctx context.Context, id string) (booking.Guest, error) {
	g, err := scanGuest(db.R.QueryRowContext(ctx, `SELECT `+guestColumns+` FROM guest_bookings WHERE id = ?`, id))
	if err != nil {
		return g, notFound(err, "guest booking", id)
	}
	return g, nil
}

func scanGuest(s scanner) (booking.Guest, error) {
	var g booking.Guest
	var acks string
	var hash []byte
	var expires, created int64
	var bookingID sql.NullString
	p := &g.Person
	if err := s.Scan(&g.ID, &g.ResourceID, &g.HoldID, &p.Email, &p.GivenName, &p.FamilyName, &p.CodiceFiscale, &p.Phone,
		&g.Reason, &g.Notes, &g.Mode, &acks, &g.Language, &g.ClientAddr, &g.IdempotencyKey, &hash, &expires, &g.Attempts,
		&bookingID, &g.ConfirmKey, &created); err != nil {
		return g, err
	}
	copy(g.CodeHash[:], hash)
	g.CodeExpiresAt, g.CreatedAt, g.BookingID = fromMS(expires), fromMS(created), bookingID.String
	var err error
	g.AckIDs, err = fromJSON[string](acks)
	return g, err
}
