package identity

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/auth/password"
	"github.com/varco-gate/varco/internal/clock"
)

// Password hashing waits for a free slot, gives up when the request does,
// and never runs more hashes at once than the bound.
func TestHashSlotsBoundConcurrency(t *testing.T) {
	t.Parallel()
	cheap := password.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}
	s := New(Config{PasswordParams: cheap, MaxConcurrentHashes: 2}, nil, clock.NewFake(time.Unix(0, 0)), slog.New(slog.DiscardHandler))
	require.Equal(t, 2, cap(s.hashSlots))

	// Both slots taken: a caller whose request ends is released with its error.
	s.hashSlots <- struct{}{}
	s.hashSlots <- struct{}{}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.hash(ctx, "correct horse battery")
	require.ErrorIs(t, err, context.Canceled)
	_, _, err = s.verify(ctx, "x", "y")
	require.ErrorIs(t, err, context.Canceled)
	<-s.hashSlots
	<-s.hashSlots

	// Many callers: the number holding a slot never exceeds the bound.
	var inFlight, peak atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			require.NoError(t, s.acquireHashSlot(t.Context()))
			n := inFlight.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			h, err := s.hasher.Hash("correct horse battery")
			require.NoError(t, err)
			require.NotEmpty(t, h)
			inFlight.Add(-1)
			<-s.hashSlots
		})
	}
	wg.Wait()
	require.LessOrEqual(t, peak.Load(), int32(2))
	h, err := s.hash(t.Context(), "correct horse battery")
	require.NoError(t, err)
	ok, rehash, err := s.verify(t.Context(), "correct horse battery", h)
	require.NoError(t, err)
	require.True(t, ok)
	require.False(t, rehash)
}
