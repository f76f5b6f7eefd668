package sqlite_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/store"
)

func TestDeviceLifecycle(t *testing.T) {
	t.Parallel()
	db := openDemoDB(t)
	ctx := t.Context()
	d := identity.Device{
		ID: "d1", OrganizationID: demo.ComuneID, Name: "Ingresso nord", Direction: identity.DirectionBoth,
		ResourceIDs: []string{demo.CIEID, demo.TourID}, Hardware: "Zebra TC21", CredentialHash: hash(9),
		EnrolledAt: t0, CreatedAt: t0.Add(-time.Minute),
	}
	require.NoError(t, db.CreateDevice(ctx, d))

	got, err := db.GetDevice(ctx, "d1")
	require.NoError(t, err)
	require.Equal(t, d, got)
	got, err = db.GetDeviceByCredential(ctx, hash(9))
	require.NoError(t, err)
	require.Equal(t, d, got)
	_, err = db.GetDeviceByCredential(ctx, hash(10))
	require.ErrorIs(t, err, store.ErrNotFound)

	require.NoError(t, db.TouchDevice(ctx, "d1", t0.Add(time.Hour)))
	require.NoError(t, db.TouchDevice(ctx, "d1", t0.Add(time.Minute)), "an older touch does not move it back")
	got, err = db.GetDevice(ctx, "d1")
	require.NoError(t, err)
	require.Equal(t, t0.Add(time.Hour), got.LastSeenAt)
	require.ErrorIs(t, db.TouchDevice(ctx, "nope", t0), store.ErrNotFound)

	revoked, err := db.RevokeDevice(ctx, "d1", t0.Add(2*time.Hour))
	require.NoError(t, err)
	require.Equal(t, t0.Add(2*time.Hour), revoked.RevokedAt)
	revoked, err = db.RevokeDevice(ctx, "d1", t0.Add(3*time.Hour))
	require.NoError(t, err)
	require.Equal(t, t0.Add(2*time.Hour), revoked.RevokedAt, "the first revocation counts")
	_, err = db.RevokeDevice(ctx, "nope", t0)
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestDevicesWithoutCredential(t *testing.T) {
	t.Parallel()
	db := openDemoDB(t)
	ctx := t.Context()
	// Several devices awaiting enrollment share no credential: NULLs do not
	// collide in the unique index, and no lookup finds them.
	for _, id := range []string{"d1", "d2"} {
		require.NoError(t, db.CreateDevice(ctx, identity.Device{
			ID: id, OrganizationID: demo.ComuneID, Name: id, Direction: identity.DirectionEntry, CreatedAt: t0,
		}))
	}
	_, err := db.GetDeviceByCredential(ctx, [32]byte{})
	require.ErrorIs(t, err, store.ErrNotFound)
	require.NoError(t, db.CreateDevice(ctx, identity.Device{
		ID: "d3", OrganizationID: demo.ComuneID, Name: "d3", Direction: identity.DirectionExit, CreatedAt: t0.Add(time.Second),
		CredentialHash: hash(1),
	}))
	err = db.CreateDevice(ctx, identity.Device{
		ID: "d4", OrganizationID: demo.ComuneID, Name: "d4", Direction: identity.DirectionExit, CreatedAt: t0, CredentialHash: hash(1),
	})
	require.ErrorIs(t, err, store.ErrConflict)

	list, err := db.ListDevices(ctx, demo.ComuneID)
	require.NoError(t, err)
	require.Len(t, list, 3)
	require.Equal(t, "d3", list[0].ID, "newest first")
	require.Nil(t, list[1].ResourceIDs)
	list, err = db.ListDevices(ctx, demo.ID("org/navigazione"))
	require.NoError(t, err)
	require.Empty(t, list)
}
