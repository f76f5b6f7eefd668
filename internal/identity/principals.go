package identity

import (
	"sync"
	"time"

	"github.com/varco-gate/varco/internal/authz"
)

// principalCache keeps the principals of sessions seen recently, valid
// while the store's auth version stays what it was when they were read.
// Authenticating every call took a three-table read, the largest single
// cost of a booking RPC after the booking itself; checking the version is
// a one-row read. Expiry needs no read at all: the session's end is kept.
type principalCache struct {
	mu      sync.Mutex
	version int64
	entries map[[32]byte]cachedPrincipal
}

type cachedPrincipal struct {
	principal authz.Principal
	expires   time.Time
}

// maxCachedPrincipals bounds the cache; past it, it starts over. Sessions
// in use at once are far fewer, so this only guards against unbounded
// growth between two changes of the version.
const maxCachedPrincipals = 100_000

// get returns the cached principal of hash if it was read at version v and
// its session has not ended at now.
func (c *principalCache) get(hash [32]byte, v int64, now time.Time) (authz.Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != v {
		return authz.Principal{}, false
	}
	e, ok := c.entries[hash]
	if !ok || !now.Before(e.expires) {
		return authz.Principal{}, false
	}
	return e.principal, true
}

// put stores a principal read at version v. An entry read at an older
// version than the cache's is dropped: the cache never goes back.
func (c *principalCache) put(hash [32]byte, v int64, p authz.Principal, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if v < c.version {
		return
	}
	if v > c.version || c.entries == nil || len(c.entries) >= maxCachedPrincipals {
		c.version, c.entries = v, map[[32]byte]cachedPrincipal{}
	}
	c.entries[hash] = cachedPrincipal{principal: p, expires: expires}
}
