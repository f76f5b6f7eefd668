package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/notify"
)

// SaveSubscription stores a subscription, replacing an earlier one with the
// same endpoint (browsers re-subscribe with new keys).
func (db *DB) SaveSubscription(ctx context.Context, s notify.Target, at time.Time) (string, error) {
	var id string
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO push_subscriptions (id, endpoint, p256dh, auth, account_id, booking_id, language, created_at_ms)
			VALUES (?,?,?,?,?,?,?,?)
			ON CONFLICT (endpoint) DO UPDATE SET p256dh = excluded.p256dh, auth = excluded.auth,
				account_id = excluded.account_id, booking_id = excluded.booking_id, language = excluded.language
			RETURNING id`, s.ID, s.Endpoint, s.P256dh, s.Auth, nullString(s.AccountID), nullString(s.BookingID), s.Language, ms(at)).Scan(&id)
		return err
	})
	if err != nil {
		return "", fmt.Errorf("save subscription: %w", err)
	}
	return id, nil
}

// DeleteSubscription removes a subscription by id.
func (db *DB) DeleteSubscription(ctx context.Context, id string) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE id = ?`, id)
		return err
	})
}

// DeleteSubscriptionByEndpoint removes a subscription by its endpoint (the
// endpoint is itself a capability: only its browser knows it).
func (db *DB) DeleteSubscriptionByEndpoint(ctx context.Context, endpoint string) (bool, error) {
	var n int64
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM push_subscriptions WHERE endpoint = ?`, endpoint)
		if err == nil {
			n, err = res.RowsAffected()
		}
		return err
	})
	return n > 0, err
}

// SubscriptionsFor lists the subscriptions tied to an account or to a
// booking.
func (db *DB) SubscriptionsFor(ctx context.Context, accountID, bookingID string) ([]notify.Target, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT id, endpoint, p256dh, auth, COALESCE(account_id, ''), COALESCE(booking_id, ''), language
		FROM push_subscriptions WHERE (account_id = ?1 AND ?1 != '') OR (booking_id = ?2 AND ?2 != '') ORDER BY id`, accountID, bookingID)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	defer rows.Close()
	var out []notify.Target
	for rows.Next() {
		var p notify.Target
		if err := rows.Scan(&p.ID, &p.Endpoint, &p.P256dh, &p.Auth, &p.AccountID, &p.BookingID, &p.Language); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// BookingOfTicket returns the booking a ticket belongs to.
func (db *DB) BookingOfTicket(ctx context.Context, ticketID string) (string, error) {
	var id string
	if err := db.R.QueryRowContext(ctx, `SELECT booking_id FROM tickets WHERE id = ?`, ticketID).Scan(&id); err != nil {
		return "", notFound(err, "ticket", ticketID)
	}
	return id, nil
}
