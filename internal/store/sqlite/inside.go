package sqlite

import (
	"context"
	"fmt"
	"time"
)

// Inside is how many people (seats of unrevoked tickets) are inside one
// resource now.
type Inside struct {
	ResourceID string
	People     int
}

// InsideByResource counts the people inside each resource that has someone
// inside or a ticket whose slot starts in [from, to): the resources active
// around now, so the answer stays as small as the day's events however
// long the history grows. Each resource's count walks its own tickets
// through the (resource_id, slot_start_ms) index, as the scan
// transaction's occupancy cap does.
func (db *DB) InsideByResource(ctx context.Context, from, to time.Time) ([]Inside, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT id, inside FROM (
			SELECT r.id AS id,
				(SELECT COALESCE(SUM(t.seats), 0) FROM tickets t
					WHERE t.resource_id = r.id AND t.state = ? AND t.revoked_at_ms IS NULL) AS inside,
				(SELECT COUNT(*) FROM (SELECT 1 FROM tickets t
					WHERE t.resource_id = r.id AND t.slot_start_ms >= ? AND t.slot_start_ms < ? LIMIT 1) one) AS active
			FROM resources r) x
		WHERE inside > 0 OR active > 0 ORDER BY id`, ticketInside, ms(from), ms(to))
	if err != nil {
		return nil, fmt.Errorf("inside by resource: %w", err)
	}
	defer rows.Close()
	var out []Inside
	for rows.Next() {
		var in Inside
		if err := rows.Scan(&in.ResourceID, &in.People); err != nil {
			return nil, fmt.Errorf("inside by resource: %w", err)
		}
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("inside by resource: %w", err)
	}
	return out, nil
}
