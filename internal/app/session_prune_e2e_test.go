package app_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/store"
	"github.com/varco-gate/varco/internal/store/sqlite"
)

// Expired sessions do not pile up: the server deletes them when it starts
// and every hour after. A session of 31 days ago is gone after a restart;
// a fresh one stays.
func TestExpiredSessionsArePruned(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	ctx := context.Background()
	old := registerCitizens(t, b, "PRN", 2) // two sessions, 30 days each
	require.NoError(t, b.stop())

	clk.Advance(31 * 24 * time.Hour)
	path := b.dbPath
	b = setupWith(t, clk, func(c *config.Config) { c.DB = path })
	fresh := registerCitizens(t, b, "PRX", 1)[0]
	db, err := sqlite.Open(ctx, path, sqlite.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	defer db.Close()
	// The server's start pruned the two expired ones (read, not deleted,
	// here); the fresh session stays.
	for _, c := range old {
		require.Eventually(t, func() bool {
			_, err := db.GetSession(ctx, token.Hash(c.token))
			return errors.Is(err, store.ErrNotFound)
		}, 10*time.Second, 20*time.Millisecond, "an expired session was not pruned")
	}
	_, err = db.GetSession(ctx, token.Hash(fresh.token))
	require.NoError(t, err)
}
