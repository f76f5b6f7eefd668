package periodic

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLoop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var runs atomic.Int32
		var l Loop
		l.Start(t.Context(), time.Minute, slog.New(slog.DiscardHandler), "test", func(context.Context) error {
			runs.Add(1)
			return errors.New("keeps going after a failure")
		})
		synctest.Wait()
		require.Equal(t, int32(1), runs.Load(), "runs at once")
		time.Sleep(3 * time.Minute) // fake time inside the bubble
		synctest.Wait()
		require.Equal(t, int32(4), runs.Load(), "then every interval")
		l.Stop()
		time.Sleep(time.Hour)
		synctest.Wait()
		require.Equal(t, int32(4), runs.Load(), "not after Stop")
	})
	var never Loop
	never.Stop()
}
