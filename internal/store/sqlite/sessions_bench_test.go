package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/identity"
)

// BenchmarkGetSessionAuth is the read every authenticated call makes,
// against a plain primary-key read of one row on the same database.
func BenchmarkGetSessionAuth(b *testing.B) {
	db := openTestDB(b)
	ctx := context.Background()
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	require.NoError(b, db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, codice_fiscale, given_name, family_name, password_hash, privacy_consent_ms, created_at_ms, updated_at_ms)
			VALUES ('acc', 'a@example.it', 'RSSMRA85T10A562S', 'Mario', 'Rossi', 'x', 0, 0, 0)`)
		return err
	}))
	hash := sha256.Sum256([]byte("token"))
	require.NoError(b, db.CreateSession(ctx, identity.Session{TokenHash: hash, AccountID: "acc", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}))
	b.Run("session+account+roles", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.GetSessionAuth(ctx, hash); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline: catalog version", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.CatalogVersion(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}
