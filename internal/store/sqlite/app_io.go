package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/varco-gate/varco/internal/notify/appio"
)

// RecordAppIOAttempt keeps one attempt's outcome.
func (db *DB) RecordAppIOAttempt(ctx context.Context, a appio.Attempt) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO app_io_attempts (id, outbox_id, organization_id, kind, status, io_message_id, error, attempted_at_ms)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, uuid.NewString(), a.OutboxID, a.OrganizationID, a.Kind, a.Status, a.IOMessageID, a.Error, ms(a.At))
		if err != nil {
			return fmt.Errorf("record app io attempt: %w", err)
		}
		return nil
	})
}

// AppIOOptOut reports whether the account with this codice fiscale turned
// App IO messages off; false when no account has it (a person booked for
// by someone else decides in IO itself).
func (db *DB) AppIOOptOut(ctx context.Context, codiceFiscale string) (bool, error) {
	var out bool
	err := db.R.QueryRowContext(pointRead(ctx), `SELECT app_io_opt_out FROM accounts WHERE codice_fiscale = ?`, codiceFiscale).Scan(&out)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("app io opt-out: %w", err)
	}
	return out, nil
}

// RecentAppIOAttempts lists an organization's latest attempts, newest
// first, at most limit (1 to 500).
func (db *DB) RecentAppIOAttempts(ctx context.Context, organizationID string, limit int) ([]appio.Attempt, error) {
	limit = min(max(limit, 1), 500)
	rows, err := db.R.QueryContext(ctx, `SELECT outbox_id, organization_id, kind, status, io_message_id, error, attempted_at_ms
		FROM app_io_attempts WHERE organization_id = ? ORDER BY attempted_at_ms DESC, id LIMIT ?`, organizationID, limit)
	if err != nil {
		return nil, fmt.Errorf("recent app io attempts: %w", err)
	}
	defer rows.Close()
	var out []appio.Attempt
	for rows.Next() {
		var a appio.Attempt
		var at int64
		if err := rows.Scan(&a.OutboxID, &a.OrganizationID, &a.Kind, &a.Status, &a.IOMessageID, &a.Error, &at); err != nil {
			return nil, fmt.Errorf("recent app io attempts: %w", err)
		}
		a.At = fromMS(at)
		out = append(out, a)
	}
	return out, rows.Err()
}
