package app_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/store/sqlite"
	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// Two server processes (replicas) on one PostgreSQL database, as behind a
// load balancer: citizens race for the last seats of a slot, each holding
// through one replica and confirming through the other. Exactly the
// slot's seats are sold, and the database's counters agree with the
// bookings.
func TestReplicasDoNotOversell(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	onShared := func(c *config.Config) { c.DB = url }
	// The first replica migrates and loads the demo data; the second finds
	// both done.
	replicas := []*bundle{setup(t, onShared), setup(t, onShared)}
	const clients = 120
	people := registerCitizens(t, replicas[0], "RPL", clients)
	slot := tourSlot(t, replicas[1], time.Now(), 0)

	// Ten seats go first, alternately through each replica, so the race
	// below is for the last twenty.
	for i := range 10 {
		bookTour(t, rebind(people[i], replicas[i%2]), slot, 1)
	}
	var (
		mu       sync.Mutex
		booked   int
		refusals = map[string]int{}
		wg       sync.WaitGroup
		start    = make(chan struct{})
	)
	for i, p := range people[10:] {
		holdOn, confirmOn := rebind(p, replicas[i%2]), rebind(p, replicas[(i+1)%2])
		wg.Go(func() {
			<-start
			ctx := context.Background()
			h, err := holdOn.hold(ctx, slot.GetStart(), 1)
			if err == nil {
				_, err = confirmOn.confirm(ctx, h.GetId())
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				refusals[connect.CodeOf(err).String()+"/"+reasonOf(err)]++
				return
			}
			booked++
		})
	}
	close(start)
	wg.Wait()

	require.Equal(t, 20, booked, "refusals: %v", refusals)
	require.Equal(t, map[string]int{"resource_exhausted/slot_full": clients - 30}, refusals)
	for _, r := range replicas {
		left, state := seatsLeft(t, r, slot)
		require.Zero(t, left)
		require.Equal(t, varcov1.SlotState_SLOT_STATE_FULL, state)
	}

	db, err := sqlite.Open(t.Context(), url, sqlite.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	defer db.Close()
	var seats, taken int
	require.NoError(t, db.R.QueryRowContext(t.Context(), `SELECT COALESCE(SUM(seats), 0) FROM bookings WHERE resource_id = $1 AND start_ms = $2 AND status = 1`,
		demo.TourID, slot.GetStart().AsTime().UnixMilli()).Scan(&seats))
	require.NoError(t, db.R.QueryRowContext(t.Context(), `SELECT COALESCE(SUM(taken), 0) FROM slot_usage WHERE resource_id = $1 AND start_ms = $2`,
		demo.TourID, slot.GetStart().AsTime().UnixMilli()).Scan(&taken))
	require.Equal(t, 30, seats, "confirmed seats")
	require.Equal(t, 30, taken, "seats counted taken")
}
