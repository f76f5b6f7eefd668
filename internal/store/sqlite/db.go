// Package sqlite is varco's store: connection setup, embedded schema
// migrations and the transaction helpers the store files in this package
// build on. It runs on SQLite (a file path, the default) or on PostgreSQL
// (a postgres:// URL, for several replicas on one database); the
// statements are shared, the differences live in dialect.go and
// postgres.go.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" cgo driver

	"github.com/varco-gate/varco/internal/outbox"
)

// Options tunes Open. The zero value is valid.
type Options struct {
	// Readers is the size of the read-only pool; default max(4, GOMAXPROCS).
	// WAL lets readers run concurrently with the single writer, so more
	// readers than CPUs buys little.
	Readers int
	// BusyTimeout is how long a connection waits for a lock held by another
	// process (backup tool, sqlite3 shell) before failing; default 5s.
	BusyTimeout time.Duration
	// Logger receives migration and startup messages; default slog.Default().
	Logger *slog.Logger
	// Writers is the size of the PostgreSQL write pool; default
	// DefaultPostgresWriters. SQLite always has one writer connection.
	Writers int
	// Alarm, when set, is told the earliest due time of the outbox
	// messages each booking or scan transaction commits, so this
	// process's dispatcher sends them on time without waiting a poll.
	Alarm *outbox.Alarm
	// OnCommit, when set, is called after each group commit with the
	// number of write transactions it made durable (metrics). It runs on
	// the committer's goroutine, so it must be quick.
	OnCommit func(ops int)
}

// DB holds the two pools of one database file. Write through W, read through R.
type DB struct {
	// W has exactly one connection and begins every transaction with
	// BEGIN IMMEDIATE: writes are serialized in Go, and a transaction that
	// reads then writes (the capacity check) never hits SQLITE_BUSY on the
	// lock upgrade.
	W *sql.DB
	// R is a pool of query_only connections; in WAL mode each read
	// transaction sees a consistent snapshot without blocking the writer.
	R    *sql.DB
	path string
	// commits batches the write transactions (batch.go).
	commits *committer
	alarm   *outbox.Alarm
	dialect dialect
	// retries counts PostgreSQL transactions run again (postgres.go).
	retries atomic.Int64
	// instance and listener carry outbox wake-ups between PostgreSQL
	// replicas (pgnotify.go).
	instance string
	listener *outboxListener
}

// Open opens (creating if needed) the database at path, applies the embedded
// migrations with the writer, then opens the reader pool. It fails if the
// database is newer than this binary (*TooNewError) or if SQLite did not
// honour WAL, foreign keys, busy timeout or query_only.
//
// A postgres:// or postgresql:// URL opens that PostgreSQL database instead
// (postgres.go), migrating it under an advisory lock.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if IsPostgresURL(path) {
		return openPostgres(ctx, path, opts)
	}
	if opts.Readers <= 0 {
		opts.Readers = max(4, runtime.GOMAXPROCS(0))
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = 5 * time.Second
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db := &DB{path: abs, alarm: opts.Alarm}

	db.W, err = openPool(ctx, writerDSN(abs, opts.BusyTimeout), 1, pragmas{queryOnly: 0, busy: opts.BusyTimeout})
	if err != nil {
		return nil, fmt.Errorf("sqlite: open writer %s: %w", abs, err)
	}
	if _, err := migrate(ctx, db.W, embeddedMigrations(), opts.Logger); err != nil {
		_ = db.W.Close()
		return nil, err
	}
	// Readers open after migrating: the file is WAL by now, so they never
	// need to change the journal mode, which query_only would forbid.
	db.R, err = openPool(ctx, readerDSN(abs, opts.BusyTimeout), opts.Readers, pragmas{queryOnly: 1, busy: opts.BusyTimeout})
	if err != nil {
		_ = db.W.Close()
		return nil, fmt.Errorf("sqlite: open readers %s: %w", abs, err)
	}
	db.commits = newCommitter(db.W, nil, &db.retries, opts.OnCommit)
	return db, nil
}

// Path returns the absolute path of the database file, or the PostgreSQL
// URL without its password.
func (db *DB) Path() string { return db.path }

// Postgres reports whether db runs on PostgreSQL.
func (db *DB) Postgres() bool { return db.dialect == postgresDialect }

// Close closes the readers, then the writer: the last connection to close
// checkpoints the WAL into the main file, and the writer runs with
// synchronous=FULL.
func (db *DB) Close() error {
	db.commits.close()
	db.listener.close()
	return errors.Join(db.R.Close(), db.W.Close())
}

// pointRead drops ctx's cancellation for a read that finds a few rows by
// key. go-sqlite3 watches a cancellable context with a goroutine per
// statement so it can interrupt it; for a read of microseconds that costs
// more than the read (≈ 7.8 µs against ≈ 4.7 µs for the catalog version),
// and there is nothing to interrupt.
func pointRead(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// WriteTx runs fn in a write transaction on the writer: all of fn's writes
// or none. It is rolled back if fn fails or panics (the panic is re-raised
// here). When WriteTx returns nil the commit is durable on disk.
//
// fn may share its SQLite transaction with others queued at the same time
// (group commit, see batch.go), in a savepoint of its own. It must use the
// ctx it is given, not the caller's: that one cannot be cancelled, because
// an interrupted statement would roll back the whole shared transaction.
// A caller whose ctx has ended before fn starts gets ctx.Err() and fn does
// not run.
//
// On PostgreSQL the shared transaction is SERIALIZABLE and a batch that
// loses a conflict with another replica runs again (postgres.go): fn may
// run more than once, so it must overwrite, not accumulate, whatever it
// leaves outside the transaction.
func (db *DB) WriteTx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return db.commits.submit(ctx, fn)
}

// ReadTx runs fn in a read transaction on a reader so that all its queries
// see one snapshot. The transaction is always rolled back: readers cannot
// write (query_only), so there is nothing to commit.
func (db *DB) ReadTx(ctx context.Context, fn func(*sql.Tx) error) error {
	if db.dialect == postgresDialect {
		// PostgreSQL's default READ COMMITTED takes a snapshot per
		// statement; REPEATABLE READ keeps one for the transaction.
		return runTxOpts(ctx, db.R, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}, fn, false)
	}
	return runTx(ctx, db.R, fn, false)
}

func runTx(ctx context.Context, pool *sql.DB, fn func(*sql.Tx) error, commit bool) (err error) {
	return runTxOpts(ctx, pool, nil, fn, commit)
}

func runTxOpts(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(*sql.Tx) error, commit bool) (err error) {
	tx, err := pool.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		if rbErr := tx.Rollback(); rbErr != nil && !errors.Is(rbErr, sql.ErrTxDone) {
			return errors.Join(err, fmt.Errorf("sqlite: rollback: %w", rbErr))
		}
		return err
	}
	if !commit {
		return tx.Rollback()
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}

// writerDSN: WAL so readers never block the writer; foreign keys because
// SQLite leaves them off by default; _txlock=immediate so every transaction
// takes the write lock up front; synchronous=FULL because in WAL mode NORMAL
// (the driver's default with WAL) may lose the last commits on power loss,
// and an acknowledged booking must survive that; _stmt_cache_size so the
// hot statements are compiled once per connection instead of on every call
// (preparing was a fifth of the writer's CPU in a booking rush).
func writerDSN(abs string, busy time.Duration) string {
	return fileURI(abs) + "?_journal_mode=WAL&_foreign_keys=on&_busy_timeout=" +
		fmt.Sprint(busy.Milliseconds()) + "&_txlock=immediate&_synchronous=FULL&_stmt_cache_size=" + fmt.Sprint(stmtCacheSize)
}

// mmapSize is the part of the database file read through a memory map.
const mmapSize = 256 << 20

// stmtCacheSize is the prepared statements kept per connection: more than
// the distinct statements of the hot paths.
const stmtCacheSize = 256

// readerDSN: no _journal_mode (WAL is persistent in the file, and a reader
// must never be the one to switch it); _query_only so a store bug that
// writes through R fails instead of bypassing the single writer;
// synchronous=FULL matters only if a reader is the last connection and
// checkpoints on close.
func readerDSN(abs string, busy time.Duration) string {
	return fileURI(abs) + "?_foreign_keys=on&_busy_timeout=" +
		fmt.Sprint(busy.Milliseconds()) + "&_txlock=deferred&_query_only=true&_synchronous=FULL&_stmt_cache_size=" + fmt.Sprint(stmtCacheSize)
}

// fileURI escapes abs by SQLite's URI rules: the driver splits the DSN at
// the first '?', and SQLite decodes %XX in the path, so '?', '#', '%' and
// spaces in a directory name survive. abs is absolute, so it never starts
// with "//" (which SQLite would read as an authority).
func fileURI(abs string) string {
	return "file:" + (&url.URL{Path: filepath.ToSlash(abs)}).EscapedPath()
}

type pragmas struct {
	queryOnly int
	busy      time.Duration
}

// openPool opens a pool of n connections, opens all of them now and checks
// each one, so a misconfiguration (e.g. a filesystem without WAL support)
// fails at start rather than on the first booking.
func openPool(ctx context.Context, dsn string, n int, want pragmas) (*sql.DB, error) {
	pool, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, err
	}
	pool.SetMaxOpenConns(n)
	pool.SetMaxIdleConns(n)
	// Keep connections forever: reopening one redoes the pragmas and
	// throws away its page cache for nothing.
	pool.SetConnMaxLifetime(0)
	pool.SetConnMaxIdleTime(0)
	conns := make([]*sql.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range n {
		c, err := pool.Conn(ctx)
		if err != nil {
			_ = pool.Close()
			return nil, err
		}
		conns = append(conns, c)
		// Memory-mapped reads: a reader's page cache is emptied whenever
		// the writer has committed since its last read, so under a rush
		// every query re-reads its B-tree pages; through the map that is a
		// memory copy instead of a pread system call per page. Only a
		// performance setting, so a connection the pool reopens later
		// without it still works.
		if _, err := c.ExecContext(ctx, fmt.Sprintf("PRAGMA mmap_size = %d", mmapSize)); err != nil {
			_ = pool.Close()
			return nil, fmt.Errorf("set mmap_size: %w", err)
		}
		if err := checkPragmas(ctx, c, want); err != nil {
			_ = pool.Close()
			return nil, err
		}
	}
	return pool, nil
}

func checkPragmas(ctx context.Context, c *sql.Conn, want pragmas) error {
	var mode string
	var fk, busy, qo, sync int
	for _, p := range []struct {
		name string
		dst  any
	}{
		{"journal_mode", &mode}, {"foreign_keys", &fk}, {"busy_timeout", &busy},
		{"query_only", &qo}, {"synchronous", &sync},
	} {
		if err := c.QueryRowContext(ctx, "PRAGMA "+p.name).Scan(p.dst); err != nil {
			return fmt.Errorf("read PRAGMA %s: %w", p.name, err)
		}
	}
	switch {
	case mode != "wal":
		return fmt.Errorf("journal_mode is %q, want wal (WAL needs a local filesystem with shared memory)", mode)
	case fk != 1:
		return fmt.Errorf("foreign_keys is %d, want 1", fk)
	case int64(busy) != want.busy.Milliseconds():
		return fmt.Errorf("busy_timeout is %dms, want %dms", busy, want.busy.Milliseconds())
	case qo != want.queryOnly:
		return fmt.Errorf("query_only is %d, want %d", qo, want.queryOnly)
	case sync != 2: // FULL
		return fmt.Errorf("synchronous is %d, want 2 (FULL)", sync)
	}
	return nil
}

// Ping reports whether the database answers a query now, on both pools:
// the server's health says NOT_SERVING while it does not (a PostgreSQL
// server down or unreachable; a SQLite file on a failed disk).
func (db *DB) Ping(ctx context.Context) error {
	for _, pool := range []*sql.DB{db.W, db.R} {
		var one int
		if err := pool.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
			return fmt.Errorf("database ping: %w", err)
		}
	}
	return nil
}
