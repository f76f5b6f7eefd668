package sqlite

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mattn/go-sqlite3"

	"github.com/varco-gate/varco/internal/store"
)

// Instants are stored as UTC milliseconds since the epoch: compact, ordered,
// and free of time zone ambiguity.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

func nullMS(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: ms(t), Valid: true}
}

func seconds(d time.Duration) int64 { return int64(d / time.Second) }

func fromSeconds(v int64) time.Duration { return time.Duration(v) * time.Second }

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// jsonText encodes small lists kept in one column (documents to bring,
// operator ids); they are always read and written whole.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("sqlite: encode %T: %v", v, err)) // only slices of strings/ints reach here.
	}
	return string(b)
}

func fromJSON[T any](s string) ([]T, error) {
	var v []T
	if s == "" {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("decode json column: %w", err)
	}
	return v, nil
}

// notFound turns sql.ErrNoRows into store.ErrNotFound with context.
func notFound(err error, what, id string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s %q: %w", what, id, store.ErrNotFound)
	}
	return fmt.Errorf("get %s %q: %w", what, id, err)
}

// conflict turns a unique or primary key violation into store.ErrConflict.
func conflict(err error, what string) error {
	if err == nil {
		return nil
	}
	var se sqlite3.Error
	if errors.As(err, &se) && (se.ExtendedCode == sqlite3.ErrConstraintUnique || se.ExtendedCode == sqlite3.ErrConstraintPrimaryKey) {
		return fmt.Errorf("%s: %w: %s", what, store.ErrConflict, uniqueColumn(se.Error()))
	}
	if name, ok := uniqueViolation(err); ok {
		return fmt.Errorf("%s: %w: %s", what, store.ErrConflict, name)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// uniqueColumn extracts "accounts.email" from "UNIQUE constraint failed: accounts.email".
func uniqueColumn(msg string) string {
	_, col, _ := strings.Cut(msg, "failed: ")
	return col
}
