package booking_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/availability"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/person"
	"github.com/varco-gate/varco/internal/store/sqlite"
	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
)

// benchEnvAt is newBenchEnv on the database at dsn (a SQLite path or a
// PostgreSQL URL).
func benchEnvAt(b *testing.B, dsn string) benchEnv {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, dsn, sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(b, err)
	b.Cleanup(func() { db.Close() })
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	_, err = demo.Load(ctx, db, now)
	require.NoError(b, err)
	clk := clock.NewFake(now)
	avail := availability.New(db, clk)
	return benchEnv{db: db, svc: booking.New(booking.Config{MaxLiveHolds: 1 << 30}, db, avail, db, clk), avail: avail, clk: clk}
}

// rushClients is the concurrent citizens of BenchmarkRushEngines.
const rushClients = 32

// rush sells every seat of the demo boat trip's six weeks (12 seats a
// trip) to rushClients concurrent citizens, each walking the trips from
// its own offset and moving on when one is full, and returns the
// confirmed bookings and the time taken.
func rush(b *testing.B, e benchEnv) (int, time.Duration) {
	b.Helper()
	ctx := context.Background()
	starts := e.boatStarts(b)
	callers := make([]authz.Principal, rushClients)
	for i := range callers {
		callers[i] = e.account(b, i)
	}
	var confirmed atomic.Int64
	var failed error
	var once sync.Once
	var wg sync.WaitGroup
	t0 := time.Now()
	for w, caller := range callers {
		wg.Go(func() {
			for k := range starts {
				start := starts[(w+k)%len(starts)]
				for {
					h, err := e.svc.Hold(ctx, caller.AccountID, booking.HoldRequest{ResourceID: demo.BoatTripID, SlotStart: start})
					if errors.Is(err, booking.ErrSlotFull) {
						break
					}
					if err == nil {
						n := confirmed.Load()
						cf := person.CompleteCodiceFiscale(fmt.Sprintf("VRDLGU80A01H%03d", (int(n)+w)%1000))
						_, err = e.svc.Confirm(ctx, caller, booking.ConfirmRequest{HoldID: h.ID, IdempotencyKey: uuid.NewString(),
							PrivacyConsent: true, Beneficiary: &booking.Person{GivenName: "Luigi", FamilyName: "Verdi", CodiceFiscale: cf,
								Email: "luigi@example.it"}})
					}
					if err != nil {
						once.Do(func() { failed = err })
						return
					}
					confirmed.Add(1)
				}
			}
		})
	}
	wg.Wait()
	require.NoError(b, failed)
	return int(confirmed.Load()), time.Since(t0)
}

// BenchmarkRushEngines runs the same rush (hold and confirm, two write
// transactions per booking, 32 citizens at once, every trip selling out)
// on SQLite and on a durable PostgreSQL (fsync on, as SQLite's
// synchronous=FULL), and reports both rates and their ratio. Both must
// sell exactly the trips' seats. Skipped without PostgreSQL.
//
//	go test ./internal/booking -run '^$' -bench RushEngines -benchtime 3x
func BenchmarkRushEngines(b *testing.B) {
	cluster := pgtest.Durable(b)
	var sqliteRate, pgRate float64
	var pgRetries int64
	for b.Loop() {
		b.StopTimer()
		lite := benchEnvAt(b, b.TempDir()+"/varco.db")
		pg := benchEnvAt(b, cluster.NewDatabase(b))
		b.StartTimer()
		n1, d1 := rush(b, lite)
		n2, d2 := rush(b, pg)
		require.Equal(b, n1, n2, "both engines sell every seat, no more")
		sqliteRate += float64(n1) / d1.Seconds()
		pgRate += float64(n2) / d2.Seconds()
		pgRetries += pg.db.SerializationRetries()
	}
	b.ReportMetric(sqliteRate/float64(b.N), "sqlite-bookings/s")
	b.ReportMetric(pgRate/float64(b.N), "postgres-bookings/s")
	b.ReportMetric(pgRate/sqliteRate, "postgres/sqlite")
	b.ReportMetric(float64(pgRetries)/float64(b.N), "postgres-retries/op")
}
