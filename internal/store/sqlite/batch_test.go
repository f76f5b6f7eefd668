package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// holdWriter occupies the committer with a transaction that waits for
// release, so the test can queue a known set of transactions behind it.
func holdWriter(t *testing.T, db *DB) (release func(), done <-chan error) {
	t.Helper()
	started, unblock := make(chan struct{}), make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- db.WriteTx(t.Context(), func(ctx context.Context, tx *sql.Tx) error {
			close(started)
			<-unblock
			return increment(ctx, tx)
		})
	}()
	<-started
	return func() { close(unblock) }, errc
}

// waitQueued yields until n transactions wait in the committer's queue.
func waitQueued(db *DB, n int) {
	for len(db.commits.queue) < n {
		runtime.Gosched()
	}
}

// Transactions queued while the writer is busy are committed together, and
// one that fails is rolled back alone: the others of its batch land.
func TestGroupCommitBatchesAndIsolatesFailures(t *testing.T) {
	t.Parallel()
	db := openTest(t, filepath.Join(t.TempDir(), "varco.db"))
	setupCounter(t, db)
	opsBefore, commitsBefore := db.CommitStats()

	release, first := holdWriter(t, db)
	const n = 60
	boom := errors.New("boom")
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			errs[i] = db.WriteTx(t.Context(), func(ctx context.Context, tx *sql.Tx) error {
				if err := increment(ctx, tx); err != nil {
					return err
				}
				if i%3 == 0 {
					return fmt.Errorf("op %d: %w", i, boom) // its increment must vanish
				}
				return nil
			})
		})
	}
	waitQueued(db, n)
	release()
	require.NoError(t, <-first)
	wg.Wait()

	failed := 0
	for i, err := range errs {
		if i%3 == 0 {
			require.ErrorIs(t, err, boom)
			failed++
		} else {
			require.NoError(t, err)
		}
	}
	want := 1 + n - failed
	require.Equal(t, want, pragmaIntQuery(t, db.R, `SELECT n FROM counter WHERE id = 1`))
	ops, commits := db.CommitStats()
	require.Equal(t, int64(want), ops-opsBefore)
	require.Equal(t, int64(2), commits-commitsBefore, "the first transaction alone, then all queued ones in one commit")
}

// A panic in one transaction of a batch is re-raised in its caller only;
// a caller whose context ended while queued is told so and its function
// never runs.
func TestGroupCommitPanicAndCancelledCallers(t *testing.T) {
	t.Parallel()
	db := openTest(t, filepath.Join(t.TempDir(), "varco.db"))
	setupCounter(t, db)

	release, first := holdWriter(t, db)
	var wg sync.WaitGroup
	var panicked any
	wg.Go(func() {
		defer func() { panicked = recover() }()
		_ = db.WriteTx(t.Context(), func(ctx context.Context, tx *sql.Tx) error {
			if err := increment(ctx, tx); err != nil {
				return err
			}
			panic("kaboom")
		})
	})
	ctx, cancel := context.WithCancel(t.Context())
	ran := false
	var cancelledErr error
	wg.Go(func() {
		cancelledErr = db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
			ran = true
			return increment(ctx, tx)
		})
	})
	var okErr error
	wg.Go(func() { okErr = db.WriteTx(t.Context(), increment) })
	waitQueued(db, 3)
	cancel()
	release()
	require.NoError(t, <-first)
	wg.Wait()

	require.Equal(t, "kaboom", panicked)
	require.ErrorIs(t, cancelledErr, context.Canceled)
	require.False(t, ran)
	require.NoError(t, okErr)
	require.Equal(t, 2, pragmaIntQuery(t, db.R, `SELECT n FROM counter WHERE id = 1`), "the held one and the plain one")
}

// The context a transaction's function gets cannot be cancelled: a caller
// giving up mid-statement must not interrupt SQLite, which would roll back
// everyone's writes in the batch.
func TestWriteTxShieldsStatementsFromCancellation(t *testing.T) {
	t.Parallel()
	db := openTest(t, filepath.Join(t.TempDir(), "varco.db"))
	setupCounter(t, db)
	ctx, cancel := context.WithCancel(t.Context())
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		cancel()
		require.Nil(t, ctx.Done(), "no cancellation channel: go-sqlite3 runs the statement without an interrupt watcher")
		return increment(ctx, tx)
	})
	require.NoError(t, err)
	require.Equal(t, 1, pragmaIntQuery(t, db.R, `SELECT n FROM counter WHERE id = 1`))
}

func TestWriteTxAfterClose(t *testing.T) {
	t.Parallel()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "varco.db"), Options{Logger: testLogger(t)})
	require.NoError(t, err)
	require.NoError(t, db.Close())
	require.ErrorIs(t, db.WriteTx(t.Context(), increment), errClosed)
}

// BenchmarkWriteTxParallel is BenchmarkWriteTx with concurrent writers: the
// ratio of the two is what group commit buys.
func BenchmarkWriteTxParallel(b *testing.B) {
	db, err := Open(b.Context(), filepath.Join(b.TempDir(), "varco.db"), Options{Logger: testLogger(b)})
	require.NoError(b, err)
	b.Cleanup(func() { _ = db.Close() })
	_, err = db.W.Exec(`CREATE TABLE bench(id INTEGER PRIMARY KEY, v TEXT NOT NULL)`)
	require.NoError(b, err)
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := db.WriteTx(b.Context(), func(ctx context.Context, tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO bench(v) VALUES ('x')`)
				return err
			}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	ops, commits := db.CommitStats()
	b.ReportMetric(float64(ops)/float64(max(commits, 1)), "tx/commit")
}
