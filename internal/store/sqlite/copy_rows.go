package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// copyTableRows streams the rows of one SQLite table into its PostgreSQL
// twin with COPY FROM and returns the rows the source holds (counted in
// the same snapshot, so the caller can compare with the target).
func copyTableRows(ctx context.Context, stx *sql.Tx, tx pgx.Tx, t copyTable) (int64, error) {
	var n int64
	if err := stx.QueryRowContext(ctx, `SELECT count(*) FROM `+quoteSQLite(t.name)).Scan(&n); err != nil {
		return 0, fmt.Errorf("copy: count %s on SQLite: %w", t.name, err)
	}
	quoted := make([]string, len(t.cols))
	for i, c := range t.cols {
		quoted[i] = quoteSQLite(c)
	}
	rows, err := stx.QueryContext(ctx, `SELECT `+strings.Join(quoted, ", ")+` FROM `+quoteSQLite(t.name))
	if err != nil {
		return 0, fmt.Errorf("copy: read %s: %w", t.name, err)
	}
	defer rows.Close()
	src := newRowSource(rows, t)
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, src); err != nil {
		return 0, fmt.Errorf("copy: %s: %w", t.name, err)
	}
	return n, nil
}

// quoteSQLite quotes an identifier for SQLite.
func quoteSQLite(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }

// rowSource adapts SQLite rows to pgx's CopyFromSource, converting each
// value to what the PostgreSQL column takes. One row is in memory at a
// time: pgx encodes a row before asking for the next, so the slices are
// reused.
type rowSource struct {
	rows  *sql.Rows
	table copyTable
	vals  []any
	ptrs  []any
	out   []any
	err   error
}

func newRowSource(rows *sql.Rows, t copyTable) *rowSource {
	s := &rowSource{rows: rows, table: t, vals: make([]any, len(t.cols)), ptrs: make([]any, len(t.cols)), out: make([]any, len(t.cols))}
	for i := range s.vals {
		s.ptrs[i] = &s.vals[i]
	}
	return s
}

func (s *rowSource) Next() bool { return s.err == nil && s.rows.Next() }

func (s *rowSource) Values() ([]any, error) {
	if err := s.rows.Scan(s.ptrs...); err != nil {
		s.err = err
		return nil, err
	}
	for i, v := range s.vals {
		out, err := convertForPG(v, s.table.pgTypes[i])
		if err != nil {
			s.err = fmt.Errorf("%s.%s: %w", s.table.name, s.table.cols[i], err)
			return nil, s.err
		}
		s.out[i] = out
	}
	return s.out, nil
}

func (s *rowSource) Err() error {
	if s.err != nil {
		return s.err
	}
	return s.rows.Err()
}

// convertForPG turns a value as go-sqlite3 returns it (int64, float64,
// string, []byte, bool for a BOOLEAN declared type, nil) into one pgx
// encodes for a column of type pgType. SQLite's typing is per value: a
// BLOB column may hold text and an INTEGER column holds the 0/1 flags;
// anything that would change meaning on the way is an error, not a guess.
func convertForPG(v any, pgType string) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch pgType {
	case "bigint", "integer", "smallint":
		switch x := v.(type) {
		case int64:
			return x, nil
		case bool:
			if x {
				return int64(1), nil
			}
			return int64(0), nil
		case float64:
			if x == float64(int64(x)) {
				return int64(x), nil
			}
		}
	case "text", "character varying", "character":
		switch x := v.(type) {
		case string:
			return x, nil
		case []byte:
			return string(x), nil
		}
	case "bytea":
		switch x := v.(type) {
		case []byte:
			return x, nil
		case string:
			return []byte(x), nil
		}
	case "double precision", "real", "numeric":
		switch x := v.(type) {
		case float64:
			return x, nil
		case int64:
			return float64(x), nil
		}
	case "boolean":
		switch x := v.(type) {
		case bool:
			return x, nil
		case int64:
			return x != 0, nil
		}
	default:
		return v, nil
	}
	return nil, fmt.Errorf("a %T value (%v) does not fit PostgreSQL type %s", v, v, pgType)
}
