package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"
)

// Moving an installation from SQLite to PostgreSQL (CopyToPostgres) is
// generic over the schema: the tables and columns come from the two
// databases' catalogs, not from a list in the code, so a table added by a
// new migration is copied without touching this file. What it needs is
// that both schemas agree, table by table and column by column; planCopy
// checks that and names every difference.

// copyTable is one table to copy: its columns by name (SQLite's order) and
// the PostgreSQL type of each.
type copyTable struct {
	name    string
	cols    []string
	pgTypes []string
}

// migrationsTable is the engines' own bookkeeping: each side records the
// migrations it applied itself, so it is compared (same version) rather
// than copied.
const migrationsTable = "schema_migrations"

// SchemaMismatchError lists how the SQLite and PostgreSQL schemas differ:
// a table or column on one side only. The copy refuses to run, since a
// column missing on PostgreSQL would be data left behind.
type SchemaMismatchError struct {
	Differences []string
}

// pgOnlyColumns are the PostgreSQL columns the database fills itself and
// SQLite has no use for: tickets.change_xid, the transaction that last
// changed the ticket (the gate Sync cursor, feed.go). Copied rows keep its
// default, 0: gates coming from SQLite start their Sync over anyway, since
// their cursors are SQLite's.
var pgOnlyColumns = map[string]bool{"tickets.change_xid": true}

// Error lists the differences.
func (e *SchemaMismatchError) Error() string {
	return "the SQLite and PostgreSQL schemas differ (a migration written for one engine only?): " + strings.Join(e.Differences, "; ")
}

// sqliteColumns returns the tables of the SQLite database (not SQLite's
// own sqlite_* tables, not schema_migrations) with their columns in
// declaration order. Generated columns are not listed (table_info skips
// them): they are computed, not copied.
func sqliteColumns(ctx context.Context, tx *sql.Tx) (map[string][]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM sqlite_schema
		WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND name <> ? ORDER BY name`, migrationsTable)
	if err != nil {
		return nil, fmt.Errorf("list sqlite tables: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list sqlite tables: %w", err)
		}
		names = append(names, n)
	}
	if err := errorsOf(rows); err != nil {
		return nil, fmt.Errorf("list sqlite tables: %w", err)
	}
	tables := make(map[string][]string, len(names))
	for _, n := range names {
		crows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info(?) ORDER BY cid`, n)
		if err != nil {
			return nil, fmt.Errorf("columns of %s: %w", n, err)
		}
		var cols []string
		for crows.Next() {
			var c string
			if err := crows.Scan(&c); err != nil {
				crows.Close()
				return nil, fmt.Errorf("columns of %s: %w", n, err)
			}
			cols = append(cols, c)
		}
		if err := errorsOf(crows); err != nil {
			return nil, fmt.Errorf("columns of %s: %w", n, err)
		}
		tables[n] = cols
	}
	return tables, nil
}

// errorsOf closes rows and returns the error that ended the iteration.
func errorsOf(rows *sql.Rows) error {
	err := rows.Err()
	if cerr := rows.Close(); err == nil {
		err = cerr
	}
	return err
}

// pgColumns returns the base tables of the current schema with each
// column's type (information_schema's data_type: "bigint", "text",
// "bytea", ...), generated columns left out.
func pgColumns(ctx context.Context, tx pgx.Tx) (map[string]map[string]string, error) {
	rows, err := tx.Query(ctx, `SELECT c.table_name, c.column_name, c.data_type
		FROM information_schema.columns c
		JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
		  AND c.is_generated = 'NEVER' AND c.table_name <> $1`, migrationsTable)
	if err != nil {
		return nil, fmt.Errorf("list postgres columns: %w", err)
	}
	defer rows.Close()
	tables := map[string]map[string]string{}
	for rows.Next() {
		var table, col, typ string
		if err := rows.Scan(&table, &col, &typ); err != nil {
			return nil, fmt.Errorf("list postgres columns: %w", err)
		}
		if tables[table] == nil {
			tables[table] = map[string]string{}
		}
		tables[table][col] = typ
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list postgres columns: %w", err)
	}
	return tables, nil
}

// planCopy matches the two schemas: every SQLite table must exist on
// PostgreSQL with the same column names, and the other way round. The
// plan lists the tables by name.
func planCopy(lite map[string][]string, pg map[string]map[string]string) ([]copyTable, error) {
	var diffs []string
	var plan []copyTable
	for _, name := range sortedKeys(lite) {
		pcols, ok := pg[name]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("table %s is missing on PostgreSQL", name))
			continue
		}
		t := copyTable{name: name}
		seen := map[string]bool{}
		for _, c := range lite[name] {
			seen[c] = true
			typ, ok := pcols[c]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("column %s.%s is missing on PostgreSQL", name, c))
				continue
			}
			t.cols = append(t.cols, c)
			t.pgTypes = append(t.pgTypes, typ)
		}
		for _, c := range sortedKeys(pcols) {
			if !seen[c] && !pgOnlyColumns[name+"."+c] {
				diffs = append(diffs, fmt.Sprintf("column %s.%s is missing on SQLite", name, c))
			}
		}
		plan = append(plan, t)
	}
	for _, name := range sortedKeys(pg) {
		if _, ok := lite[name]; !ok {
			diffs = append(diffs, fmt.Sprintf("table %s is missing on SQLite", name))
		}
	}
	if len(diffs) > 0 {
		return nil, &SchemaMismatchError{Differences: diffs}
	}
	return plan, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// seededInsert finds the tables a migration writes rows into.
var seededInsert = regexp.MustCompile(`(?i)\bINSERT\s+INTO\s+([a-z_][a-z0-9_]*)`)

// seededTables are the tables the PostgreSQL migrations put rows into
// (the version counters, the webhook cursors): a freshly migrated target
// has those rows, so they do not make it "not empty"; the copy replaces
// them with the source's. Read from the migrations themselves, so a new
// migration that seeds a table is covered too.
var seededTables = sync.OnceValue(func() map[string]bool {
	seeded := map[string]bool{}
	_ = fs.WalkDir(embeddedPGMigrations(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := fs.ReadFile(embeddedPGMigrations(), path)
		if err != nil {
			return err
		}
		for _, m := range seededInsert.FindAllStringSubmatch(string(body), -1) {
			seeded[strings.ToLower(m[1])] = true
		}
		return nil
	})
	delete(seeded, migrationsTable)
	return seeded
})

// latestPGVersion is the schema version of the embedded PostgreSQL
// migrations.
func latestPGVersion() (int, error) {
	ms, err := loadMigrations(embeddedPGMigrations())
	return len(ms), err
}
