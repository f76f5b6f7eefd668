package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"
	"github.com/stretchr/testify/require"
)

// rawWriter opens a writer pool on a fresh file without migrating, so tests
// can drive Migrate with their own migration sets.
func rawWriter(t testing.TB) *sql.DB {
	t.Helper()
	w, err := sql.Open("sqlite3", writerDSN(filepath.Join(t.TempDir(), "varco.db"), 5*time.Second))
	require.NoError(t, err)
	w.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = w.Close() })
	return w
}

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), nil))
}

func openTest(t testing.TB, path string) *DB {
	t.Helper()
	db, err := Open(t.Context(), path, Options{Logger: testLogger(t)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	return db
}

// subset returns the embedded migrations numbered 1..n as a MapFS.
func subset(t *testing.T, n int) fstest.MapFS {
	t.Helper()
	ms, err := loadMigrations(embeddedMigrations())
	require.NoError(t, err)
	out := fstest.MapFS{}
	for _, m := range ms[:n] {
		out[m.name] = &fstest.MapFile{Data: []byte(m.sql)}
	}
	return out
}

func tableExists(t *testing.T, q Querier, name string) bool {
	t.Helper()
	var n int
	require.NoError(t, q.QueryRowContext(t.Context(),
		`SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?`, name).Scan(&n))
	return n == 1
}

func synthetic(stmts ...string) fstest.MapFS {
	out := fstest.MapFS{}
	for i, s := range stmts {
		out[fmt.Sprintf("%04d_step%d.sql", i+1, i+1)] = &fstest.MapFile{Data: []byte(s)}
	}
	return out
}

func TestEmbeddedMigrationsAreValid(t *testing.T) {
	t.Parallel()
	ms, err := loadMigrations(embeddedMigrations())
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	require.Equal(t, len(ms), LatestVersion())
}

// (a)
func TestMigrateFreshDatabase(t *testing.T) {
	t.Parallel()
	w := rawWriter(t)
	n, err := Migrate(t.Context(), w, embeddedMigrations())
	require.NoError(t, err)
	require.Equal(t, LatestVersion(), n)
	v, err := SchemaVersion(t.Context(), w)
	require.NoError(t, err)
	require.Equal(t, LatestVersion(), v)

	var rows int
	require.NoError(t, w.QueryRow(`SELECT count(*) FROM schema_migrations WHERE name <> '' AND applied_at LIKE '____-__-__T__:__:__.___Z'`).Scan(&rows))
	require.Equal(t, LatestVersion(), rows, "one audit row per migration")
}

// (b) with the real migrations: a database one release behind gets exactly
// the newest migration.
func TestMigrateFromPreviousVersion(t *testing.T) {
	t.Parallel()
	w := rawWriter(t)
	latest := LatestVersion()
	n, err := Migrate(t.Context(), w, subset(t, latest-1))
	require.NoError(t, err)
	require.Equal(t, latest-1, n)

	n, err = Migrate(t.Context(), w, embeddedMigrations())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	v, err := SchemaVersion(t.Context(), w)
	require.NoError(t, err)
	require.Equal(t, latest, v)
}

// (b) again with a synthetic set, so the path 1..N-1 -> N is exercised even
// while the embedded set has a single migration.
func TestMigrateFromPreviousVersionSynthetic(t *testing.T) {
	t.Parallel()
	w := rawWriter(t)
	all := synthetic(`CREATE TABLE a(x INTEGER)`, `CREATE TABLE b(x INTEGER)`, `ALTER TABLE b ADD COLUMN y TEXT`)
	old := fstest.MapFS{"0001_step1.sql": all["0001_step1.sql"], "0002_step2.sql": all["0002_step2.sql"]}
	n, err := Migrate(t.Context(), w, old)
	require.NoError(t, err)
	require.Equal(t, 2, n)
	n, err = Migrate(t.Context(), w, all)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	_, err = w.Exec(`INSERT INTO b(x, y) VALUES (1, 'ok')`)
	require.NoError(t, err)
}

// (c)
func TestMigrateRefusesNewerDatabase(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "varco.db")
	db := openTest(t, path)
	latest := LatestVersion()
	_, err := db.W.Exec(`INSERT INTO schema_migrations VALUES (?, 'from_the_future.sql', 'x')`, latest+2)
	require.NoError(t, err)

	n, err := Migrate(t.Context(), db.W, embeddedMigrations())
	require.Zero(t, n)
	var tooNew *TooNewError
	require.ErrorAs(t, err, &tooNew)
	require.Equal(t, TooNewError{DBVersion: latest + 2, CodeVersion: latest}, *tooNew)
	require.Contains(t, err.Error(), fmt.Sprintf("version %d is newer", latest+2))
	require.Contains(t, err.Error(), fmt.Sprintf("supports (%d)", latest))

	// The server's entry point refuses it too.
	_, err = Open(t.Context(), path, Options{Logger: testLogger(t)})
	require.ErrorAs(t, err, &tooNew)

	// And an older binary (fewer migrations) with nothing left to apply.
	_, err = Migrate(t.Context(), db.W, synthetic())
	require.ErrorAs(t, err, &tooNew)
}

// (d)
func TestFailingMigrationLeavesNoTrace(t *testing.T) {
	t.Parallel()
	w := rawWriter(t)
	fsys := synthetic(
		`CREATE TABLE a(x INTEGER)`,
		`CREATE TABLE b(x INTEGER); INSERT INTO a VALUES (1); THIS IS NOT SQL;`,
	)
	n, err := Migrate(t.Context(), w, fsys)
	require.ErrorContains(t, err, "0002_step2.sql")
	require.Equal(t, 1, n)

	v, err := SchemaVersion(t.Context(), w)
	require.NoError(t, err)
	require.Equal(t, 1, v)
	require.True(t, tableExists(t, w, "a"))
	require.False(t, tableExists(t, w, "b"), "DDL of the failed migration rolled back")
	var rows int
	require.NoError(t, w.QueryRow(`SELECT count(*) FROM a`).Scan(&rows))
	require.Zero(t, rows, "DML of the failed migration rolled back")

	// Fixing the migration lets the next start finish the job.
	fsys["0002_step2.sql"] = &fstest.MapFile{Data: []byte(`CREATE TABLE b(x INTEGER); INSERT INTO a VALUES (1);`)}
	n, err = Migrate(t.Context(), w, fsys)
	require.NoError(t, err)
	require.Equal(t, 1, n)
}

// (e)
func TestMigrationNumbering(t *testing.T) {
	t.Parallel()
	body := &fstest.MapFile{Data: []byte(`SELECT 1`)}
	for name, fsys := range map[string]fstest.MapFS{
		"gap":          {"0001_a.sql": body, "0003_c.sql": body},
		"not from one": {"0002_b.sql": body, "0003_c.sql": body},
		"duplicate":    {"0001_a.sql": body, "0001_b.sql": body, "0002_c.sql": body},
		"bad name":     {"0001_a.sql": body, "2_b.sql": body},
		"no desc":      {"0001_a.sql": body, "0002.sql": body},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := rawWriter(t)
			n, err := Migrate(t.Context(), w, fsys)
			require.Error(t, err)
			require.Zero(t, n)
			require.False(t, tableExists(t, w, "schema_migrations"), "rejected before touching the database")
		})
	}
	// Files that are not .sql (a README) are ignored.
	_, err := loadMigrations(fstest.MapFS{"0001_a.sql": body, "README.md": &fstest.MapFile{}})
	require.NoError(t, err)
}

// (g)
func TestMigrateTwiceIsNoop(t *testing.T) {
	t.Parallel()
	w := rawWriter(t)
	_, err := Migrate(t.Context(), w, embeddedMigrations())
	require.NoError(t, err)
	n, err := Migrate(t.Context(), w, embeddedMigrations())
	require.NoError(t, err)
	require.Zero(t, n)

	// Reopening through Open is a no-op as well.
	path := filepath.Join(t.TempDir(), "varco.db")
	require.NoError(t, openTest(t, path).Close())
	db := openTest(t, path)
	v, err := SchemaVersion(t.Context(), db.R)
	require.NoError(t, err)
	require.Equal(t, LatestVersion(), v)
}

func pragmaInt(t *testing.T, q Querier, name string) int {
	t.Helper()
	var v int
	require.NoError(t, q.QueryRowContext(t.Context(), "PRAGMA "+name).Scan(&v))
	return v
}

// (f) pragmas, on a path that needs URI escaping.
func TestOpenPragmas(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "dati comune?#50%")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	path := filepath.Join(dir, "varco db?.sqlite")
	db, err := Open(t.Context(), path, Options{Readers: 3, BusyTimeout: 1500 * time.Millisecond, Logger: testLogger(t)})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	require.FileExists(t, path, "the file lands exactly at path, not at an unescaped prefix")
	require.Equal(t, path, db.Path())

	for name, pool := range map[string]*sql.DB{"writer": db.W, "reader": db.R} {
		var mode string
		require.NoError(t, pool.QueryRow(`PRAGMA journal_mode`).Scan(&mode))
		require.Equal(t, "wal", mode, name)
		require.Equal(t, 1, pragmaInt(t, pool, "foreign_keys"), name)
		require.Equal(t, 1500, pragmaInt(t, pool, "busy_timeout"), name)
		require.Equal(t, 2, pragmaInt(t, pool, "synchronous"), name+": FULL")
	}
	require.Equal(t, 0, pragmaInt(t, db.W, "query_only"))
	require.Equal(t, 1, pragmaInt(t, db.R, "query_only"))
	require.Equal(t, 1, db.W.Stats().MaxOpenConnections)
	require.Equal(t, 3, db.R.Stats().MaxOpenConnections)
	require.Equal(t, 3, db.R.Stats().OpenConnections, "every reader opened and checked at start")

	// Foreign keys are enforced on the writer.
	_, err = db.W.Exec(`CREATE TABLE parent(id INTEGER PRIMARY KEY); CREATE TABLE child(p INTEGER REFERENCES parent(id))`)
	require.NoError(t, err)
	_, err = db.W.Exec(`INSERT INTO child VALUES (42)`)
	require.ErrorContains(t, err, "FOREIGN KEY")

	// Readers cannot write, neither directly nor inside ReadTx.
	var sqlErr sqlite3.Error
	_, err = db.R.Exec(`INSERT INTO parent VALUES (1)`)
	require.ErrorAs(t, err, &sqlErr)
	require.Equal(t, sqlite3.ErrReadonly, sqlErr.Code)
	err = db.ReadTx(t.Context(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TABLE nope(x)`)
		return err
	})
	require.ErrorAs(t, err, &sqlErr)
	require.Equal(t, sqlite3.ErrReadonly, sqlErr.Code)
}

func TestOpenDefaults(t *testing.T) {
	t.Parallel()
	db := openTest(t, filepath.Join(t.TempDir(), "varco.db"))
	require.GreaterOrEqual(t, db.R.Stats().MaxOpenConnections, 4)
	require.Equal(t, 5000, pragmaInt(t, db.W, "busy_timeout"))
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	_, err := Open(t.Context(), "", Options{})
	require.Error(t, err)
	_, err = Open(t.Context(), filepath.Join(t.TempDir(), "missing-dir", "varco.db"), Options{Logger: testLogger(t)})
	require.ErrorContains(t, err, "missing-dir")
}

func setupCounter(t testing.TB, db *DB) {
	t.Helper()
	_, err := db.W.Exec(`CREATE TABLE IF NOT EXISTS counter(id INTEGER PRIMARY KEY, n INTEGER NOT NULL);
		INSERT OR IGNORE INTO counter VALUES (1, 0)`)
	require.NoError(t, err)
}

// increment is a read-modify-write: it loses updates unless transactions are
// serialized.
func increment(_ context.Context, tx *sql.Tx) error {
	var n int
	if err := tx.QueryRow(`SELECT n FROM counter WHERE id = 1`).Scan(&n); err != nil {
		return err
	}
	_, err := tx.Exec(`UPDATE counter SET n = ? WHERE id = 1`, n+1)
	return err
}

func hammer(t *testing.T, dbs []*DB, goroutines int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for i := range goroutines {
		db := dbs[i%len(dbs)]
		wg.Go(func() { errs <- db.WriteTx(t.Context(), increment) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "no 'database is locked' or lost update")
	}
	var n int
	require.NoError(t, dbs[0].ReadTx(t.Context(), func(tx *sql.Tx) error {
		return tx.QueryRow(`SELECT n FROM counter WHERE id = 1`).Scan(&n)
	}))
	require.Equal(t, goroutines, n)
}

// (f) one writer serializes concurrent transactions in this process.
func TestWriteTxSerializes(t *testing.T) {
	t.Parallel()
	db := openTest(t, filepath.Join(t.TempDir(), "varco.db"))
	setupCounter(t, db)
	hammer(t, []*DB{db}, 50)
}

// Two handles on one file stand in for two processes (a server and an ops
// tool): BEGIN IMMEDIATE plus the busy timeout make them queue instead of
// failing with SQLITE_BUSY on a lock upgrade.
func TestWriteTxAcrossHandles(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "varco.db")
	a, b := openTest(t, path), openTest(t, path)
	setupCounter(t, a)
	hammer(t, []*DB{a, b}, 50)
}

func TestWriteTxRollsBack(t *testing.T) {
	t.Parallel()
	db := openTest(t, filepath.Join(t.TempDir(), "varco.db"))
	setupCounter(t, db)
	boom := errors.New("boom")

	err := db.WriteTx(t.Context(), func(_ context.Context, tx *sql.Tx) error {
		require.NoError(t, increment(t.Context(), tx))
		return boom
	})
	require.ErrorIs(t, err, boom)

	require.PanicsWithValue(t, "kaboom", func() {
		_ = db.WriteTx(t.Context(), func(_ context.Context, tx *sql.Tx) error {
			require.NoError(t, increment(t.Context(), tx))
			panic("kaboom")
		})
	})

	// Neither increment landed, and the writer is free again.
	require.NoError(t, db.WriteTx(t.Context(), increment))
	require.Equal(t, 1, pragmaIntQuery(t, db.R, `SELECT n FROM counter WHERE id = 1`))
}

func pragmaIntQuery(t *testing.T, q Querier, query string) int {
	t.Helper()
	var v int
	require.NoError(t, q.QueryRowContext(t.Context(), query).Scan(&v))
	return v
}

// ReadTx sees one snapshot even while the writer commits in between.
func TestReadTxSnapshot(t *testing.T) {
	t.Parallel()
	db := openTest(t, filepath.Join(t.TempDir(), "varco.db"))
	setupCounter(t, db)
	require.NoError(t, db.ReadTx(t.Context(), func(tx *sql.Tx) error {
		before := pragmaIntQuery(t, tx, `SELECT n FROM counter WHERE id = 1`)
		require.NoError(t, db.WriteTx(t.Context(), increment), "a reader never blocks the writer")
		require.Equal(t, before, pragmaIntQuery(t, tx, `SELECT n FROM counter WHERE id = 1`))
		return nil
	}))
	require.Equal(t, 1, pragmaIntQuery(t, db.R, `SELECT n FROM counter WHERE id = 1`))
}

func BenchmarkWriteTx(b *testing.B) {
	db, err := Open(b.Context(), filepath.Join(b.TempDir(), "varco.db"), Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(b, err)
	b.Cleanup(func() { _ = db.Close() })
	_, err = db.W.Exec(`CREATE TABLE bench(id INTEGER PRIMARY KEY, v TEXT NOT NULL)`)
	require.NoError(b, err)
	for b.Loop() {
		if err := db.WriteTx(b.Context(), func(_ context.Context, tx *sql.Tx) error {
			_, err := tx.Exec(`INSERT INTO bench(v) VALUES ('x')`)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
