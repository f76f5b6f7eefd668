package identity_test

import (
	"context"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/store/sqlite"
)

// countingStore counts the full session reads that reach the database.
type countingStore struct {
	*sqlite.DB
	reads atomic.Int32
}

func (c *countingStore) GetSessionAuth(ctx context.Context, hash [32]byte) (identity.SessionAuth, error) {
	c.reads.Add(1)
	return c.DB.GetSessionAuth(ctx, hash)
}

// Authenticated sessions are served from memory until something that could
// change a principal happens, in this process or in another one on the same
// database file (here a second handle, as `server bootstrap` or a second
// server would be): the very next call sees it.
func TestPrincipalCacheFollowsAuthVersion(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := t.TempDir() + "/x.db"
	log := slog.New(slog.DiscardHandler)
	db, err := sqlite.Open(ctx, path, sqlite.Options{Logger: log})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	_, err = demo.Load(ctx, db, start)
	require.NoError(t, err)
	other, err := sqlite.Open(ctx, path, sqlite.Options{Logger: log})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, other.Close()) })

	clk := clock.NewFake(start)
	st := &countingStore{DB: db}
	svc := identity.New(identity.Config{PasswordParams: cheap}, st, clk, log)
	elsewhere := identity.New(identity.Config{PasswordParams: cheap}, other, clk, log)
	a, sess, err := svc.Register(ctx, mario(), "it")
	require.NoError(t, err)

	for range 3 {
		p, err := svc.Authenticate(ctx, sess.Token)
		require.NoError(t, err)
		require.Equal(t, a.ID, p.AccountID)
		require.Empty(t, p.Roles)
	}
	require.Equal(t, int32(1), st.reads.Load(), "read once, then served from memory")

	// A role granted by another process is seen by the next call.
	_, err = elsewhere.GrantRole(ctx, demo.ComuneID, a.Email, authz.RoleOrganizer, nil)
	require.NoError(t, err)
	p, err := svc.Authenticate(ctx, sess.Token)
	require.NoError(t, err)
	require.Equal(t, []authz.Role{{OrganizationID: demo.ComuneID, Kind: authz.RoleOrganizer}}, p.Roles)

	// A second session logging in invalidates nothing.
	_, sess2, err := svc.Login(ctx, a.Email, goodPW, "")
	require.NoError(t, err)
	reads := st.reads.Load()
	_, err = svc.Authenticate(ctx, sess.Token)
	require.NoError(t, err)
	require.Equal(t, reads, st.reads.Load())

	// The session ends on time without any write.
	clk.Set(sess.ExpiresAt)
	_, err = svc.Authenticate(ctx, sess.Token)
	require.ErrorIs(t, err, identity.ErrSessionInvalid)
	clk.Set(start.Add(time.Minute))

	// A logout in another process ends the session at once here.
	_, err = svc.Authenticate(ctx, sess2.Token)
	require.NoError(t, err)
	require.NoError(t, elsewhere.Logout(ctx, sess2.TokenHash))
	_, err = svc.Authenticate(ctx, sess2.Token)
	require.ErrorIs(t, err, identity.ErrSessionInvalid)
}
