package healthwatch

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"connectrpc.com/grpchealth"
	"github.com/stretchr/testify/require"
)

// The status follows the database: NOT_SERVING within one interval of it
// going away, SERVING again within one interval of it coming back, for the
// server and every service.
func TestStatusFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var down atomic.Bool
		ping := func(ctx context.Context) error {
			if down.Load() {
				return errors.New("connection refused")
			}
			return nil
		}
		checker := grpchealth.NewStaticChecker("varco.v1.BookingService")
		w := New(ping, checker, []string{"varco.v1.BookingService"}, slog.New(slog.DiscardHandler))
		w.Start(t.Context())
		defer w.Stop()
		status := func(service string) grpchealth.Status {
			res, err := checker.Check(context.Background(), &grpchealth.CheckRequest{Service: service})
			require.NoError(t, err)
			return res.Status
		}
		synctest.Wait()
		require.Equal(t, grpchealth.StatusServing, status(""))

		down.Store(true)
		time.Sleep(2 * time.Second)
		synctest.Wait()
		require.Equal(t, grpchealth.StatusNotServing, status(""))
		require.Equal(t, grpchealth.StatusNotServing, status("varco.v1.BookingService"))

		down.Store(false)
		time.Sleep(2 * time.Second)
		synctest.Wait()
		require.Equal(t, grpchealth.StatusServing, status(""))
		require.Equal(t, grpchealth.StatusServing, status("varco.v1.BookingService"))
	})
}
