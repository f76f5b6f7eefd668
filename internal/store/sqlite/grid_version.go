package sqlite

import (
	"context"
	"fmt"
	"time"
)

// bumpWriteVersion moves migration 0022's counter; the committer runs it
// once per batch, just before COMMIT (batch.go).
const bumpWriteVersion = `UPDATE write_version SET version = version + 1 WHERE id = 1`

// GridVersions returns, in one read, the catalog version and the number
// of write batches committed so far. A grid computed after reading both is
// still the grid of the database as long as neither has moved: every write
// to slot_usage, holds, bookings or waitlist_entries goes through the
// committer, which bumps write_version in the same transaction, whichever
// process or replica it runs in.
func (db *DB) GridVersions(ctx context.Context) (catalog, writes int64, err error) {
	// Not cancellable (see pointRead): a one-row read made by every grid.
	err = db.R.QueryRowContext(pointRead(ctx),
		`SELECT c.version, w.version FROM catalog_version c, write_version w WHERE c.id = 1 AND w.id = 1`).Scan(&catalog, &writes)
	if err != nil {
		return 0, 0, fmt.Errorf("grid versions: %w", err)
	}
	return catalog, writes, nil
}

// NextHoldExpiry returns when the first live hold of a resource overlapping
// [from, to) expires after now, if any: until then the holds a grid counts
// stay the same, so a cached grid may be served.
func (db *DB) NextHoldExpiry(ctx context.Context, resourceID string, from, to, now time.Time) (time.Time, bool, error) {
	var next *int64
	err := db.R.QueryRowContext(ctx, `SELECT min(expires_at_ms) FROM holds
		WHERE released_at_ms IS NULL AND expires_at_ms > ? AND resource_id = ? AND start_ms < ? AND end_ms > ?`,
		ms(now), resourceID, ms(to), ms(from)).Scan(&next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("next hold expiry: %w", err)
	}
	if next == nil {
		return time.Time{}, false, nil
	}
	return fromMS(*next), true, nil
}
