package sqlite

import (
	"context"

	"github.com/varco-gate/varco/internal/auth/token"
)

// These lookups tell the authorizer which organization owns an object, so
// staff can only reach their own organization's data.

func (db *DB) ownerOf(ctx context.Context, table, id string) (string, error) {
	var org string
	err := db.R.QueryRowContext(ctx, `SELECT organization_id FROM `+table+` WHERE id = ?`, id).Scan(&org)
	if err != nil {
		return "", notFound(err, table, id)
	}
	return org, nil
}

// PlaceOrg returns the organization owning a place.
func (db *DB) PlaceOrg(ctx context.Context, id string) (string, error) {
	return db.ownerOf(ctx, "places", id)
}

// ResourceOrg returns the organization owning a resource.
func (db *DB) ResourceOrg(ctx context.Context, id string) (string, error) {
	return db.ownerOf(ctx, "resources", id)
}

// DeviceOrg returns the organization owning a gate device.
func (db *DB) DeviceOrg(ctx context.Context, id string) (string, error) {
	return db.ownerOf(ctx, "devices", id)
}

// BookingScope returns the organization and resource of a booking, found
// by id or by code (staff quote codes at the counter).
func (db *DB) BookingScope(ctx context.Context, id string) (string, string, error) {
	var org, res string
	err := db.R.QueryRowContext(ctx, `SELECT organization_id, resource_id FROM bookings WHERE id = ?1 OR code = ?2`,
		id, token.NormalizeCode(id)).Scan(&org, &res)
	if err != nil {
		return "", "", notFound(err, "booking", id)
	}
	return org, res, nil
}
