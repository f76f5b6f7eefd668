package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/varco-gate/varco/internal/notify/push"
)

// LoadVAPID implements push.KeyStore.
func (db *DB) LoadVAPID(ctx context.Context) (push.VAPIDKeys, bool, error) {
	var k push.VAPIDKeys
	err := db.R.QueryRowContext(ctx, `SELECT public_key, private_key FROM vapid_keys WHERE id = 1`).Scan(&k.PublicKey, &k.PrivateKey)
	if errors.Is(err, sql.ErrNoRows) {
		return k, false, nil
	}
	if err != nil {
		return k, false, fmt.Errorf("load vapid keys: %w", err)
	}
	return k, true, nil
}

// SaveVAPID implements push.KeyStore: it never replaces a stored pair, so
// two servers starting together keep one (browsers' subscriptions are
// bound to the key they were made with).
func (db *DB) SaveVAPID(ctx context.Context, k push.VAPIDKeys) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		// created_at is informational: the database's clock is good enough.
		_, err := tx.ExecContext(ctx, `INSERT INTO vapid_keys (id, public_key, private_key, created_at_ms)
			VALUES (1, ?, ?, `+db.dialect.nowMS()+`) ON CONFLICT DO NOTHING`, k.PublicKey, k.PrivateKey)
		return err
	})
}
