package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/store/sqlite"
	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
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

// A gate's Sync and the live occupancy, served by one replica, see a scan
// made through another within the poll — even when that replica's clock is
// behind: the Sync cursor is the database's (transaction ids on
// PostgreSQL), not a replica's clock. With the cursor made of the writing
// replica's clock, the scan through the slow replica fell behind the
// cursor and never reached the gate.
func TestReplicasSyncWhateverTheirClocks(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	onShared := func(c *config.Config) { c.DB = url }
	clkA, clkB := clock.NewFake(time.Now()), clock.NewFake(time.Now())
	a := setupWith(t, clkA, onShared)
	b := setupWith(t, clkB, onShared)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	_, organizer := bootstrapOrganizer(t, a)
	watcher := enrollGate(t, a, organizer, "Cortile", varcov1.GateDirection_GATE_DIRECTION_BOTH)
	cred := enrollGate(t, a, organizer, "Ingresso", varcov1.GateDirection_GATE_DIRECTION_BOTH)
	gateOnA := scanner{cred, varcov1connect.NewGateServiceClient(http.DefaultClient, a.baseURL)}
	gateOnB := scanner{cred, varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)}

	p := registerCitizens(t, a, "CLK", 1)[0]
	slot := tourSlot(t, a, clkA.Now(), 0)
	var payloads []string
	for range 2 {
		h, err := p.hold(ctx, slot.GetStart(), 1)
		require.NoError(t, err)
		bk, err := p.confirm(ctx, h.GetId())
		require.NoError(t, err)
		tk, err := p.booking.GetTicket(ctx, authBearer(&varcov1.GetTicketRequest{BookingId: bk.GetId()}, p.token))
		require.NoError(t, err)
		payloads = append(payloads, tk.Msg.GetTickets()[0].GetPayload())
	}

	sync, err := varcov1connect.NewGateServiceClient(http.DefaultClient, a.baseURL).Sync(ctx, authBearer(&varcov1.SyncRequest{}, watcher))
	require.NoError(t, err)
	receiveUntil(t, sync, func(*varcov1.SyncResponse) bool { return true })
	occ, err := varcov1connect.NewGateServiceClient(http.DefaultClient, a.baseURL).WatchOccupancy(ctx,
		authBearer(&varcov1.WatchOccupancyRequest{ResourceIds: []string{demo.TourID}}, organizer))
	require.NoError(t, err)

	// The day of the tour: replica B's clock is 13 minutes behind A's.
	start := slot.GetStart().AsTime()
	clkA.Set(start.Add(-time.Minute))
	clkB.Set(start.Add(-14 * time.Minute))
	v := gateOnA.scan(t, uuid.NewString(), payloads[0], entry)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, v.GetVerdict())
	receiveUntil(t, sync, func(m *varcov1.SyncResponse) bool { return len(m.GetPresences()) > 0 })

	v = gateOnB.scan(t, uuid.NewString(), payloads[1], entry)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, v.GetVerdict())
	scanned := time.Now()
	late := receiveUntil(t, sync, func(m *varcov1.SyncResponse) bool { return len(m.GetPresences()) > 0 })
	require.Equal(t, varcov1.TicketState_TICKET_STATE_INSIDE, late.GetPresences()[0].GetState())
	t.Logf("a scan through the other replica reached the gate's Sync in %v", time.Since(scanned).Round(time.Millisecond))
	require.Less(t, time.Since(scanned), 3*time.Second, "within the 1 s poll, give or take")
	receiveUntil(t, occ, func(m *varcov1.WatchOccupancyResponse) bool {
		return len(m.GetOccupancy()) > 0 && m.GetOccupancy()[0].GetInside() == 2
	})
}

// Login throttling counts across replicas: five wrong passwords spread
// over two replicas lock the account on both. Counted in each process's
// memory, an attacker got five guesses per replica.
func TestReplicasShareLoginThrottle(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	onShared := func(c *config.Config) { c.DB = url }
	replicas := []*bundle{setup(t, onShared), setup(t, onShared)}
	registerCitizens(t, replicas[0], "THR", 1)
	login := func(b *bundle, pw string) error {
		_, err := varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL).Login(context.Background(),
			connect.NewRequest(&varcov1.LoginRequest{Login: "THR0@example.it", Password: pw}))
		return err
	}
	for i := range 5 {
		err := login(replicas[i%2], "non è la password")
		require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "attempt %d: %v", i+1, err)
	}
	for i, b := range replicas {
		err := login(b, "una password lunga")
		require.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err), "replica %d lets the right password in after five wrong ones: %v", i, err)
	}
}
