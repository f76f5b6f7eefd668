package sqlite

import (
	"context"
	"fmt"
	"time"
)

// maxLinkSessions bounds how many sessions an export link is checked
// against; an account rarely has more than a few open at once.
const maxLinkSessions = 50

// ActiveSessionHashes returns the token hashes of an account's sessions
// that are neither revoked nor expired at now, newest first. Export links
// are signed with the session that asked for them, and are checked against
// these.
func (db *DB) ActiveSessionHashes(ctx context.Context, accountID string, now time.Time) ([][32]byte, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT token_hash FROM sessions
		WHERE account_id = ? AND revoked_at_ms IS NULL AND expires_at_ms > ? ORDER BY created_at_ms DESC LIMIT ?`,
		accountID, ms(now), maxLinkSessions)
	if err != nil {
		return nil, fmt.Errorf("active sessions: %w", err)
	}
	defer rows.Close()
	var out [][32]byte
	for rows.Next() {
		var b []byte
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("active sessions: %w", err)
		}
		var h [32]byte
		if len(b) != len(h) {
			continue // not a token hash: never matches
		}
		copy(h[:], b)
		out = append(out, h)
	}
	return out, rows.Err()
}
