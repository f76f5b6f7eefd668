package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/mattn/go-sqlite3"
)

// TableCount is one table of a copy: the rows the SQLite table holds and
// the rows the PostgreSQL table holds after the copy.
type TableCount struct {
	Table  string
	Source int64
	Copied int64
}

// CopyReport is what CopyToPostgres did, table by table (sorted by name).
type CopyReport struct {
	Tables  []TableCount
	Elapsed time.Duration
}

// Rows is the number of rows copied over all tables.
func (r CopyReport) Rows() int64 {
	var n int64
	for _, t := range r.Tables {
		n += t.Copied
	}
	return n
}

// VersionMismatchError refuses a copy between databases, or migration
// sets, at different schema versions: the columns would not mean the same
// thing on both sides.
type VersionMismatchError struct {
	SQLite, Postgres int
}

// Error tells the operator what differs.
func (e *VersionMismatchError) Error() string {
	return fmt.Sprintf("schema versions differ: SQLite %d, PostgreSQL %d (both must be at this binary's version)", e.SQLite, e.Postgres)
}

// ErrTargetNotEmpty refuses a copy into a PostgreSQL database that already
// holds data: the copy never merges two installations.
var ErrTargetNotEmpty = errors.New("the PostgreSQL database already holds data: copy into a new, empty database")

// CountMismatchError reports tables whose row count on PostgreSQL differs
// from SQLite's after the copy; the copy was rolled back.
type CountMismatchError struct {
	Tables []TableCount
}

// Error names the tables.
func (e *CountMismatchError) Error() string {
	var parts []string
	for _, t := range e.Tables {
		parts = append(parts, fmt.Sprintf("%s: %d rows on SQLite, %d on PostgreSQL", t.Table, t.Source, t.Copied))
	}
	return "row counts differ, nothing was copied: " + strings.Join(parts, "; ")
}

// CopyToPostgres copies every row of every table of the SQLite database
// src into the PostgreSQL database dst, both already open (and so
// migrated) at the same schema version, and checks the row counts table
// by table. dst must be empty but for the rows its migrations insert.
//
// The copy is one PostgreSQL transaction: on any failure, a count
// mismatch included, nothing is left behind. The source is read in one
// SQLite read transaction, so the copy is a consistent snapshot of it;
// rows stream from SQLite into COPY FROM, a table is never held in memory.
//
// Within the transaction the foreign keys are dropped and added back once
// the data is in (as pg_restore does: rows can then go in any order, rows
// that reference each other included, and each key is checked in one
// pass), and the tables' own triggers are disabled so the copy adds
// nothing of its own: the version counters arrive with the source's
// values. Both need only the tables' owner, the role that migrated them,
// not a superuser. The identity sequences then restart past the copied
// ids.
//
// When the report comes back with an error, it holds the counts when they
// were taken.
func CopyToPostgres(ctx context.Context, src, dst *DB) (CopyReport, error) {
	started := time.Now()
	if src.Postgres() || !dst.Postgres() {
		return CopyReport{}, errors.New("copy: the source must be SQLite and the target PostgreSQL")
	}
	if err := sameVersion(ctx, src, dst); err != nil {
		return CopyReport{}, err
	}
	conn, err := dst.W.Conn(ctx)
	if err != nil {
		return CopyReport{}, fmt.Errorf("copy: %w", err)
	}
	defer conn.Close()
	var report CopyReport
	err = conn.Raw(func(dc any) error {
		pc, ok := dc.(*pgConn)
		if !ok {
			return fmt.Errorf("copy: unexpected driver connection %T", dc)
		}
		return src.ReadTx(ctx, func(stx *sql.Tx) error {
			var err error
			report, err = copyAll(ctx, stx, pc.Conn.Conn())
			return err
		})
	})
	report.Elapsed = time.Since(started)
	return report, err
}

func sameVersion(ctx context.Context, src, dst *DB) error {
	pgLatest, err := latestPGVersion()
	if err != nil {
		return err
	}
	if LatestVersion() != pgLatest {
		return &VersionMismatchError{SQLite: LatestVersion(), Postgres: pgLatest}
	}
	sv, err := src.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	dv, err := dst.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if sv != dv || sv != pgLatest {
		return &VersionMismatchError{SQLite: sv, Postgres: dv}
	}
	return nil
}

// foreignKey is a constraint dropped for the copy and added back after.
type foreignKey struct{ table, name, def string }

func copyAll(ctx context.Context, stx *sql.Tx, pg *pgx.Conn) (CopyReport, error) {
	tx, err := pg.Begin(ctx)
	if err != nil {
		return CopyReport{}, fmt.Errorf("copy: begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // no-op after Commit
	lite, err := sqliteColumns(ctx, stx)
	if err != nil {
		return CopyReport{}, err
	}
	pgCols, err := pgColumns(ctx, tx)
	if err != nil {
		return CopyReport{}, err
	}
	plan, err := planCopy(lite, pgCols)
	if err != nil {
		return CopyReport{}, err
	}
	if err := requireEmpty(ctx, tx, plan); err != nil {
		return CopyReport{}, err
	}
	fks, err := dropForeignKeys(ctx, tx)
	if err != nil {
		return CopyReport{}, err
	}
	for _, t := range plan {
		id := pgx.Identifier{t.name}.Sanitize()
		if _, err := tx.Exec(ctx, `ALTER TABLE `+id+` DISABLE TRIGGER USER`); err != nil {
			return CopyReport{}, fmt.Errorf("copy: disable triggers of %s: %w", t.name, err)
		}
		if seededTables()[t.name] {
			if _, err := tx.Exec(ctx, `DELETE FROM `+id); err != nil {
				return CopyReport{}, fmt.Errorf("copy: clear %s: %w", t.name, err)
			}
		}
	}
	var report CopyReport
	for _, t := range plan {
		src, err := copyTableRows(ctx, stx, tx, t)
		if err != nil {
			return CopyReport{}, err
		}
		report.Tables = append(report.Tables, TableCount{Table: t.name, Source: src})
	}
	for _, fk := range fks {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+pgx.Identifier{fk.table}.Sanitize()+` ADD CONSTRAINT `+
			pgx.Identifier{fk.name}.Sanitize()+` `+fk.def); err != nil {
			return CopyReport{}, fmt.Errorf("copy: foreign key %s of %s: %w", fk.name, fk.table, err)
		}
	}
	for _, t := range plan {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+pgx.Identifier{t.name}.Sanitize()+` ENABLE TRIGGER USER`); err != nil {
			return CopyReport{}, fmt.Errorf("copy: enable triggers of %s: %w", t.name, err)
		}
		if err := resetSequences(ctx, tx, t.name); err != nil {
			return CopyReport{}, err
		}
	}
	var wrong []TableCount
	for i, t := range report.Tables {
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{t.Table}.Sanitize()).Scan(&report.Tables[i].Copied); err != nil {
			return report, fmt.Errorf("copy: count %s: %w", t.Table, err)
		}
		if report.Tables[i].Copied != t.Source {
			wrong = append(wrong, report.Tables[i])
		}
	}
	if len(wrong) > 0 {
		return report, &CountMismatchError{Tables: wrong}
	}
	if err := tx.Commit(ctx); err != nil {
		return report, fmt.Errorf("copy: commit: %w", err)
	}
	return report, nil
}

// requireEmpty refuses a target with a row in any table but those its
// migrations seed.
func requireEmpty(ctx context.Context, tx pgx.Tx, plan []copyTable) error {
	var full []string
	for _, t := range plan {
		if seededTables()[t.name] {
			continue
		}
		var has bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+pgx.Identifier{t.name}.Sanitize()+`)`).Scan(&has); err != nil {
			return fmt.Errorf("copy: check %s is empty: %w", t.name, err)
		}
		if has {
			full = append(full, t.name)
		}
	}
	if len(full) > 0 {
		return fmt.Errorf("%w (rows in %s)", ErrTargetNotEmpty, strings.Join(full, ", "))
	}
	return nil
}

// dropForeignKeys drops the foreign keys of the current schema and returns
// them to be added back.
func dropForeignKeys(ctx context.Context, tx pgx.Tx) ([]foreignKey, error) {
	rows, err := tx.Query(ctx, `SELECT cl.relname, co.conname, pg_get_constraintdef(co.oid)
		FROM pg_constraint co JOIN pg_class cl ON cl.oid = co.conrelid
		WHERE co.contype = 'f' AND co.connamespace = current_schema()::regnamespace
		ORDER BY cl.relname, co.conname`)
	if err != nil {
		return nil, fmt.Errorf("copy: list foreign keys: %w", err)
	}
	fks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (foreignKey, error) {
		var fk foreignKey
		err := r.Scan(&fk.table, &fk.name, &fk.def)
		return fk, err
	})
	if err != nil {
		return nil, fmt.Errorf("copy: list foreign keys: %w", err)
	}
	for _, fk := range fks {
		if _, err := tx.Exec(ctx, `ALTER TABLE `+pgx.Identifier{fk.table}.Sanitize()+` DROP CONSTRAINT `+pgx.Identifier{fk.name}.Sanitize()); err != nil {
			return nil, fmt.Errorf("copy: drop foreign key %s of %s: %w", fk.name, fk.table, err)
		}
	}
	return fks, nil
}

// resetSequences makes each identity (or serial) column of table hand out
// ids after the largest copied one: COPY wrote the ids explicitly, so the
// sequences have not moved.
func resetSequences(ctx context.Context, tx pgx.Tx, table string) error {
	rows, err := tx.Query(ctx, `SELECT a.attname, pg_get_serial_sequence($1, a.attname)
		FROM pg_attribute a
		WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped
		  AND pg_get_serial_sequence($1, a.attname) IS NOT NULL`, pgx.Identifier{table}.Sanitize())
	if err != nil {
		return fmt.Errorf("copy: sequences of %s: %w", table, err)
	}
	type seq struct{ col, name string }
	seqs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (seq, error) {
		var s seq
		err := r.Scan(&s.col, &s.name)
		return s, err
	})
	if err != nil {
		return fmt.Errorf("copy: sequences of %s: %w", table, err)
	}
	for _, s := range seqs {
		if _, err := tx.Exec(ctx, `SELECT setval($1, COALESCE(MAX(`+pgx.Identifier{s.col}.Sanitize()+`), 0) + 1, false) FROM `+
			pgx.Identifier{table}.Sanitize(), s.name); err != nil {
			return fmt.Errorf("copy: reset sequence of %s.%s: %w", table, s.col, err)
		}
	}
	return nil
}

// ErrInUse reports a SQLite file that another connection holds open: a
// running server (its pools keep their connections), a sqlite3 shell, a
// backup tool.
var ErrInUse = errors.New("the SQLite file is in use (a server running on it?): stop every process using it first")

// CheckNotInUse reports ErrInUse when another connection, in this process
// or another, has the SQLite file at path open. A copy taken while a
// server still writes would leave those writes behind, so migrate-data
// checks first. An exclusive lock is only granted to a connection alone
// on the file, even in WAL mode where readers and the writer otherwise
// share it; busy_timeout 0 makes the attempt fail at once instead of
// waiting for the others to close.
func CheckNotInUse(ctx context.Context, path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	pool, err := sql.Open("sqlite3", fileURI(abs)+"?_busy_timeout=0")
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer pool.Close()
	conn, err := pool.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA locking_mode = EXCLUSIVE`); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if _, err := conn.ExecContext(ctx, `BEGIN EXCLUSIVE`); err != nil {
		var se sqlite3.Error
		if errors.As(err, &se) && (se.Code == sqlite3.ErrBusy || se.Code == sqlite3.ErrLocked) {
			return ErrInUse
		}
		return fmt.Errorf("sqlite: lock %s: %w", abs, err)
	}
	_, err = conn.ExecContext(ctx, `ROLLBACK`)
	return err
}
