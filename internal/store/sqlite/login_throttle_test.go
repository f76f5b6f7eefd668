package sqlite

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/throttle"
)

// The throttle's states round-trip, a key left out of an update is
// deleted, and pruning drops only states past their ForgetAt.
func TestLoginThrottleStates(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := openTestDB(t)
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	locked := throttle.State{LockedUntil: now.Add(15 * time.Minute), Strikes: 2, ForgetAt: now.Add(24 * time.Hour)}
	counting := throttle.State{Failures: []time.Time{now.Add(-time.Minute), now}, ForgetAt: now.Add(15 * time.Minute)}
	require.NoError(t, db.UpdateThrottle(ctx, []string{"a", "b"}, func(cur map[string]throttle.State) map[string]throttle.State {
		require.Empty(t, cur)
		return map[string]throttle.State{"a": locked, "b": counting}
	}))
	got, err := db.ThrottleStates(ctx, []string{"a", "b", "c"})
	require.NoError(t, err)
	require.Equal(t, map[string]throttle.State{"a": locked, "b": counting}, got)

	n, err := db.PruneLoginThrottle(ctx, now.Add(time.Hour))
	require.NoError(t, err)
	require.Equal(t, 1, n, "only b is forgotten an hour later")
	require.NoError(t, db.UpdateThrottle(ctx, []string{"a"}, func(cur map[string]throttle.State) map[string]throttle.State {
		require.Equal(t, locked, cur["a"])
		return nil
	}))
	got, err = db.ThrottleStates(ctx, []string{"a", "b"})
	require.NoError(t, err)
	require.Empty(t, got)
}
