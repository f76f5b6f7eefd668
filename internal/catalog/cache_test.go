package catalog_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/store/sqlite"
)

// countingDB counts the lookups that reach the database.
type countingDB struct {
	*sqlite.DB
	loads, versions int
}

func (c *countingDB) CatalogVersion(ctx context.Context) (int64, error) {
	c.versions++
	return c.DB.CatalogVersion(ctx)
}

func (c *countingDB) GetResource(ctx context.Context, id string) (catalog.Resource, error) {
	c.loads++
	return c.DB.GetResource(ctx, id)
}

func (c *countingDB) GetPlace(ctx context.Context, id string) (catalog.Place, error) {
	c.loads++
	return c.DB.GetPlace(ctx, id)
}

func (c *countingDB) GetOrganization(ctx context.Context, id string) (catalog.Organization, error) {
	c.loads++
	return c.DB.GetOrganization(ctx, id)
}

// The cache answers from memory until something in the catalog changes,
// and then reads the new values, whoever changed them.
func TestCacheFollowsCatalogVersion(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	now := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	db, err := sqlite.Open(ctx, t.TempDir()+"/varco.db", sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	_, err = demo.Load(ctx, db, now)
	require.NoError(t, err)
	src := &countingDB{DB: db}
	c := catalog.NewCache(src)

	for range 3 {
		d, err := catalog.Describe(ctx, c, demo.TourID, "")
		require.NoError(t, err)
		require.NotEmpty(t, d.Resource.Name)
		require.NotEmpty(t, d.Organization.Name)
	}
	require.Equal(t, 3, src.loads, "resource, place and organization read once each")
	require.Equal(t, 3, src.versions, "one version read per description")

	svc := catalog.NewService(db, clock.NewFake(now))
	org, err := db.GetOrganization(ctx, demo.ComuneID)
	require.NoError(t, err)
	org.Name = "Comune di Prova (rinominato)"
	_, err = svc.UpdateOrganization(ctx, org)
	require.NoError(t, err)

	d, err := catalog.Describe(ctx, c, demo.TourID, "")
	require.NoError(t, err)
	require.Equal(t, "Comune di Prova (rinominato)", d.Organization.Name)
	require.Equal(t, 6, src.loads, "the change emptied the cache")

	_, err = c.GetResource(ctx, "no-such-resource")
	require.Error(t, err, "misses are not cached as values")
}
