package sqlite

import (
	"context"
	"crypto/ed25519"
	"database/sql"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/ticket"
)

// LoadKeys implements ticket.KeyStore.
func (db *DB) LoadKeys(ctx context.Context) ([]ticket.Key, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT id, public_key, private_key, created_at_ms, retired_at_ms FROM ticket_keys ORDER BY created_at_ms`)
	if err != nil {
		return nil, fmt.Errorf("load ticket keys: %w", err)
	}
	defer rows.Close()
	var out []ticket.Key
	for rows.Next() {
		var k ticket.Key
		var pub, priv []byte
		var created int64
		var retired sql.NullInt64
		if err := rows.Scan(&k.ID, &pub, &priv, &created, &retired); err != nil {
			return nil, fmt.Errorf("load ticket keys: %w", err)
		}
		k.Public, k.CreatedAt, k.RetiredAt = ed25519.PublicKey(pub), fromMS(created), fromNullMS(retired)
		if len(priv) > 0 {
			k.Private = ed25519.PrivateKey(priv)
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// SaveKey implements ticket.KeyStore. The private key is kept in the
// database file, which must be protected like any credential store.
func (db *DB) SaveKey(ctx context.Context, k ticket.Key) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO ticket_keys (id, public_key, private_key, created_at_ms, retired_at_ms)
			VALUES (?,?,?,?,?)`, k.ID, []byte(k.Public), []byte(k.Private), ms(k.CreatedAt), nullMS(k.RetiredAt))
		return conflict(err, "save ticket key")
	})
}

// RetireKey implements ticket.KeyStore.
func (db *DB) RetireKey(ctx context.Context, id string, at time.Time) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE ticket_keys SET retired_at_ms = ? WHERE id = ?`, ms(at), id)
		return err
	})
}

// TicketForLink returns the booking and link secret of a ticket.
func (db *DB) TicketForLink(ctx context.Context, ticketID string) (booking.TicketLink, error) {
	var l booking.TicketLink
	var hash []byte
	err := db.R.QueryRowContext(ctx, `SELECT t.booking_id, t.revoked_at_ms IS NOT NULL, b.cancel_token_hash
		FROM tickets t JOIN bookings b ON b.id = t.booking_id WHERE t.id = ?`, ticketID).Scan(&l.BookingID, &l.Revoked, &hash)
	if err != nil {
		return l, notFound(err, "ticket", ticketID)
	}
	copy(l.LinkSecret[:], hash)
	return l, nil
}
