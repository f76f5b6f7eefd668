package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
)

// feedHorizon returns the highest id (column col of table, booking_history
// or scans) up to which the webhook feeder may read: every row at or below
// it is committed, and no row below it can still appear.
//
// On SQLite that holds for every id a reader sees: ids are handed out
// under the single writer's lock, so they commit in order. PostgreSQL
// hands out identity values when rows are inserted, and concurrent
// transactions commit in any order: a reader could see id 11 committed
// while id 10 is still in flight, move the cursor past 10, and never
// deliver its event. A SHARE lock on the table waits for every
// transaction that has inserted into it (they hold ROW EXCLUSIVE until
// they end) and holds new inserts for the instant it takes to read the
// maximum, so ids at or below that maximum are final.
//
// The lock is taken only while a live webhook exists: without one the
// feeder reads nothing, and bookings never wait for it.
func (db *DB) feedHorizon(ctx context.Context, table, col string) (int64, error) {
	if db.dialect != postgresDialect {
		return math.MaxInt64, nil
	}
	var live bool
	if err := db.R.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM webhooks WHERE deleted_at_ms IS NULL)`).Scan(&live); err != nil {
		return 0, fmt.Errorf("webhook feed horizon: %w", err)
	}
	if !live {
		return 0, nil
	}
	var h int64
	err := runTx(ctx, db.W, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `LOCK TABLE `+table+` IN SHARE MODE`); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(`+col+`), 0) FROM `+table).Scan(&h)
	}, true)
	if err != nil {
		return 0, fmt.Errorf("webhook feed horizon %s: %w", table, err)
	}
	return h, nil
}
