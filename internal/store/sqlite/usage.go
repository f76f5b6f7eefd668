package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/availability"
)

// Usage returns the live use of a resource's slots starting in [from, to):
// seats taken and held, minus the seats of holds that expired at now but
// were not swept yet, so a lapsed hold frees its seats for readers at once.
//
// It is the hottest read of a booking rush, so SQLite folds the rows into
// four comma-separated columns parsed here: one cgo round trip instead of
// one per row (see the availability benchmark in the README).
func (db *DB) Usage(ctx context.Context, resourceID string, from, to, now time.Time) ([]availability.Usage, error) {
	var out []availability.Usage
	err := db.ReadTx(ctx, func(tx *sql.Tx) error {
		var starts, ops, taken, held sql.NullString
		var n, expired int
		d := db.dialect
		err := tx.QueryRowContext(ctx, `SELECT count(*), `+d.listAgg("start_ms")+`, `+d.listAgg("operator_id")+`,
				`+d.listAgg("taken")+`, `+d.listAgg("held")+`,
				(SELECT count(*) FROM holds WHERE released_at_ms IS NULL AND expires_at_ms <= ?4 AND resource_id = ?1 AND start_ms < ?3 AND end_ms > ?2)
			FROM slot_usage WHERE resource_id = ?1 AND start_ms >= ?2 AND start_ms < ?3 AND taken > 0`,
			resourceID, ms(from), ms(to), ms(now)).Scan(&n, &starts, &ops, &taken, &held, &expired)
		if err != nil {
			return err
		}
		if out, err = parseUsage(n, starts.String, ops.String, taken.String, held.String); err != nil {
			return err
		}
		if out, err = markWaiting(ctx, tx, out, resourceID, from, to); err != nil {
			return err
		}
		if expired == 0 {
			return nil
		}
		return subtractExpiredHolds(ctx, tx, out, resourceID, from, to, now)
	})
	if err != nil {
		return nil, fmt.Errorf("read usage: %w", err)
	}
	return out, nil
}

// markWaiting marks the event slots someone waits for (the same live
// state HoldSlots checks), adding a usage row where the slot has none.
// Few slots ever have a list: the index answers the others at once.
func markWaiting(ctx context.Context, tx *sql.Tx, usage []availability.Usage, resourceID string, from, to time.Time) ([]availability.Usage, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT slot_start_ms FROM waitlist_entries
		WHERE state = 1 AND resource_id = ? AND slot_start_ms >= ? AND slot_start_ms < ?`, resourceID, ms(from), ms(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var start int64
		if err := rows.Scan(&start); err != nil {
			return nil, err
		}
		found := false
		for i := range usage {
			if usage[i].OperatorID == "" && usage[i].Start.UnixMilli() == start {
				usage[i].Waiting, found = true, true
			}
		}
		if !found {
			usage = append(usage, availability.Usage{Start: fromMS(start), Waiting: true})
		}
	}
	return usage, rows.Err()
}

// parseUsage zips the four comma-separated columns of Usage's aggregate
// (ids never contain commas: they are UUIDs or empty).
func parseUsage(n int, starts, ops, taken, held string) ([]availability.Usage, error) {
	out := make([]availability.Usage, n)
	if n == 0 {
		return out, nil
	}
	cols := [4][]string{
		strings.SplitN(starts, ",", n), strings.SplitN(ops, ",", n),
		strings.SplitN(taken, ",", n), strings.SplitN(held, ",", n),
	}
	for _, c := range cols {
		if len(c) != n {
			return nil, fmt.Errorf("usage aggregate: want %d values, got %d", n, len(c))
		}
	}
	for i := range out {
		start, err1 := strconv.ParseInt(cols[0][i], 10, 64)
		t, err2 := strconv.Atoi(cols[2][i])
		h, err3 := strconv.Atoi(cols[3][i])
		if err1 != nil || err2 != nil || err3 != nil {
			return nil, fmt.Errorf("usage aggregate: malformed value at %d", i)
		}
		out[i] = availability.Usage{Start: fromMS(start), OperatorID: cols[1][i], Taken: t, Held: h}
	}
	return out, nil
}

// subtractExpiredHolds removes from usage the seats of holds that lapsed
// but were not swept yet; Usage calls it only when there are some, which is
// rare because the sweeper runs every few seconds.
func subtractExpiredHolds(ctx context.Context, tx *sql.Tx, usage []availability.Usage, resourceID string, from, to, now time.Time) error {
	// The hold's slot starts are expanded here rather than with SQLite's
	// json_each, so the statement runs on PostgreSQL too.
	rows, err := tx.QueryContext(ctx, `SELECT h.slot_starts, h.operator_id, h.seats
		FROM holds h
		WHERE h.released_at_ms IS NULL AND h.resource_id = ? AND h.start_ms < ? AND h.end_ms > ? AND h.expires_at_ms <= ?`,
		resourceID, ms(to), ms(from), ms(now))
	if err != nil {
		return err
	}
	defer rows.Close()
	idx := map[string]int{}
	for rows.Next() {
		var starts, op string
		var seats int
		if err := rows.Scan(&starts, &op, &seats); err != nil {
			return err
		}
		if len(idx) == 0 {
			for i, u := range usage {
				idx[strconv.FormatInt(u.Start.UnixMilli(), 10)+","+u.OperatorID] = i
			}
		}
		list, err := fromJSON[int64](starts)
		if err != nil {
			return err
		}
		for _, start := range list {
			if i, ok := idx[strconv.FormatInt(start, 10)+","+op]; ok {
				usage[i].Taken -= seats
				usage[i].Held -= seats
			}
		}
	}
	return rows.Err()
}
