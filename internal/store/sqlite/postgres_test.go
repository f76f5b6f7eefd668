package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/store/sqlite"
	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
)

// Replicas starting together on a fresh PostgreSQL database migrate it
// once: the advisory lock makes the others wait and find the work done.
func TestPostgresReplicasMigrateOnce(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	const replicas = 4
	dbs := make([]*sqlite.DB, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() {
			dbs[i], errs[i] = sqlite.Open(t.Context(), url, sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
		})
	}
	wg.Wait()
	for i := range replicas {
		require.NoError(t, errs[i])
		t.Cleanup(func() { require.NoError(t, dbs[i].Close()) })
	}
	var n, top int
	require.NoError(t, dbs[0].R.QueryRowContext(t.Context(), `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &top))
	require.Equal(t, sqlite.LatestVersion(), n, "each migration recorded once")
	require.Equal(t, sqlite.LatestVersion(), top)
}

// The statements are written with SQLite's placeholders, '?' and '?N';
// on PostgreSQL they are rebound, and booleans stored as 0 and 1 as the
// schema's INTEGER flags expect.
func TestPostgresPlaceholdersAndFlags(t *testing.T) {
	t.Parallel()
	db, err := sqlite.Open(t.Context(), pgtest.URL(t), sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	require.True(t, db.Postgres())
	var a, b int64
	var s string
	require.NoError(t, db.R.QueryRowContext(t.Context(), `SELECT CAST(?2 AS BIGINT), CAST(?1 AS BIGINT) + 1, '?' || CAST(? AS TEXT)`,
		int64(1), int64(7)).Scan(&a, &b, &s))
	require.Equal(t, []any{int64(7), int64(2), "?1"}, []any{a, b, s})
	require.NoError(t, db.WriteTx(t.Context(), func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE flags (v INTEGER NOT NULL) -- a comment with a ? in it`)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO flags (v) VALUES (?), (?)`, true, false)
		return err
	}))
	var on, off bool
	require.NoError(t, db.R.QueryRowContext(t.Context(), `SELECT max(v) = 1, min(v) = 0 FROM flags`).Scan(&on, &off))
	require.True(t, on && off)
}

// A message committed through one replica wakes the dispatcher of another
// at once (LISTEN/NOTIFY), not at its next poll; a rolled-back one wakes
// nobody, and a replica is not woken twice by its own commits.
func TestPostgresOutboxAlarmAcrossReplicas(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	open := func(alarm *outbox.Alarm) *sqlite.DB {
		db, err := sqlite.Open(t.Context(), url, sqlite.Options{Alarm: alarm, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, db.Close()) })
		return db
	}
	alarmA, alarmB := outbox.NewAlarm(), outbox.NewAlarm()
	a, b := open(alarmA), open(alarmB)
	due := time.UnixMilli(1_800_000_000_000).UTC()
	enqueue := func(db *sqlite.DB, at time.Time, fail error) error {
		return db.InTx(t.Context(), func(tx booking.Tx) error {
			if err := tx.Enqueue(t.Context(), outbox.Message{ID: uuid.NewString(), Kind: outbox.KindBookingReminder,
				Payload: []byte(`{}`), DueAt: at, CreatedAt: at}); err != nil {
				return err
			}
			return fail
		})
	}
	boom := errors.New("boom")
	require.ErrorIs(t, enqueue(b, due.Add(-time.Hour), boom), boom)
	require.NoError(t, enqueue(b, due, nil))
	select {
	case <-alarmA.C():
	case <-time.After(10 * time.Second):
		t.Fatal("replica A was not woken by B's commit")
	}
	got, ok := alarmA.Take()
	require.True(t, ok)
	require.Equal(t, due, got, "the committed message's due time, not the rolled-back one's")

	// B's own alarm was set by its commit, once.
	<-alarmB.C()
	got, ok = alarmB.Take()
	require.True(t, ok)
	require.Equal(t, due, got)
	require.NoError(t, enqueue(a, due.Add(time.Minute), nil))
	select {
	case <-alarmB.C():
	case <-time.After(10 * time.Second):
		t.Fatal("replica B was not woken by A's commit")
	}
	got, _ = alarmB.Take()
	require.Equal(t, due.Add(time.Minute), got)
}
