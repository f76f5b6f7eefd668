// Package versioned caches values read from the store under a version
// number the store moves whenever they may have changed (a counter bumped
// by triggers). Readers take the version before loading, so a change
// landing in between makes an entry look older than it is: it is reloaded,
// never kept stale. The catalog, the slot plans and the authenticated
// sessions are cached this way.
package versioned

import "sync"

// Map holds values of one version. The zero value is ready to use and
// unbounded; Limit bounds it.
type Map[K comparable, V any] struct {
	// Limit, when positive, is the number of entries after which the map
	// starts over: it only guards against growth between two versions.
	Limit int

	mu      sync.Mutex
	version int64
	entries map[K]V
}

// Get returns the value of k stored at version v, if the map is at v.
func (m *Map[K, V]) Get(v int64, k K) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.version != v {
		var zero V
		return zero, false
	}
	x, ok := m.entries[k]
	return x, ok
}

// Put stores x, read at version v. A newer version empties the map first;
// a value read at an older version than the map's is dropped, so the map
// never goes back.
func (m *Map[K, V]) Put(v int64, k K, x V) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v < m.version {
		return
	}
	if v > m.version || m.entries == nil || (m.Limit > 0 && len(m.entries) >= m.Limit) {
		m.version, m.entries = v, map[K]V{}
	}
	m.entries[k] = x
}
