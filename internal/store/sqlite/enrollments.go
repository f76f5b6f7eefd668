package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/devices"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/store"
)

// CreateEnrollment stores a new enrollment code (its hash).
func (db *DB) CreateEnrollment(ctx context.Context, e devices.Enrollment) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO device_enrollments (code_hash, organization_id, name, direction,
			resource_ids, created_by, created_at_ms, expires_at_ms) VALUES (?,?,?,?,?,?,?,?)`,
			e.CodeHash[:], e.OrganizationID, e.Name, int(e.Direction), jsonText(nonNil(e.ResourceIDs)), e.CreatedBy,
			ms(e.CreatedAt), ms(e.ExpiresAt))
		return conflict(err, "insert enrollment")
	})
}

// Enroll trades an unused, unexpired code for a new device in one
// transaction, so a code can never enroll two devices.
func (db *DB) Enroll(ctx context.Context, codeHash [32]byte, d identity.Device, now time.Time) (identity.Device, error) {
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var e devices.Enrollment
		var ids string
		var dir int
		err := tx.QueryRowContext(ctx, `SELECT organization_id, name, direction, resource_ids FROM device_enrollments
			WHERE code_hash = ? AND used_at_ms IS NULL AND expires_at_ms > ?`, codeHash[:], ms(now)).
			Scan(&e.OrganizationID, &e.Name, &dir, &ids)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("enrollment code: %w", store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if d.ResourceIDs, err = fromJSON[string](ids); err != nil {
			return err
		}
		d.OrganizationID, d.Name, d.Direction = e.OrganizationID, e.Name, identity.Direction(dir)
		if _, err := tx.ExecContext(ctx, `UPDATE device_enrollments SET used_at_ms = ?, device_id = ? WHERE code_hash = ?`,
			ms(now), d.ID, codeHash[:]); err != nil {
			return err
		}
		return insertDevice(ctx, tx, d)
	})
	return d, err
}
