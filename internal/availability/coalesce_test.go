package availability

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// Concurrent callers share version reads, and every caller gets a read
// that started after it called: a caller arriving while a read is under
// way waits for the next one, never takes the older answer.
func TestVersionReadsStartAfterTheCaller(t *testing.T) {
	t.Parallel()
	var c versionReads
	var version atomic.Int64 // bumped by each read, so each read is told apart
	var reads atomic.Int64
	gate := make(chan struct{})
	first := make(chan struct{})
	read := func(context.Context) (int64, int64, error) {
		if reads.Add(1) == 1 {
			close(first)
			<-gate // hold the first read open while others arrive
		}
		return 0, version.Add(1), nil
	}
	var wg sync.WaitGroup
	var firstGot int64
	wg.Go(func() {
		_, w, err := c.read(context.Background(), read)
		require.NoError(t, err)
		firstGot = w
	})
	<-first
	const late = 50
	got := make([]int64, late)
	var arrived sync.WaitGroup
	for i := range late {
		arrived.Add(1)
		wg.Go(func() {
			arrived.Done()
			_, w, err := c.read(context.Background(), read)
			require.NoError(t, err)
			got[i] = w
		})
	}
	arrived.Wait()
	close(gate)
	wg.Wait()
	require.EqualValues(t, 1, firstGot)
	for _, w := range got {
		require.Greater(t, w, firstGot, "a caller arriving during a read gets a later one")
	}
}
