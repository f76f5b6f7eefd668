package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// PostgreSQL.
//
// Several server processes (replicas) may share one PostgreSQL database,
// so nothing here may rely on being the only writer, as the SQLite side
// does with its single connection. Every write transaction runs
// SERIALIZABLE: PostgreSQL then guarantees that the outcome is that of
// some serial order of the transactions, which is exactly the property
// the capacity checks (read usage, then take seats) and the other
// read-then-write transactions were written against on SQLite.
//
// Within one process the write transactions still go through the group
// committer (batch.go), one batch at a time, each function in its own
// savepoint: they never conflict with each other, and a batch commits
// with one WAL flush. Measured on the event rush (bench/rush, 500 clients
// on one slot), that is 355 confirmed bookings/s against 115 with a
// transaction per request (4 in flight, retrying their conflicts), and a
// p99 of 1.6 s against 12 s. Batches of different replicas may conflict:
// a batch that loses (a serialization failure or a deadlock, 40001 or
// 40P01, on a statement or at commit) is rolled back and run again as a
// whole, up to maxSerializationRetries times with jittered backoff. A
// transaction function may therefore run more than once.

// DefaultPostgresWriters is the default size of the PostgreSQL write pool:
// the group committer uses one connection, the webhook feeder's horizon
// and the migrations the others.
const DefaultPostgresWriters = 4

// maxSerializationRetries bounds the runs of a batch that keeps losing
// serialization conflicts to other replicas; its callers then get the
// error. PostgreSQL tracks reads by index page, so transactions on the
// same resource conflict even on different slots.
const maxSerializationRetries = 60

// advisoryMigrationLock is the pg_advisory_lock key held while migrating,
// so replicas starting together apply each migration once ("varco" in
// ASCII).
const advisoryMigrationLock int64 = 0x766172636f

// advisoryWriterLock is the pg_advisory_lock key a write batch holds while
// it runs ("varcow"): the batches of all replicas take turns, as the
// transactions of one process do on SQLite. Without it the batches of two
// replicas selling the same slot conflicted on every one (both update
// its slot_usage row): one was rolled back and ran again after a backoff,
// and the event rush on two replicas made 25 bookings/s on the loaded
// 2-core machine, the servers almost idle. Taking turns, a batch waits
// for the lock instead of being rolled back, and grows meanwhile, which
// is what group commit wants. The batches stay SERIALIZABLE, so
// correctness never depends on the lock; the claims of the outbox and
// webhook queues do not take it (claim.go).
const advisoryWriterLock int64 = 0x766172636f77

func openPostgres(ctx context.Context, url string, opts Options) (*DB, error) {
	writers := opts.Writers
	if writers <= 0 {
		writers = DefaultPostgresWriters
	}
	if opts.Readers <= 0 {
		opts.Readers = max(4, runtime.GOMAXPROCS(0))
	}
	binds := &rebinder{}
	db := &DB{path: redactURL(url), alarm: opts.Alarm, dialect: postgresDialect, instance: newInstanceID()}
	var err error
	if db.W, err = openPGPool(ctx, url, binds, writers, false); err != nil {
		return nil, fmt.Errorf("postgres: open writers: %w", err)
	}
	if _, err := migratePG(ctx, db.W, embeddedPGMigrations(), opts.Logger); err != nil {
		_ = db.W.Close()
		return nil, err
	}
	if db.R, err = openPGPool(ctx, url, binds, opts.Readers, true); err != nil {
		_ = db.W.Close()
		return nil, fmt.Errorf("postgres: open readers: %w", err)
	}
	db.commits = newCommitter(db.W, &sql.TxOptions{Isolation: sql.LevelSerializable}, &db.retries, opts.OnCommit)
	db.commits.writerLock = advisoryWriterLock
	if opts.Alarm != nil {
		if db.listener, err = listenOutbox(ctx, url, db.instance, opts.Alarm, opts.Logger); err != nil {
			return nil, errors.Join(err, db.R.Close(), db.W.Close())
		}
	}
	return db, nil
}

// openPGPool opens a pool of at most n connections. Reader connections
// default to read-only transactions, as SQLite's readers are query_only:
// a store bug that writes through R fails instead of skipping the write
// path's serializable transaction.
func openPGPool(ctx context.Context, url string, binds *rebinder, n int, readOnly bool) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if readOnly {
		cfg.RuntimeParams["default_transaction_read_only"] = "on"
	}
	pool := sql.OpenDB(pgConnector{inner: stdlib.GetConnector(*cfg), binds: binds})
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	// Unlike a SQLite connection, a PostgreSQL one can die with the
	// server or the network: recycle them now and then so a pool heals
	// after a failover without a restart.
	pool.SetConnMaxLifetime(30 * time.Minute)
	if err := pool.PingContext(ctx); err != nil {
		_ = pool.Close()
		return nil, err
	}
	return pool, nil
}

// backoff waits before the next run of a batch that lost a conflict: full jitter over an exponential window (1 ms, 2 ms, ... 16
// ms), so the transactions that collided do not all run again together.
func backoff(attempt int) {
	window := time.Millisecond << min(attempt, 4)
	time.Sleep(rand.N(window))
}

// SerializationRetries returns how many write batches ran again after a
// serialization failure or deadlock (PostgreSQL; always 0 on SQLite).
func (db *DB) SerializationRetries() int64 { return db.retries.Load() }

// retryable reports a serialization failure or a deadlock: the transaction
// was rolled back as a whole and running it again may succeed.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Code == "40001" || pe.Code == "40P01"
}

// uniqueViolation reports PostgreSQL's unique_violation and the name of
// the constraint or index that failed.
func uniqueViolation(err error) (string, bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return pe.TableName + "." + pe.ConstraintName, true
	}
	return "", false
}

// redactURL drops the password from a PostgreSQL URL, for Path and logs.
func redactURL(url string) string {
	cfg, err := pgconn.ParseConfig(url)
	if err != nil {
		return "postgres://"
	}
	return fmt.Sprintf("postgres://%s@%s:%d/%s", cfg.User, cfg.Host, cfg.Port, cfg.Database)
}
