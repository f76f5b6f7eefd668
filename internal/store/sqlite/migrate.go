package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The schema ships inside the binary so a server can never run against a
// schema it was not built for.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// embeddedMigrations returns the embedded set with the .sql files at its root,
// the layout Migrate expects.
func embeddedMigrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // "migrations" is a valid literal path: cannot happen
	}
	return sub
}

// TooNewError reports a database migrated by a newer varco. Running against it
// could corrupt data the old code does not understand, so Open refuses.
type TooNewError struct {
	DBVersion   int // highest migration recorded in the database
	CodeVersion int // highest migration this binary carries
}

// Error tells the operator what to do.
func (e *TooNewError) Error() string {
	return fmt.Sprintf("database schema version %d is newer than this binary supports (%d): upgrade varco or restore a backup",
		e.DBVersion, e.CodeVersion)
}

type migration struct {
	version int
	name    string // file name, recorded for the audit trail
	sql     string
}

// migrationName is NNNN_description.sql. A .sql file that does not match is an
// error, not skipped: a typo must not silently drop a schema change.
var migrationName = regexp.MustCompile(`^([0-9]{4})_([A-Za-z0-9_\-]+)\.sql$`)

// loadMigrations reads the .sql files at the root of fsys, sorted by number,
// and checks they are numbered 1, 2, 3... with no gap or duplicate, so two
// branches that both add migration 0007 fail loudly after a merge.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("sqlite: read migrations: %w", err)
	}
	var ms []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("sqlite: migration %q: name must be NNNN_description.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		body, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, fmt.Errorf("sqlite: read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(body)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlite: migrations must be numbered contiguously from 1: found %s where %04d was expected", m.name, i+1)
		}
	}
	return ms, nil
}

var embedded = sync.OnceValues(func() ([]migration, error) { return loadMigrations(embeddedMigrations()) })

// LatestVersion is the schema version of the migrations embedded in this
// binary. It panics if the embedded set is malformed, a build defect that
// the package tests catch.
func LatestVersion() int {
	ms, err := embedded()
	if err != nil {
		panic(err)
	}
	return len(ms)
}

// Querier is what SchemaVersion needs: *sql.DB, *sql.Conn and *sql.Tx all fit.
type Querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// SchemaVersion returns the highest migration applied to the database, 0 for
// a database never migrated.
func SchemaVersion(ctx context.Context, q Querier) (int, error) {
	return schemaVersion(ctx, q, sqliteDialect)
}

// SchemaVersion returns the highest migration applied to db.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	return schemaVersion(ctx, db.R, db.dialect)
}

func schemaVersion(ctx context.Context, q Querier, d dialect) (int, error) {
	exists := `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'`
	if d == postgresDialect {
		exists = `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'`
	}
	var n int
	if err := q.QueryRowContext(ctx, exists).Scan(&n); err != nil {
		return 0, fmt.Errorf("sqlite: schema version: %w", err)
	}
	if n == 0 {
		return 0, nil
	}
	var v int
	if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("sqlite: schema version: %w", err)
	}
	return v, nil
}

// Migrate applies the migrations in fsys (NNNN_description.sql files at its
// root) that the database has not seen yet and returns how many it applied.
// Each one runs in its own transaction together with its schema_migrations
// row, so a failure leaves the database at the previous version with no
// partial changes (SQLite DDL is transactional). A database newer than fsys
// is refused with *TooNewError. w should be the writer pool (BEGIN IMMEDIATE).
//
// The version lives in a schema_migrations table rather than PRAGMA
// user_version: both commit atomically with the migration, but the table also
// records which file was applied when, which is what an operator wants to see
// after an upgrade goes wrong.
//
// Migration authors: PRAGMA foreign_keys cannot change inside a transaction;
// for a table rebuild use PRAGMA defer_foreign_keys = ON in the migration.
func Migrate(ctx context.Context, w *sql.DB, fsys fs.FS) (applied int, err error) {
	return migrate(ctx, w, fsys, slog.Default())
}

func migrate(ctx context.Context, w *sql.DB, fsys fs.FS, log *slog.Logger) (int, error) {
	ms, err := loadMigrations(fsys)
	if err != nil {
		return 0, err
	}
	if _, err := w.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL)`); err != nil {
		return 0, fmt.Errorf("sqlite: create schema_migrations: %w", err)
	}
	applied := 0
	for _, m := range ms {
		done, err := applyOne(ctx, w, m, len(ms))
		if err != nil {
			return applied, err
		}
		if done {
			applied++
			log.InfoContext(ctx, "applied migration", "version", m.version, "name", m.name)
		}
	}
	// Also catches a newer database when nothing was left to apply.
	v, err := SchemaVersion(ctx, w)
	if err != nil {
		return applied, err
	}
	if v > len(ms) {
		return applied, &TooNewError{DBVersion: v, CodeVersion: len(ms)}
	}
	return applied, nil
}

// applyOne applies m unless the database already has it. The version is read
// inside the same write transaction, so two processes starting together
// cannot both apply m.
func applyOne(ctx context.Context, w *sql.DB, m migration, latest int) (bool, error) {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("sqlite: migration %s: begin: %w", m.name, err)
	}
	defer func() { _ = tx.Rollback() }() // no-op after Commit
	v, err := SchemaVersion(ctx, tx)
	if err != nil {
		return false, err
	}
	if v > latest {
		return false, &TooNewError{DBVersion: v, CodeVersion: latest}
	}
	if v >= m.version {
		return false, nil
	}
	if v != m.version-1 {
		return false, fmt.Errorf("sqlite: migration %s: database is at version %d", m.name, v)
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("sqlite: migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, `+sqliteDialect.nowText()+`)`,
		m.version, m.name); err != nil {
		return false, fmt.Errorf("sqlite: migration %s: record version: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("sqlite: migration %s: commit: %w", m.name, err)
	}
	return true, nil
}
