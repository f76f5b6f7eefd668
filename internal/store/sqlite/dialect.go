package sqlite

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// dialect is the SQL engine behind a DB. The store's statements are written
// once, with SQLite's '?' and '?N' placeholders, in the subset of SQL both
// engines accept; the PostgreSQL driver wrapper (pgdriver.go) rebinds the
// placeholders, and the few places where the engines differ ask the dialect.
type dialect int

const (
	sqliteDialect dialect = iota
	postgresDialect
)

// IsPostgresURL reports whether a --db value names a PostgreSQL database
// (postgres:// or postgresql://) rather than a SQLite file.
func IsPostgresURL(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// nowMS is an expression for the database server's current time in Unix
// milliseconds, for informational columns only (the domain's instants come
// from its injected clock).
func (d dialect) nowMS() string {
	if d == postgresDialect {
		return `CAST(extract(epoch FROM clock_timestamp()) * 1000 AS BIGINT)`
	}
	return `CAST(strftime('%s', 'now') AS INTEGER) * 1000`
}

// nowText is the current UTC time as ISO 8601 text, for schema_migrations.
func (d dialect) nowText() string {
	if d == postgresDialect {
		return `to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
	}
	return `strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`
}

// listAgg aggregates expr's values of a group into one comma-separated text.
func (d dialect) listAgg(expr string) string {
	if d == postgresDialect {
		return `string_agg(CAST(` + expr + ` AS TEXT), ',')`
	}
	return `group_concat(` + expr + `)`
}

// rebinder turns SQLite placeholders into PostgreSQL's: '?' becomes $1,
// $2... in order and '?N' becomes $N. Quoted strings, quoted identifiers
// and comments are copied as they are. Each distinct statement text is
// rewritten once and cached: the store's statements are constants, apart
// from IN lists whose length varies, so the cache stays small; past
// maxRebound entries new texts are rewritten on every call instead.
type rebinder struct {
	cache sync.Map // string → string
	n     atomic.Int64
}

const maxRebound = 4096

func (r *rebinder) rebind(q string) string {
	if v, ok := r.cache.Load(q); ok {
		return v.(string)
	}
	out := rebind(q)
	if r.n.Load() < maxRebound {
		if _, loaded := r.cache.LoadOrStore(q, out); !loaded {
			r.n.Add(1)
		}
	}
	return out
}

func rebind(q string) string {
	if !strings.ContainsRune(q, '?') {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	next := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(q) && q[j] != c {
				j++
			}
			// An escaped quote ('') is two quoted runs back to back:
			// copying each run as it comes gives the same text.
			end := min(j+1, len(q))
			b.WriteString(q[i:end])
			i = end - 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				j = len(q) - i
			}
			b.WriteString(q[i : i+j])
			i += j - 1
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			end := len(q)
			if j >= 0 {
				end = i + 2 + j + 2
			}
			b.WriteString(q[i:end])
			i = end - 1
		case c == '?':
			j := i + 1
			for j < len(q) && q[j] >= '0' && q[j] <= '9' {
				j++
			}
			b.WriteByte('$')
			if j > i+1 {
				b.WriteString(q[i+1 : j])
				i = j - 1
			} else {
				next++
				b.WriteString(strconv.Itoa(next))
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
