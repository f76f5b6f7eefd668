package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/store"
)

// ReplaceRules swaps the weekly rules of a resource in one transaction.
func (db *DB) ReplaceRules(ctx context.Context, resourceID string, rules []catalog.WeeklyRule) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM schedule_rules WHERE resource_id = ?`, resourceID); err != nil {
			return fmt.Errorf("delete rules: %w", err)
		}
		for _, r := range rules {
			if _, err := tx.ExecContext(ctx, `INSERT INTO schedule_rules
				(id, resource_id, weekday, start_time, end_time, slot_length_s, seats_per_slot, operator_ids, valid_from, valid_until)
				VALUES (?,?,?,?,?,?,?,?,?,?)`, r.ID, resourceID, r.Weekday, r.Start, r.End, seconds(r.SlotLength),
				r.SeatsPerSlot, jsonText(nonNil(r.OperatorIDs)), r.ValidFrom, r.ValidUntil); err != nil {
				return fmt.Errorf("insert rule: %w", err)
			}
		}
		return nil
	})
}

// ListRules returns the weekly rules of a resource by weekday and start.
func (db *DB) ListRules(ctx context.Context, resourceID string) ([]catalog.WeeklyRule, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT id, weekday, start_time, end_time, slot_length_s, seats_per_slot,
		operator_ids, valid_from, valid_until FROM schedule_rules WHERE resource_id = ? ORDER BY weekday, start_time`, resourceID)
	if err != nil {
		return nil, fmt.Errorf("list rules: %w", err)
	}
	defer rows.Close()
	var out []catalog.WeeklyRule
	for rows.Next() {
		var r catalog.WeeklyRule
		var slot int64
		var ops string
		if err := rows.Scan(&r.ID, &r.Weekday, &r.Start, &r.End, &slot, &r.SeatsPerSlot, &ops, &r.ValidFrom, &r.ValidUntil); err != nil {
			return nil, fmt.Errorf("list rules: %w", err)
		}
		r.SlotLength = fromSeconds(slot)
		if r.OperatorIDs, err = fromJSON[string](ops); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AddException inserts a schedule exception.
func (db *DB) AddException(ctx context.Context, resourceID string, e catalog.Exception) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO schedule_exceptions
			(id, resource_id, kind, start_date, end_date, start_time, end_time, yearly, operator_id, reason,
			 slot_length_s, seats_per_slot, created_at_ms) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			e.ID, resourceID, e.Kind, e.StartDate, e.EndDate, e.StartTime, e.EndTime, e.Yearly, nullString(e.OperatorID),
			e.Reason, seconds(e.SlotLength), e.SeatsPerSlot, ms(e.CreatedAt))
		return conflict(err, "insert exception")
	})
}

// ListExceptions returns the exceptions of a resource by start date.
func (db *DB) ListExceptions(ctx context.Context, resourceID string) ([]catalog.Exception, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT id, kind, start_date, end_date, start_time, end_time, yearly,
		operator_id, reason, slot_length_s, seats_per_slot, created_at_ms
		FROM schedule_exceptions WHERE resource_id = ? ORDER BY start_date, id`, resourceID)
	if err != nil {
		return nil, fmt.Errorf("list exceptions: %w", err)
	}
	defer rows.Close()
	var out []catalog.Exception
	for rows.Next() {
		var e catalog.Exception
		var op sql.NullString
		var slot, created int64
		if err := rows.Scan(&e.ID, &e.Kind, &e.StartDate, &e.EndDate, &e.StartTime, &e.EndTime, &e.Yearly,
			&op, &e.Reason, &slot, &e.SeatsPerSlot, &created); err != nil {
			return nil, fmt.Errorf("list exceptions: %w", err)
		}
		e.OperatorID, e.SlotLength, e.CreatedAt = op.String, fromSeconds(slot), fromMS(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

// DeleteException removes an exception of a resource.
func (db *DB) DeleteException(ctx context.Context, resourceID, id string) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM schedule_exceptions WHERE id = ? AND resource_id = ?`, id, resourceID)
		if err != nil {
			return fmt.Errorf("delete exception: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("exception %q: %w", id, store.ErrNotFound)
		}
		return nil
	})
}
