package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/booking"
)

// EraseAccount removes an account and the personal data of the bookings it
// made or attended, in one transaction. Bookings stay (statistics and
// capacity history need them) but no longer say who: names, codice
// fiscale, contacts, birth data, reason and notes are blanked and the
// booking is marked anonymized. Sessions, staff roles and push
// subscriptions go with the account (foreign keys cascade).
func (db *DB) EraseAccount(ctx context.Context, accountID, codiceFiscale string, at time.Time) (int, error) {
	var n int64
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE bookings SET given_name = '', family_name = '', codice_fiscale = '',
			birth_date = '', birth_place = '', email = '', phone = '', reason = '', notes = '', anonymized_at_ms = ?, updated_at_ms = ?
			WHERE (booker_account_id = ? OR (codice_fiscale = ? AND ? != '')) AND anonymized_at_ms IS NULL`,
			ms(at), ms(at), accountID, codiceFiscale, codiceFiscale)
		if err != nil {
			return fmt.Errorf("anonymize bookings: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE booking_history SET actor_name = '' WHERE actor_id = ?`, accountID); err != nil {
			return fmt.Errorf("anonymize history: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM accounts WHERE id = ?`, accountID); err != nil {
			return fmt.Errorf("delete account: %w", err)
		}
		return nil
	})
	return int(n), err
}

// AnonymizeFinished blanks the personal data of up to limit bookings that
// ended before cutoff (whatever their status), keeping everything
// statistics need: resource, times, seats, status, history of statuses.
// The history keeps who acted only for staff and devices: a citizen's name
// recorded there when they booked or cancelled is blanked with the rest.
func (db *DB) AnonymizeFinished(ctx context.Context, cutoff, at time.Time, limit int) (int, error) {
	var n int64
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		// The batch is materialized once so both updates touch the same
		// bookings.
		if _, err := tx.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS anonymize_batch (id TEXT PRIMARY KEY)`); err != nil {
			return fmt.Errorf("anonymize finished bookings: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM temp.anonymize_batch`); err != nil {
			return fmt.Errorf("anonymize finished bookings: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO temp.anonymize_batch (id)
			SELECT id FROM bookings WHERE end_ms < ? AND anonymized_at_ms IS NULL ORDER BY end_ms LIMIT ?`, ms(cutoff), limit); err != nil {
			return fmt.Errorf("anonymize finished bookings: %w", err)
		}
		res, err := tx.ExecContext(ctx, `UPDATE bookings SET given_name = '', family_name = '', codice_fiscale = '',
			birth_date = '', birth_place = '', email = '', phone = '', reason = '', notes = '', anonymized_at_ms = ?
			WHERE id IN (SELECT id FROM temp.anonymize_batch)`, ms(at))
		if err != nil {
			return fmt.Errorf("anonymize finished bookings: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE booking_history SET actor_name = ''
			WHERE actor_kind IN (?, ?) AND booking_id IN (SELECT id FROM temp.anonymize_batch)`,
			booking.ActorAnonymous, booking.ActorCitizen); err != nil {
			return fmt.Errorf("anonymize history: %w", err)
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM temp.anonymize_batch`)
		return err
	})
	return int(n), err
}
