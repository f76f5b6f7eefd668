package sqlite

import (
	"context"
	"fmt"

	"github.com/varco-gate/varco/internal/store"
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

// BookingScope returns the organization and resource of a booking. The
// bookings table arrives with the booking lifecycle; until then no booking
// exists, which is exactly what this says.
func (db *DB) BookingScope(_ context.Context, id string) (string, string, error) {
	return "", "", fmt.Errorf("booking %q: %w", id, store.ErrNotFound)
}

// WebhookOrg returns the organization owning a webhook. Webhooks arrive
// with the back-office work; until then none exists.
func (db *DB) WebhookOrg(_ context.Context, id string) (string, error) {
	return "", fmt.Errorf("webhook %q: %w", id, store.ErrNotFound)
}

// WebhookDeliveryOrg returns the organization owning a webhook delivery;
// none exists yet (see WebhookOrg).
func (db *DB) WebhookDeliveryOrg(_ context.Context, id string) (string, error) {
	return "", fmt.Errorf("webhook delivery %q: %w", id, store.ErrNotFound)
}
