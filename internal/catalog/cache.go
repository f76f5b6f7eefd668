package catalog

import (
	"context"

	"github.com/varco-gate/varco/internal/versioned"
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
	src       VersionedReader
	resources versioned.Map[string, Resource]
	places    versioned.Map[string, Place]
	orgs      versioned.Map[string, Organization]
}

// NewCache returns an empty cache over src.
func NewCache(src VersionedReader) *Cache { return &Cache{src: src} }

// cached looks id up for the current version, loading it on a miss.
func cached[T any](ctx context.Context, src VersionedReader, m *versioned.Map[string, T], id string, load func(context.Context, string) (T, error)) (T, error) {
	v, err := src.CatalogVersion(ctx)
	if err != nil {
		var zero T
		return zero, err
	}
	return cachedAt(ctx, v, m, id, load)
}

// cachedAt is cached with the version v already read.
func cachedAt[T any](ctx context.Context, v int64, m *versioned.Map[string, T], id string, load func(context.Context, string) (T, error)) (T, error) {
	if x, ok := m.Get(v, id); ok {
		return x, nil
	}
	x, err := load(ctx, id)
	if err != nil {
		return x, err
	}
	m.Put(v, id, x)
	return x, nil
}

// GetResource implements Reader.
func (c *Cache) GetResource(ctx context.Context, id string) (Resource, error) {
	return cached(ctx, c.src, &c.resources, id, c.src.GetResource)
}

// GetPlace implements Reader.
func (c *Cache) GetPlace(ctx context.Context, id string) (Place, error) {
	return cached(ctx, c.src, &c.places, id, c.src.GetPlace)
}

// GetOrganization implements Reader.
func (c *Cache) GetOrganization(ctx context.Context, id string) (Organization, error) {
	return cached(ctx, c.src, &c.orgs, id, c.src.GetOrganization)
}

// Pinned implements Pinner: one version read serves a whole description,
// which otherwise read it once per lookup (three per rendered message).
func (c *Cache) Pinned(ctx context.Context) (Reader, error) {
	v, err := c.src.CatalogVersion(ctx)
	if err != nil {
		return nil, err
	}
	return pinned{c: c, v: v}, nil
}

// pinned is the cache at one version read.
type pinned struct {
	c *Cache
	v int64
}

func (p pinned) GetResource(ctx context.Context, id string) (Resource, error) {
	return cachedAt(ctx, p.v, &p.c.resources, id, p.c.src.GetResource)
}

func (p pinned) GetPlace(ctx context.Context, id string) (Place, error) {
	return cachedAt(ctx, p.v, &p.c.places, id, p.c.src.GetPlace)
}

func (p pinned) GetOrganization(ctx context.Context, id string) (Organization, error) {
	return cachedAt(ctx, p.v, &p.c.orgs, id, p.c.src.GetOrganization)
}
