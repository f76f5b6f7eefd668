package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/throttle"
)

// ThrottleStates implements throttle.Store.
func (db *DB) ThrottleStates(ctx context.Context, keys []string) (map[string]throttle.State, error) {
	out, err := throttleStates(ctx, db.R, keys)
	if err != nil {
		return nil, fmt.Errorf("login throttle: %w", err)
	}
	return out, nil
}

func throttleStates(ctx context.Context, q interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, keys []string) (map[string]throttle.State, error) {
	out := make(map[string]throttle.State, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	rows, err := q.QueryContext(ctx, `SELECT key, failures, locked_until_ms, strikes, forget_at_ms FROM login_throttle
		WHERE key IN (`+placeholders(len(keys))+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var key, failures string
		var locked, forget int64
		var s throttle.State
		if err := rows.Scan(&key, &failures, &locked, &s.Strikes, &forget); err != nil {
			return nil, err
		}
		times, err := fromJSON[int64](failures)
		if err != nil {
			return nil, err
		}
		for _, t := range times {
			s.Failures = append(s.Failures, fromMS(t))
		}
		s.LockedUntil, s.ForgetAt = fromMS(locked), fromMS(forget)
		if locked == 0 {
			s.LockedUntil = time.Time{}
		}
		out[key] = s
	}
	return out, rows.Err()
}

// UpdateThrottle implements throttle.Store: read, update and write back in
// one write transaction, so that failures counted at the same instant by
// several replicas all count.
func (db *DB) UpdateThrottle(ctx context.Context, keys []string, update func(map[string]throttle.State) map[string]throttle.State) error {
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		cur, err := throttleStates(ctx, tx, keys)
		if err != nil {
			return err
		}
		next := update(cur)
		for _, k := range keys {
			s, ok := next[k]
			if !ok {
				if _, err := tx.ExecContext(ctx, `DELETE FROM login_throttle WHERE key = ?`, k); err != nil {
					return err
				}
				continue
			}
			failures := make([]int64, len(s.Failures))
			for i, f := range s.Failures {
				failures[i] = ms(f)
			}
			locked := int64(0)
			if !s.LockedUntil.IsZero() {
				locked = ms(s.LockedUntil)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO login_throttle (key, failures, locked_until_ms, strikes, forget_at_ms)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
				locked_until_ms = excluded.locked_until_ms, strikes = excluded.strikes, forget_at_ms = excluded.forget_at_ms`,
				k, jsonText(failures), locked, s.Strikes, ms(s.ForgetAt)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("login throttle: %w", err)
	}
	return nil
}

// PruneLoginThrottle deletes the throttle states that no longer affect any
// decision at now.
func (db *DB) PruneLoginThrottle(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM login_throttle WHERE forget_at_ms <= ?`, ms(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("prune login throttle: %w", err)
	}
	return int(n), nil
}
