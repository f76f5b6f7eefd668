package identity

import (
	"time"

	"github.com/varco-gate/varco/internal/authz"
)

// cachedPrincipal is an authenticated session kept in Service.principals,
// valid while the store's auth version stays what it was when it was read.
// Authenticating every call took a three-table read, the largest single
// cost of a booking RPC after the booking itself; checking the version is
// a one-row read. Expiry needs no read at all: the session's end is kept.
type cachedPrincipal struct {
	principal authz.Principal
	expires   time.Time
}

// maxCachedPrincipals bounds the cache; sessions in use at once are far
// fewer, so this only guards against growth between two versions.
const maxCachedPrincipals = 100_000
