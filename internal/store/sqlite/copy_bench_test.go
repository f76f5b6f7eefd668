package sqlite

import (
	"context"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
	"github.com/varco-gate/varco/internal/store/sqlite/sqlitetest"
)

// BenchmarkCopyToPostgres moves a SQLite installation of 50,000 bookings,
// each with one history row, into a new PostgreSQL database per run, and
// reports rows copied per second and the peak Go heap during the copy
// (flat: rows stream, a table is never held in memory).
//
//	go test ./internal/store/sqlite -run '^$' -bench CopyToPostgres -benchtime 3x
func BenchmarkCopyToPostgres(b *testing.B) {
	const n = 50_000
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	src, err := Open(ctx, b.TempDir()+"/varco.db", Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(b, err)
	b.Cleanup(func() { require.NoError(b, src.Close()) })
	r := gridFixture(b, src, now)
	require.NoError(b, sqlitetest.SeedBookings(ctx, src.W, sqlitetest.Bookings{OrganizationID: r.OrganizationID, ResourceID: r.ID,
		First: now, Every: time.Hour, PerSlot: 30, N: n, Prefix: "A"}))
	_, err = src.W.ExecContext(ctx, `INSERT INTO booking_history (booking_id, status, at_ms, actor_kind, actor_name, reason)
		SELECT id, status, created_at_ms, 1, given_name || ' ' || family_name, 'prenotazione online' FROM bookings`)
	require.NoError(b, err)

	var rows int64
	var elapsed time.Duration
	var peak uint64
	for b.Loop() {
		b.StopTimer()
		dst, err := Open(ctx, pgtest.URL(b), Options{Logger: slog.New(slog.DiscardHandler)})
		require.NoError(b, err)
		runtime.GC()
		stop := sampleHeap()
		b.StartTimer()
		report, err := CopyToPostgres(ctx, src, dst)
		b.StopTimer()
		peak = max(peak, stop())
		require.NoError(b, err)
		require.NoError(b, dst.Close())
		rows += report.Rows()
		elapsed += report.Elapsed
		b.StartTimer()
	}
	b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// sampleHeap samples the live heap every 5 ms until stop, which returns
// the peak.
func sampleHeap() (stop func() uint64) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	var peak uint64
	wg.Go(func() {
		t := time.NewTicker(5 * time.Millisecond)
		defer t.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	})
	return func() uint64 { close(done); wg.Wait(); return peak }
}
