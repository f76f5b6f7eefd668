package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
)

// The PostgreSQL schema: the same tables, columns, indexes and constraints
// as migrations/*.sql, numbered alike (migration N of one engine is
// migration N of the other), written in PostgreSQL's types: BIGINT for
// every integer (instants in ms do not fit INTEGER), BYTEA for blobs,
// identity columns where SQLite relies on INTEGER PRIMARY KEY, trigger
// functions for SQLite's trigger bodies.
//
//go:embed migrations/postgres/*.sql
var pgMigrationFiles embed.FS

func embeddedPGMigrations() fs.FS {
	sub, err := fs.Sub(pgMigrationFiles, "migrations/postgres")
	if err != nil {
		panic(err) // a valid literal path: cannot happen
	}
	return sub
}

// migratePG applies fsys's migrations to a PostgreSQL database. Replicas
// starting together serialize on a session advisory lock held for the
// whole run, so each migration is applied once; one that waited finds the
// work done. Each migration commits with its schema_migrations row, as on
// SQLite (PostgreSQL DDL is transactional too).
func migratePG(ctx context.Context, w *sql.DB, fsys fs.FS, log *slog.Logger) (int, error) {
	ms, err := loadMigrations(fsys)
	if err != nil {
		return 0, err
	}
	conn, err := w.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("postgres: migrate: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(?)`, advisoryMigrationLock); err != nil {
		return 0, fmt.Errorf("postgres: migration lock: %w", err)
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(?)`, advisoryMigrationLock)
	}()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL)`); err != nil {
		return 0, fmt.Errorf("postgres: create schema_migrations: %w", err)
	}
	applied := 0
	for _, m := range ms {
		done, err := applyOnePG(ctx, conn, m, len(ms))
		if err != nil {
			return applied, err
		}
		if done {
			applied++
			log.InfoContext(ctx, "applied migration", "version", m.version, "name", m.name, "engine", "postgres")
		}
	}
	v, err := schemaVersion(ctx, conn, postgresDialect)
	if err != nil {
		return applied, err
	}
	if v > len(ms) {
		return applied, &TooNewError{DBVersion: v, CodeVersion: len(ms)}
	}
	return applied, nil
}

func applyOnePG(ctx context.Context, conn *sql.Conn, m migration, latest int) (bool, error) {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("postgres: migration %s: begin: %w", m.name, err)
	}
	defer func() { _ = tx.Rollback() }()
	v, err := schemaVersion(ctx, tx, postgresDialect)
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
		return false, fmt.Errorf("postgres: migration %s: database is at version %d", m.name, v)
	}
	// Several statements in one text: the simple protocol runs them all
	// (there are no parameters to bind).
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("postgres: migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx,
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, `+postgresDialect.nowText()+`)`,
		m.version, m.name); err != nil {
		return false, fmt.Errorf("postgres: migration %s: record version: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("postgres: migration %s: commit: %w", m.name, err)
	}
	return true, nil
}
