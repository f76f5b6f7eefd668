package scanner

import (
	"encoding/hex"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/varco-gate/varco/internal/gate"
)

// The store keeps what Sync tells it about every ticket of the gate
// (50,000 on a big day, issue 19) in memory, for offline decisions. As
// map[string]Presence that costs about 250 bytes a ticket: a 36-byte id
// string and its header, three time.Time of 24 bytes, a resource id
// header. The maps below hold the same thing in about 60 bytes: ids that
// are UUIDs in canonical form (every ticket id the server makes) as 16
// bytes, times as Unix nanoseconds, resource ids as an index into one
// table. Anything that does not fit (another id form, a time at the epoch,
// a resource table full) is kept as it came, so nothing is ever lost or
// rounded.

// uuidKey is a ticket id in canonical UUID form (lowercase, hyphens at 8,
// 13, 18, 23), as 16 bytes; ok is false for any other id.
func uuidKey(id string) (k [16]byte, ok bool) {
	if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' {
		return k, false
	}
	var hx [32]byte
	n := 0
	for i := 0; i < 36; i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			continue
		}
		c := id[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return k, false // uppercase is not canonical: it would not round-trip
		}
		hx[n] = c
		n++
	}
	if _, err := hex.Decode(k[:], hx[:]); err != nil {
		return k, false
	}
	return k, true
}

// uuidString is the inverse of uuidKey.
func uuidString(k [16]byte) string {
	var b [36]byte
	hex.Encode(b[0:8], k[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], k[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], k[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], k[8:10])
	b[23] = '-'
	hex.Encode(b[24:], k[10:])
	return string(b[:])
}

// unixNano turns a time into Unix nanoseconds, 0 for the zero time; ok is
// false for times that do not survive the trip (the epoch itself, years
// outside 1678–2262).
func unixNano(t time.Time) (int64, bool) {
	if t.IsZero() {
		return 0, true
	}
	n := t.UnixNano()
	if n == 0 || !time.Unix(0, n).Equal(t) {
		return 0, false
	}
	return n, true
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// presence is a Presence in 32 bytes.
type presence struct {
	enteredAt, expiresAt, exitedAt int64 // Unix nanoseconds, 0: none
	seats                          int32
	resource                       uint16 // index in presenceMap.resources
	state                          uint8
}

// presenceMap maps ticket ids to presences.
type presenceMap struct {
	byUUID map[[16]byte]presence
	// other holds what does not fit presence or a UUID key.
	other map[string]Presence
	// resources are the resource ids the presences name, each once.
	resources []string
}

// newPresenceMap makes a map with room for n tickets.
func newPresenceMap(n int) presenceMap {
	return presenceMap{byUUID: make(map[[16]byte]presence, n), other: map[string]Presence{}}
}

func (m *presenceMap) compact(p Presence) (presence, bool) {
	var c presence
	var ok1, ok2, ok3 bool
	c.enteredAt, ok1 = unixNano(p.EnteredAt)
	c.expiresAt, ok2 = unixNano(p.ExpiresAt)
	c.exitedAt, ok3 = unixNano(p.ExitedAt)
	if !ok1 || !ok2 || !ok3 || p.State < 0 || p.State > math.MaxUint8 || p.Seats < math.MinInt32 || p.Seats > math.MaxInt32 {
		return c, false
	}
	c.state, c.seats = uint8(p.State), int32(p.Seats)
	i := slices.Index(m.resources, p.ResourceID)
	if i < 0 {
		if len(m.resources) > math.MaxUint16 {
			return c, false
		}
		i = len(m.resources)
		m.resources = append(m.resources, p.ResourceID)
	}
	c.resource = uint16(i)
	return c, true
}

func (m *presenceMap) expand(c presence) Presence {
	return Presence{ResourceID: m.resources[c.resource], State: gate.State(c.state), Seats: int(c.seats),
		EnteredAt: fromUnixNano(c.enteredAt), ExpiresAt: fromUnixNano(c.expiresAt), ExitedAt: fromUnixNano(c.exitedAt)}
}

func (m *presenceMap) get(id string) (Presence, bool) {
	if k, ok := uuidKey(id); ok {
		if c, ok := m.byUUID[k]; ok {
			return m.expand(c), true
		}
	}
	p, ok := m.other[id]
	return p, ok
}

func (m *presenceMap) set(id string, p Presence) {
	if k, ok := uuidKey(id); ok {
		if c, ok := m.compact(p); ok {
			m.byUUID[k] = c
			delete(m.other, id)
			return
		}
		delete(m.byUUID, k)
	}
	m.other[id] = p
}

func (m *presenceMap) delete(id string) {
	if k, ok := uuidKey(id); ok {
		delete(m.byUUID, k)
	}
	delete(m.other, id)
}

func (m *presenceMap) len() int { return len(m.byUUID) + len(m.other) }

// ids returns every ticket id, sorted.
func (m *presenceMap) ids() []string {
	ids := make([]string, 0, m.len())
	for k := range m.byUUID {
		ids = append(ids, uuidString(k))
	}
	ids = slices.AppendSeq(ids, maps.Keys(m.other))
	slices.Sort(ids)
	return ids
}

// all returns the presences as a plain map, for State.
func (m *presenceMap) all() map[string]Presence {
	out := make(map[string]Presence, m.len())
	for k, c := range m.byUUID {
		out[uuidString(k)] = m.expand(c)
	}
	maps.Copy(out, m.other)
	return out
}

// fromMap makes a presence map from a plain one.
func presencesFrom(src map[string]Presence) presenceMap {
	m := newPresenceMap(len(src))
	for id, p := range src {
		m.set(id, p)
	}
	return m
}

// inside is the one count of people inside a resource: the seats of the
// unrevoked tickets inside it.
func (m *presenceMap) inside(resourceID string, revoked *revokedMap) int {
	r := slices.Index(m.resources, resourceID)
	n := 0
	if r >= 0 {
		for k, c := range m.byUUID {
			if c.state == uint8(gate.Inside) && int(c.resource) == r && !revoked.hasUUID(k) {
				n += int(c.seats)
			}
		}
	}
	for id, p := range m.other {
		if p.State == gate.Inside && p.ResourceID == resourceID && !revoked.has(id) {
			n += p.Seats
		}
	}
	return n
}

// revokedMap maps revoked ticket ids to when they were revoked, compactly
// as presenceMap does.
type revokedMap struct {
	byUUID map[[16]byte]int64
	other  map[string]time.Time
}

func newRevokedMap(n int) revokedMap {
	return revokedMap{byUUID: make(map[[16]byte]int64, n), other: map[string]time.Time{}}
}

func (m *revokedMap) get(id string) (time.Time, bool) {
	if k, ok := uuidKey(id); ok {
		if n, ok := m.byUUID[k]; ok {
			return fromUnixNano(n), true
		}
	}
	t, ok := m.other[id]
	return t, ok
}

func (m *revokedMap) has(id string) bool { _, ok := m.get(id); return ok }

func (m *revokedMap) hasUUID(k [16]byte) bool {
	if _, ok := m.byUUID[k]; ok {
		return true
	}
	if len(m.other) == 0 {
		return false
	}
	_, ok := m.other[uuidString(k)]
	return ok
}

func (m *revokedMap) set(id string, at time.Time) {
	if k, ok := uuidKey(id); ok {
		if n, ok := unixNano(at); ok {
			m.byUUID[k] = n
			delete(m.other, id)
			return
		}
		delete(m.byUUID, k)
	}
	m.other[id] = at
}

func (m *revokedMap) len() int { return len(m.byUUID) + len(m.other) }

// ids returns every ticket id, sorted.
func (m *revokedMap) ids() []string {
	ids := make([]string, 0, m.len())
	for k := range m.byUUID {
		ids = append(ids, uuidString(k))
	}
	ids = slices.AppendSeq(ids, maps.Keys(m.other))
	slices.Sort(ids)
	return ids
}

// all returns the revocations as a plain map, for State.
func (m *revokedMap) all() map[string]time.Time {
	out := make(map[string]time.Time, m.len())
	for k, n := range m.byUUID {
		out[uuidString(k)] = fromUnixNano(n)
	}
	maps.Copy(out, m.other)
	return out
}

func revokedFrom(src map[string]time.Time) revokedMap {
	m := newRevokedMap(len(src))
	for id, at := range src {
		m.set(id, at)
	}
	return m
}
