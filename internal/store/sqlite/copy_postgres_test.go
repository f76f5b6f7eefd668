package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/store/sqlite"
	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
)

// copyPair opens a fresh SQLite file and a fresh PostgreSQL database, both
// migrated by the normal Open.
func copyPair(t *testing.T) (src, dst *sqlite.DB) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	src, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "varco.db"), sqlite.Options{Logger: log})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, src.Close()) })
	dst, err = sqlite.Open(t.Context(), pgtest.URL(t), sqlite.Options{Logger: log})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, dst.Close()) })
	return src, dst
}

func exec(t *testing.T, db *sql.DB, query string, args ...any) {
	t.Helper()
	_, err := db.ExecContext(t.Context(), query, args...)
	require.NoError(t, err, query)
}

// The copy is generic over the schema but needs both engines' migrations
// to build the same tables and columns. This fails when a migration adds a
// table or column to one engine only: migrate-data would refuse to run.
func TestCopyToPostgresSchemasMatch(t *testing.T) {
	t.Parallel()
	src, dst := copyPair(t)
	report, err := sqlite.CopyToPostgres(t.Context(), src, dst)
	require.NoError(t, err, "every SQLite table and column has its PostgreSQL twin and the other way round")
	require.NotEmpty(t, report.Tables)
	names := map[string]bool{}
	for _, tc := range report.Tables {
		names[tc.Table] = true
		require.Equal(t, tc.Source, tc.Copied, tc.Table)
	}
	for _, want := range []string{"accounts", "bookings", "ticket_keys", "outbox", "scans", "webhook_cursors", "catalog_version", "oidc_sessions"} {
		require.True(t, names[want], "%s is copied", want)
	}
	require.False(t, names["schema_migrations"], "each engine keeps its own migration records")
}

// A table or column on one side only is named, and nothing is copied.
func TestCopyToPostgresRefusesSchemaDifferences(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		change  func(t *testing.T, src, dst *sqlite.DB)
		mention string
	}{
		{"sqlite table only", func(t *testing.T, src, _ *sqlite.DB) {
			exec(t, src.W, `CREATE TABLE parking_permits (id TEXT PRIMARY KEY)`)
		}, "table parking_permits is missing on PostgreSQL"},
		{"postgres table only", func(t *testing.T, _, dst *sqlite.DB) {
			exec(t, dst.W, `CREATE TABLE parking_permits (id TEXT PRIMARY KEY)`)
		}, "table parking_permits is missing on SQLite"},
		{"sqlite column only", func(t *testing.T, src, _ *sqlite.DB) {
			exec(t, src.W, `ALTER TABLE bookings ADD COLUMN plate TEXT`)
		}, "column bookings.plate is missing on PostgreSQL"},
		{"postgres column only", func(t *testing.T, _, dst *sqlite.DB) {
			exec(t, dst.W, `ALTER TABLE bookings ADD COLUMN plate TEXT`)
		}, "column bookings.plate is missing on SQLite"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src, dst := copyPair(t)
			tc.change(t, src, dst)
			_, err := sqlite.CopyToPostgres(t.Context(), src, dst)
			var mismatch *sqlite.SchemaMismatchError
			require.ErrorAs(t, err, &mismatch)
			require.Equal(t, []string{tc.mention}, mismatch.Differences)
		})
	}
}

// Both databases must be at this binary's schema version.
func TestCopyToPostgresRefusesVersionMismatch(t *testing.T) {
	t.Parallel()
	src, dst := copyPair(t)
	exec(t, dst.W, `DELETE FROM schema_migrations WHERE version = ?`, sqlite.LatestVersion())
	_, err := sqlite.CopyToPostgres(t.Context(), src, dst)
	var vm *sqlite.VersionMismatchError
	require.ErrorAs(t, err, &vm)
	require.Equal(t, sqlite.VersionMismatchError{SQLite: sqlite.LatestVersion(), Postgres: sqlite.LatestVersion() - 1}, *vm)
}

// A target with data of its own is refused: the copy never merges two
// installations. The rows its migrations seed (version counters, webhook
// cursors) do not count.
func TestCopyToPostgresRefusesTargetWithData(t *testing.T) {
	t.Parallel()
	src, dst := copyPair(t)
	exec(t, dst.W, `INSERT INTO ticket_keys (id, public_key, created_at_ms) VALUES ('k1', ?, 1)`, []byte{1, 2})
	_, err := sqlite.CopyToPostgres(t.Context(), src, dst)
	require.ErrorIs(t, err, sqlite.ErrTargetNotEmpty)
	require.ErrorContains(t, err, "ticket_keys")
}

// The copy is one transaction: a row that cannot be copied (here text in
// an INTEGER column, which SQLite's per-value typing allows) fails it
// whole, after other tables were already copied in it, and leaves the
// target as it was: empty, with its foreign keys and triggers.
func TestCopyToPostgresFailsWhole(t *testing.T) {
	t.Parallel()
	src, dst := copyPair(t)
	exec(t, src.W, `INSERT INTO organizations (id, name, kind, created_at_ms, updated_at_ms) VALUES ('o1', 'Comune', 1, 1, 1)`)
	exec(t, src.W, `INSERT INTO webhooks (id, organization_id, url, events, secret, created_at_ms, from_history_id, from_scan_seq)
		VALUES ('w1', 'o1', 'https://example.org/hook', '[]', 'secret', 'not a number', 0, 0)`)
	_, err := sqlite.CopyToPostgres(t.Context(), src, dst)
	require.ErrorContains(t, err, "webhooks.created_at_ms")

	var orgs, fks, triggers int
	ctx := context.Background()
	require.NoError(t, dst.R.QueryRowContext(ctx, `SELECT count(*) FROM organizations`).Scan(&orgs))
	require.Zero(t, orgs, "nothing half-copied")
	require.NoError(t, dst.R.QueryRowContext(ctx, `SELECT count(*) FROM pg_constraint WHERE contype = 'f'`).Scan(&fks))
	require.Positive(t, fks, "foreign keys still in place")
	require.NoError(t, dst.R.QueryRowContext(ctx, `SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'D'`).Scan(&triggers))
	require.Zero(t, triggers, "no trigger left disabled")
	_, err = sqlite.CopyToPostgres(ctx, src, dst)
	require.False(t, errors.Is(err, sqlite.ErrTargetNotEmpty), "the failed copy left no data behind")
}

// A file another connection holds open (a running server keeps its pools'
// connections) is reported in use; once they close, it is free.
func TestCheckNotInUse(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "varco.db")
	db, err := sqlite.Open(t.Context(), path, sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	require.ErrorIs(t, sqlite.CheckNotInUse(t.Context(), path), sqlite.ErrInUse)
	require.NoError(t, db.Close())
	require.NoError(t, sqlite.CheckNotInUse(t.Context(), path))
	db, err = sqlite.Open(t.Context(), path, sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err, "the check leaves the file as it was")
	require.NoError(t, db.Close())
}

// The copy needs only the tables' owner, not a superuser: a role that
// owns its database, migrates it and copies into it (dropping and adding
// back foreign keys, switching its triggers off and on, moving sequences).
func TestCopyToPostgresAsOwnerNotSuperuser(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	name := url[strings.Index(url, "@/")+2 : strings.Index(url, "?")]
	role := "owner_" + name
	admin, err := sql.Open("pgx", url)
	require.NoError(t, err)
	defer admin.Close()
	exec(t, admin, `CREATE ROLE `+role+` LOGIN NOSUPERUSER`)
	exec(t, admin, `ALTER DATABASE `+name+` OWNER TO `+role)
	log := slog.New(slog.DiscardHandler)
	dst, err := sqlite.Open(t.Context(), strings.Replace(url, "postgres://postgres@", "postgres://"+role+"@", 1), sqlite.Options{Logger: log})
	require.NoError(t, err)
	defer func() { require.NoError(t, dst.Close()) }()
	var super bool
	require.NoError(t, dst.R.QueryRowContext(t.Context(), `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`).Scan(&super))
	require.False(t, super)

	src, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "varco.db"), sqlite.Options{Logger: log})
	require.NoError(t, err)
	defer func() { require.NoError(t, src.Close()) }()
	exec(t, src.W, `INSERT INTO organizations (id, name, kind, created_at_ms, updated_at_ms) VALUES ('o1', 'Comune', 1, 1, 1)`)
	exec(t, src.W, `INSERT INTO places (id, organization_id, name, created_at_ms, updated_at_ms) VALUES ('p1', 'o1', 'Sede', 1, 1)`)
	var version int64
	require.NoError(t, src.R.QueryRowContext(t.Context(), `SELECT version FROM catalog_version`).Scan(&version))
	require.Equal(t, int64(2), version, "SQLite's triggers counted the two inserts")

	report, err := sqlite.CopyToPostgres(t.Context(), src, dst)
	require.NoError(t, err)
	require.Equal(t, int64(2+1+1+1+2), report.Rows(), "organization, place, three counters (catalog, auth, write) and two webhook cursors")
	require.NoError(t, dst.R.QueryRowContext(t.Context(), `SELECT version FROM catalog_version`).Scan(&version))
	require.Equal(t, int64(2), version, "the counter arrives as it was, not moved by the copied rows")
	exec(t, dst.W, `UPDATE places SET name = 'Sede centrale' WHERE id = 'p1'`)
	require.NoError(t, dst.R.QueryRowContext(t.Context(), `SELECT version FROM catalog_version`).Scan(&version))
	require.Equal(t, int64(3), version, "the triggers are back on")
}
