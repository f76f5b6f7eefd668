package sqlite_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/store"
)

func TestSessionLifecycle(t *testing.T) {
	t.Parallel()
	db := openIdentityDB(t)
	ctx := t.Context()
	mustCreateAccount(t, db, testAccount("a1", "mario@example.it", "RSSMRA85T10A562S"))

	s := identity.Session{TokenHash: hash(7), AccountID: "a1", CreatedAt: t0, ExpiresAt: t0.Add(30 * 24 * time.Hour)}
	require.NoError(t, db.CreateSession(ctx, s))
	require.Error(t, db.CreateSession(ctx, s), "same token hash")

	got, err := db.GetSession(ctx, hash(7))
	require.NoError(t, err)
	require.Equal(t, s, got)

	_, err = db.GetSession(ctx, hash(8))
	require.ErrorIs(t, err, store.ErrNotFound)

	require.NoError(t, db.RevokeSession(ctx, hash(7), t0.Add(time.Hour)))
	require.NoError(t, db.RevokeSession(ctx, hash(7), t0.Add(2*time.Hour)), "revoking twice is fine")
	got, err = db.GetSession(ctx, hash(7))
	require.NoError(t, err)
	require.Equal(t, t0.Add(time.Hour), got.RevokedAt, "the first revocation counts")

	require.ErrorIs(t, db.RevokeSession(ctx, hash(8), t0), store.ErrNotFound)
}

func TestSessionForUnknownAccountRefused(t *testing.T) {
	t.Parallel()
	db := openIdentityDB(t)
	err := db.CreateSession(t.Context(), identity.Session{TokenHash: hash(1), AccountID: "ghost", CreatedAt: t0, ExpiresAt: t0})
	require.Error(t, err, "foreign key")
}

func TestDeleteExpiredSessions(t *testing.T) {
	t.Parallel()
	db := openIdentityDB(t)
	ctx := t.Context()
	mustCreateAccount(t, db, testAccount("a1", "mario@example.it", "RSSMRA85T10A562S"))
	for i, exp := range []time.Duration{-time.Hour, -time.Millisecond, 0, time.Hour} {
		require.NoError(t, db.CreateSession(ctx, identity.Session{
			TokenHash: hash(byte(i + 1)), AccountID: "a1", CreatedAt: t0.Add(-48 * time.Hour), ExpiresAt: t0.Add(exp),
		}))
	}
	n, err := db.DeleteExpiredSessions(ctx, t0)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	for i, kept := range []bool{false, false, true, true} {
		_, err := db.GetSession(ctx, hash(byte(i+1)))
		if kept {
			require.NoError(t, err)
		} else {
			require.ErrorIs(t, err, store.ErrNotFound)
		}
	}
}
