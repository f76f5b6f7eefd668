package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// claimTx runs a queue claim (select due rows, then lease them).
//
// On SQLite it is an ordinary write transaction: the single writer makes
// two claims follow each other. On PostgreSQL several replicas claim from
// the same queue at once; through the serializable group committer their
// claims would conflict with each other (both read the same due rows) and
// one batch would be rolled back and run again, bookings included. A claim
// runs instead in its own READ COMMITTED transaction, and lock is the
// clause its SELECT ends with, FOR UPDATE SKIP LOCKED: a row another
// replica is claiming at that instant is passed over, not waited for, and
// each row is leased by exactly one claim.
func (db *DB) claimTx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx, lock string) error) error {
	if db.dialect != postgresDialect {
		return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return fn(ctx, tx, "") })
	}
	return runTxOpts(ctx, db.W, &sql.TxOptions{Isolation: sql.LevelReadCommitted}, func(tx *sql.Tx) error {
		return fn(ctx, tx, " FOR UPDATE SKIP LOCKED")
	}, true)
}

// extendLeases moves the lease of the rows of table with the given ids to
// until, for those still pending and leased at now: a row whose delivery
// was already recorded (lease cleared) or whose lease ran out (another
// dispatcher may own it now) is left alone.
func (db *DB) extendLeases(ctx context.Context, table string, pending int, ids []string, now, until time.Time) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{ms(until), pending, ms(now)}
	for _, id := range ids {
		args = append(args, id)
	}
	err := db.claimTx(ctx, func(ctx context.Context, tx *sql.Tx, _ string) error {
		_, err := tx.ExecContext(ctx, `UPDATE `+table+` SET locked_until_ms = ? WHERE status = ? AND locked_until_ms > ?
			AND id IN (`+placeholders(len(ids))+`)`, args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("extend %s leases: %w", table, err)
	}
	return nil
}
