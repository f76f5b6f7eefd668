package catalog

import (
	"context"
	"sync"
)

// VersionedReader is a Reader that also tells when anything it reads may
// have changed: the version moves on every write to places, resources and
// their details, and organizations.
type VersionedReader interface {
	Reader
	CatalogVersion(ctx context.Context) (int64, error)
}

// Cache serves resources, places and organizations from memory while the
// catalog version stays the same. Every booking response and notification
// describes its resource, place and organization, which took five queries;
// with the cache it takes one (the version), and the catalog changes rarely.
// It is safe for concurrent use; values returned share slices with the
// cache and must not be modified.
type Cache struct {
	src VersionedReader

	mu        sync.Mutex
	version   int64
	resources map[string]Resource
	places    map[string]Place
	orgs      map[string]Organization
}

// NewCache returns an empty cache over src.
func NewCache(src VersionedReader) *Cache {
	return &Cache{src: src, version: -1}
}

// reset empties the maps when the catalog has moved past the version they
// hold; the caller holds mu.
func (c *Cache) reset(v int64) {
	if v != c.version {
		c.version = v
		c.resources, c.places, c.orgs = map[string]Resource{}, map[string]Place{}, map[string]Organization{}
	}
}

// cached looks id up for the current version, loading it on a miss.
// Loading happens outside the lock; a load that raced a catalog change is
// stored under the version read before it, so it is dropped at the next
// change rather than kept stale.
func cached[T any](ctx context.Context, c *Cache, pick func(*Cache) map[string]T, id string, load func(context.Context, string) (T, error)) (T, error) {
	v, err := c.src.CatalogVersion(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	c.mu.Lock()
	c.reset(v)
	if x, ok := pick(c)[id]; ok {
		c.mu.Unlock()
		return x, nil
	}
	c.mu.Unlock()
	x, err := load(ctx, id)
	if err != nil {
		return x, err
	}
	c.mu.Lock()
	if c.version == v {
		pick(c)[id] = x
	}
	c.mu.Unlock()
	return x, nil
}

// GetResource implements Reader.
func (c *Cache) GetResource(ctx context.Context, id string) (Resource, error) {
	return cached(ctx, c, func(c *Cache) map[string]Resource { return c.resources }, id, c.src.GetResource)
}

// GetPlace implements Reader.
func (c *Cache) GetPlace(ctx context.Context, id string) (Place, error) {
	return cached(ctx, c, func(c *Cache) map[string]Place { return c.places }, id, c.src.GetPlace)
}

// GetOrganization implements Reader.
func (c *Cache) GetOrganization(ctx context.Context, id string) (Organization, error) {
	return cached(ctx, c, func(c *Cache) map[string]Organization { return c.orgs }, id, c.src.GetOrganization)
}
