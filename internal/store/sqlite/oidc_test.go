package sqlite_test

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/oidclogin"
	"github.com/varco-gate/varco/internal/store"
)

// TestOidcAttemptLifecycle: an attempt is called back once, even by
// callbacks racing; an expired one never; a pending step is found until
// it expires; creating an attempt sweeps the expired ones.
func TestOidcAttemptLifecycle(t *testing.T) {
	t.Parallel()
	db := openIdentityDB(t)
	ctx := t.Context()
	a := oidclogin.Attempt{TokenHash: "h1", State: "s", Nonce: "n", CodeVerifier: "v", CreatedAt: t0, ExpiresAt: t0.Add(10 * time.Minute)}
	require.NoError(t, db.CreateOidcAttempt(ctx, a))

	_, err := db.GetOidcPending(ctx, "h1", t0)
	require.ErrorIs(t, err, store.ErrNotFound, "not called back yet")

	var wins sync.WaitGroup
	got := make(chan oidclogin.Attempt, 8)
	for range 8 {
		wins.Go(func() {
			if at, err := db.ConsumeOidcAttempt(ctx, "h1", t0.Add(time.Minute)); err == nil {
				got <- at
			} else {
				require.ErrorIs(t, err, store.ErrNotFound)
			}
		})
	}
	wins.Wait()
	close(got)
	require.Len(t, got, 1, "one callback only")
	first := <-got
	require.Equal(t, "s", first.State)
	require.Equal(t, "v", first.CodeVerifier)

	first.PendingStep, first.IdentityJSON, first.LinkAccountID, first.ExpiresAt = oidclogin.StepLink, `{"x":1}`, "acc", t0.Add(20*time.Minute)
	require.NoError(t, db.SetOidcPending(ctx, first))
	p, err := db.GetOidcPending(ctx, "h1", t0.Add(19*time.Minute))
	require.NoError(t, err)
	require.Equal(t, oidclogin.StepLink, p.PendingStep)
	require.Equal(t, "acc", p.LinkAccountID)
	_, err = db.GetOidcPending(ctx, "h1", t0.Add(20*time.Minute))
	require.ErrorIs(t, err, store.ErrNotFound, "expired")

	// An attempt called back after its expiry is refused.
	b := a
	b.TokenHash = "h2"
	require.NoError(t, db.CreateOidcAttempt(ctx, b))
	_, err = db.ConsumeOidcAttempt(ctx, "h2", t0.Add(10*time.Minute))
	require.ErrorIs(t, err, store.ErrNotFound)

	// A new attempt later sweeps both.
	c := a
	c.TokenHash, c.CreatedAt, c.ExpiresAt = "h3", t0.Add(time.Hour), t0.Add(time.Hour+10*time.Minute)
	require.NoError(t, db.CreateOidcAttempt(ctx, c))
	var n int
	require.NoError(t, db.R.QueryRow(`SELECT count(*) FROM oidc_attempts`).Scan(&n))
	require.Equal(t, 1, n)
}

// TestOidcSessionGoesWithItsSession: the ID token kept for logout is
// deleted with the session (and so with the account).
func TestOidcSessionGoesWithItsSession(t *testing.T) {
	t.Parallel()
	db := openIdentityDB(t)
	ctx := t.Context()
	mustCreateAccount(t, db, testAccount("a1", "mario@example.it", "RSSMRA85T10A562S"))
	s := identity.Session{TokenHash: hash(3), AccountID: "a1", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	require.NoError(t, db.CreateSession(ctx, s))
	require.NoError(t, db.PutOidcSession(ctx, s.TokenHash, "id.token.jwt", s.ExpiresAt))
	tok, err := db.GetOidcSession(ctx, s.TokenHash)
	require.NoError(t, err)
	require.Equal(t, "id.token.jwt", tok)
	_, err = db.DeleteExpiredSessions(ctx, t0.Add(2*time.Hour))
	require.NoError(t, err)
	_, err = db.GetOidcSession(ctx, s.TokenHash)
	require.ErrorIs(t, err, store.ErrNotFound)
}
