package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
)

// A PostgreSQL write transaction that fails with a serialization failure
// or a deadlock runs again from the start, its first run rolled back;
// any other error is the caller's at once.
func TestPostgresWriteTxRunsAgainAfterConflicts(t *testing.T) {
	t.Parallel()
	db, err := Open(t.Context(), pgtest.URL(t), Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	require.NoError(t, db.WriteTx(t.Context(), func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE runs (n INTEGER NOT NULL)`)
		return err
	}))
	for _, tc := range []struct {
		code      string
		wantRuns  int
		wantRows  int
		wantError bool
	}{
		{"40001", 3, 1, false}, // serialization_failure
		{"40P01", 3, 1, false}, // deadlock_detected
		{"23505", 1, 0, true},  // unique_violation: not a conflict to retry
	} {
		t.Run(tc.code, func(t *testing.T) {
			_, err := db.W.ExecContext(t.Context(), `DELETE FROM runs`)
			require.NoError(t, err)
			runs := 0
			err = db.WriteTx(t.Context(), func(ctx context.Context, tx *sql.Tx) error {
				runs++
				if _, err := tx.ExecContext(ctx, `INSERT INTO runs (n) VALUES (?)`, runs); err != nil {
					return err
				}
				if runs < 3 {
					return &pgconn.PgError{Code: tc.code}
				}
				return nil
			})
			require.Equal(t, tc.wantError, err != nil, "%v", err)
			require.Equal(t, tc.wantRuns, runs)
			var rows int
			require.NoError(t, db.R.QueryRowContext(t.Context(), `SELECT count(*) FROM runs`).Scan(&rows))
			require.Equal(t, tc.wantRows, rows, "only the last run's writes")
			if tc.wantError {
				var pe *pgconn.PgError
				require.True(t, errors.As(err, &pe))
			}
		})
	}
}
