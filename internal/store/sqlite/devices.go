package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/identity"
)

const deviceColumns = `id, organization_id, name, direction, resource_ids, hardware, credential_hash,
	enrolled_at_ms, last_seen_ms, revoked_at_ms, created_at_ms`

// CreateDevice inserts d; d.ID must be set. A zero CredentialHash is stored
// as NULL (a device waiting for enrollment), since the column is unique.
func (db *DB) CreateDevice(ctx context.Context, d identity.Device) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return insertDevice(ctx, tx, d) })
}

func insertDevice(ctx context.Context, tx *sql.Tx, d identity.Device) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO devices (`+deviceColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
		d.ID, d.OrganizationID, d.Name, int(d.Direction), jsonText(nonNil(d.ResourceIDs)), d.Hardware, credential(d.CredentialHash),
		nullMS(d.EnrolledAt), nullMS(d.LastSeenAt), nullMS(d.RevokedAt), ms(d.CreatedAt))
	return conflict(err, "insert device")
}

// GetDevice returns the device with id.
func (db *DB) GetDevice(ctx context.Context, id string) (identity.Device, error) {
	d, err := scanDevice(db.R.QueryRowContext(ctx, `SELECT `+deviceColumns+` FROM devices WHERE id = ?`, id))
	if err != nil {
		return identity.Device{}, notFound(err, "device", id)
	}
	return d, nil
}

// GetDeviceByCredential returns the device whose credential hashes to hash,
// revoked or not.
func (db *DB) GetDeviceByCredential(ctx context.Context, hash [32]byte) (identity.Device, error) {
	d, err := scanDevice(db.R.QueryRowContext(ctx, `SELECT `+deviceColumns+` FROM devices WHERE credential_hash = ?`, hash[:]))
	if err != nil {
		return identity.Device{}, notFound(err, "device", "by credential")
	}
	return d, nil
}

// ListDevices returns the organization's devices, newest first.
func (db *DB) ListDevices(ctx context.Context, orgID string) ([]identity.Device, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+deviceColumns+` FROM devices WHERE organization_id = ?
		ORDER BY created_at_ms DESC, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	defer rows.Close()
	var out []identity.Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, fmt.Errorf("list devices: %w", err)
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// TouchDevice records that the device called the server at at.
func (db *DB) TouchDevice(ctx context.Context, id string, at time.Time) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE devices SET last_seen_ms = CASE WHEN last_seen_ms > ?1 THEN last_seen_ms ELSE ?1 END WHERE id = ?2`, ms(at), id)
		return affected(res, err, "device", id)
	})
}

// RevokeDevice revokes the device's credential at at and returns the device.
// Revoking twice keeps the first time.
func (db *DB) RevokeDevice(ctx context.Context, id string, at time.Time) (identity.Device, error) {
	var d identity.Device
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE devices SET revoked_at_ms = coalesce(revoked_at_ms, ?) WHERE id = ?`, ms(at), id)
		if err := affected(res, err, "device", id); err != nil {
			return err
		}
		d, err = scanDevice(tx.QueryRowContext(ctx, `SELECT `+deviceColumns+` FROM devices WHERE id = ?`, id))
		return err
	})
	return d, err
}

// credential maps the zero hash (no credential yet) to NULL; an untyped nil,
// because a nil []byte may be bound as an empty blob, which is not NULL and
// would collide in the unique index.
func credential(h [32]byte) any {
	if h == ([32]byte{}) {
		return nil
	}
	return h[:]
}

func scanDevice(s scanner) (identity.Device, error) {
	var d identity.Device
	var direction int
	var ids string
	var cred []byte
	var enrolled, seen, revoked sql.NullInt64
	var created int64
	if err := s.Scan(&d.ID, &d.OrganizationID, &d.Name, &direction, &ids, &d.Hardware, &cred,
		&enrolled, &seen, &revoked, &created); err != nil {
		return d, err
	}
	d.Direction = identity.Direction(direction)
	copy(d.CredentialHash[:], cred)
	d.EnrolledAt, d.LastSeenAt, d.RevokedAt = fromNullMS(enrolled), fromNullMS(seen), fromNullMS(revoked)
	d.CreatedAt = fromMS(created)
	var err error
	d.ResourceIDs, err = resourceIDs(ids)
	return d, err
}
