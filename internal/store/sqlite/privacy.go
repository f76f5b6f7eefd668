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
		// The batch is read once so both updates touch the same bookings
		// (a list of ids rather than a temporary table, which the engines
		// spell differently).
		rows, err := tx.QueryContext(ctx, `SELECT id FROM bookings WHERE end_ms < ? AND anonymized_at_ms IS NULL
			ORDER BY end_ms LIMIT ?`, ms(cutoff), limit)
		if err != nil {
			return fmt.Errorf("anonymize finished bookings: %w", err)
		}
		var ids []any
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return fmt.Errorf("anonymize finished bookings: %w", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("anonymize finished bookings: %w", err)
		}
		n = 0
		if len(ids) == 0 {
			return nil
		}
		in := placeholders(len(ids))
		res, err := tx.ExecContext(ctx, `UPDATE bookings SET given_name = '', family_name = '', codice_fiscale = '',
			birth_date = '', birth_place = '', email = '', phone = '', reason = '', notes = '', anonymized_at_ms = ?
			WHERE id IN (`+in+`)`, append([]any{ms(at)}, ids...)...)
		if err != nil {
			return fmt.Errorf("anonymize finished bookings: %w", err)
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE booking_history SET actor_name = ''
			WHERE actor_kind IN (?, ?) AND booking_id IN (`+in+`)`,
			append([]any{booking.ActorAnonymous, booking.ActorCitizen}, ids...)...); err != nil {
			return fmt.Errorf("anonymize history: %w", err)
		}
		return nil
	})
	return int(n), err
}
