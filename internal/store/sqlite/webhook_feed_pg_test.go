package sqlite_test

import (
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/store/sqlite"
	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
	"github.com/varco-gate/varco/internal/webhook"
)

// On PostgreSQL a booking transaction takes its history id when it
// inserts, and transactions commit in any order: while one that took id
// N is still open, another can commit N+1. The feeder must not read N+1
// and move its cursor past N, or N's event is never delivered; it waits
// for N instead and reads both, in order.
func TestFeedWaitsForEarlierHistoryInFlight(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, pgtest.URL(t), sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	_, err = demo.Load(ctx, db, t0)
	require.NoError(t, err)
	e := feedOn(t, db, 100)

	// The slow booking takes the lower id and stays open.
	slowID := uuid.NewString()
	slow, err := db.W.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer slow.Rollback()
	_, err = slow.Exec(`INSERT INTO bookings (id, code, organization_id, resource_id, start_ms, end_ms, slot_starts, seats, status,
		given_name, family_name, codice_fiscale, email, privacy_consent_ms, cancel_token_hash, idempotency_key, created_at_ms, updated_at_ms)
		VALUES (?, ?, ?, ?, 0, 1, '[]', 1, 1, 'G', 'F', 'CF', 'e@example.it', 0, ?, ?, 0, 0)`,
		slowID, slowID[:8], demo.ComuneID, demo.TourID, []byte(slowID), slowID)
	require.NoError(t, err)
	_, err = slow.Exec(`INSERT INTO booking_history (booking_id, status, at_ms, actor_kind) VALUES (?, ?, 0, 2)`, slowID, booking.Confirmed)
	require.NoError(t, err)
	fastID := e.book(t) // commits the higher id

	type result struct {
		snap webhook.Snapshot[webhook.HistoryRecord]
		err  error
	}
	got := make(chan result, 1)
	go func() {
		s, err := db.HistorySnapshot(ctx, 100)
		got <- result{s, err}
	}()
	// Let the snapshot either return (it did not wait) or block on the
	// slow transaction, watched in the server's activity view.
	var res result
	returned := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		select {
		case res = <-got:
			returned = true
		case <-time.After(10 * time.Millisecond):
		}
		if returned {
			break
		}
		var waiting int
		require.NoError(t, db.R.QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND query LIKE 'LOCK TABLE booking_history%'`).Scan(&waiting))
		if waiting > 0 {
			break
		}
	}
	require.NoError(t, slow.Commit())
	if !returned {
		res = <-got
	}
	require.NoError(t, res.err)
	var ids []string
	for _, r := range res.snap.Records {
		ids = append(ids, r.BookingID)
	}
	require.Equal(t, []string{slowID, fastID}, ids, "the booking still in flight is read, before the later one")
	require.True(t, slices.IsSortedFunc(res.snap.Records, func(a, b webhook.HistoryRecord) int { return int(a.ID - b.ID) }))
}
