package ticket

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"
)

// KeyIDLen is the length of a key id.
const KeyIDLen = 8

// Key is an Ed25519 key that signs tickets.
type Key struct {
	// ID is DeriveKeyID(Public).
	ID string
	// Public verifies signatures; published to scanners.
	Public ed25519.PublicKey
	// Private signs tickets; only the server has it (nil on scanners and
	// in Public()).
	Private ed25519.PrivateKey
	// CreatedAt orders keys: the newest usable one signs (see Active).
	CreatedAt time.Time
	// RetiredAt, when set, is the instant after which tickets signed with
	// the key are refused. A retired key never signs new tickets.
	RetiredAt time.Time
}

// DeriveKeyID returns the id of a public key: the first 5 bytes of its
// SHA-256, in base32 (RFC 4648, A-Z2-7), which is exactly 8 characters.
// Deriving the id rather than choosing it makes it stable (the same key has
// the same id on every server and scanner), lets anyone check that an id
// and a key belong together, and keeps the ticket short; 40 bits make an
// accidental collision between the handful of keys of a deployment
// negligible, and KeyRing.Add refuses one anyway.
func DeriveKeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return base32.StdEncoding.EncodeToString(sum[:5])
}

// NewKey generates a key with entropy from random (crypto/rand when nil;
// tests pass a fixed reader to get a known key), created at now.
func NewKey(random io.Reader, now time.Time) (Key, error) {
	pub, priv, err := ed25519.GenerateKey(random)
	if err != nil {
		return Key{}, fmt.Errorf("ticket: generate key: %w", err)
	}
	return Key{ID: DeriveKeyID(pub), Public: pub, Private: priv, CreatedAt: now}, nil
}

// KeyFromSeed returns the key of an RFC 8032 32-byte private seed, created
// at now. It exists for test vectors and for importing a key kept as a seed.
func KeyFromSeed(seed []byte, now time.Time) (Key, error) {
	if len(seed) != ed25519.SeedSize {
		return Key{}, fmt.Errorf("ticket: seed is %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	pub := priv.Public().(ed25519.PublicKey)
	return Key{ID: DeriveKeyID(pub), Public: pub, Private: priv, CreatedAt: now}, nil
}

// CanSign reports whether k has a private part and is not retired.
func (k Key) CanSign() bool { return k.Private != nil && k.RetiredAt.IsZero() }

// RetiredBy reports whether signatures by k are refused at now: strictly
// after RetiredAt, matching "stop verifying after this instant" in
// varco.v1.TicketKey.
func (k Key) RetiredBy(now time.Time) bool {
	return !k.RetiredAt.IsZero() && now.After(k.RetiredAt)
}

// validate checks that the parts of k belong together, so that a key that
// would make ed25519 panic or sign under someone else's id never enters a
// ring.
func (k Key) validate() error {
	if len(k.Public) != ed25519.PublicKeySize {
		return fmt.Errorf("ticket: key %q: public key is %d bytes, want %d", k.ID, len(k.Public), ed25519.PublicKeySize)
	}
	if want := DeriveKeyID(k.Public); k.ID != want {
		return fmt.Errorf("ticket: key id %q does not match its public key (want %q)", k.ID, want)
	}
	if k.Private != nil {
		if len(k.Private) != ed25519.PrivateKeySize {
			return fmt.Errorf("ticket: key %q: private key is %d bytes, want %d", k.ID, len(k.Private), ed25519.PrivateKeySize)
		}
		if !bytes.Equal(k.Private.Public().(ed25519.PublicKey), k.Public) {
			return fmt.Errorf("ticket: key %q: private key does not match the public key", k.ID)
		}
	}
	return nil
}

// clone copies the byte slices so that neither the ring nor its callers
// can change each other's keys.
func (k Key) clone() Key {
	k.Public = slices.Clone(k.Public)
	k.Private = slices.Clone(k.Private)
	return k
}

// Errors of KeyRing operations.
var (
	// ErrNoActiveKey: no key can sign (none has a private part and is not
	// retired).
	ErrNoActiveKey = errors.New("ticket: no active signing key")
	// ErrKeyExists: Add was given a key whose id is already in the ring.
	ErrKeyExists = errors.New("ticket: key id already in the ring")
	// ErrNoSuchKey: Retire was given an id not in the ring.
	ErrNoSuchKey = errors.New("ticket: no such key")
)

// KeyRing holds the keys known to a server or scanner, by id. It is safe
// for concurrent use: verifications read it while a sync or rotation
// writes it.
type KeyRing struct {
	mu   sync.RWMutex
	keys map[string]Key
}

// NewKeyRing returns a ring holding keys (see Add).
func NewKeyRing(keys ...Key) (*KeyRing, error) {
	r := &KeyRing{keys: make(map[string]Key, len(keys))}
	for _, k := range keys {
		if err := r.Add(k); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Add puts k in the ring. It refuses an inconsistent key, and any key whose
// id is taken: the same key twice is a caller bug, and a different key
// with the same id is a collision that would let one key's tickets be
// checked against the other.
func (r *KeyRing) Add(k Key) error {
	if err := k.validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.addLocked(k)
}

func (r *KeyRing) addLocked(k Key) error {
	if old, ok := r.keys[k.ID]; ok {
		if bytes.Equal(old.Public, k.Public) {
			return fmt.Errorf("%w: %s", ErrKeyExists, k.ID)
		}
		return fmt.Errorf("%w: %s is the id of two different public keys", ErrKeyExists, k.ID)
	}
	if r.keys == nil {
		r.keys = make(map[string]Key)
	}
	r.keys[k.ID] = k.clone()
	return nil
}

// Replace makes the ring hold exactly keys, all at once: a server reloading
// its keys from the store (after `server keys rotate` or `retire` in
// another process) switches every signer and verifier together. On an
// invalid key the ring is left as it was.
func (r *KeyRing) Replace(keys ...Key) error {
	next, err := NewKeyRing(keys...)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.keys = next.keys
	r.mu.Unlock()
	return nil
}

// Get returns the key with the given id. It makes *KeyRing a KeyLookup.
func (r *KeyRing) Get(id string) (Key, bool) {
	if r == nil {
		// A nil ring knows no keys; Verify must not panic on it.
		return Key{}, false
	}
	r.mu.RLock()
	k, ok := r.keys[id]
	r.mu.RUnlock()
	if !ok {
		return Key{}, false
	}
	return k.clone(), true
}

// Active returns the key that signs new tickets: the newest (by CreatedAt,
// then id for a stable tie-break) key that can sign. It is derived from the
// keys themselves rather than kept as a separate pointer, so a ring rebuilt
// from the store after a restart picks the same key.
func (r *KeyRing) Active() (Key, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	best, ok := r.activeLocked()
	if !ok {
		return Key{}, ErrNoActiveKey
	}
	return best.clone(), nil
}

func (r *KeyRing) activeLocked() (Key, bool) {
	var best Key
	found := false
	for _, k := range r.keys {
		if !k.CanSign() {
			continue
		}
		if !found || newer(k, best) {
			best, found = k, true
		}
	}
	return best, found
}

// newer orders keys for Active.
func newer(a, b Key) bool {
	if !a.CreatedAt.Equal(b.CreatedAt) {
		return a.CreatedAt.After(b.CreatedAt)
	}
	return a.ID > b.ID
}

// Rotate adds newKey and makes it the active key. Old keys are left as
// they are: tickets they signed keep verifying until they are retired
// explicitly (Retire), typically once the last validity window they signed
// has closed. A zero CreatedAt is set to now; newKey must be able to sign
// and must not be older than the current active key, otherwise it would
// not become active and the rotation would silently do nothing.
func (r *KeyRing) Rotate(newKey Key, now time.Time) error {
	if newKey.CreatedAt.IsZero() {
		newKey.CreatedAt = now
	}
	if !newKey.CanSign() {
		return fmt.Errorf("ticket: rotate to key %q: it cannot sign (no private part, or retired)", newKey.ID)
	}
	if err := newKey.validate(); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if cur, ok := r.activeLocked(); ok && !newer(newKey, cur) {
		return fmt.Errorf("ticket: rotate to key %q: it is not newer than the active key %q", newKey.ID, cur.ID)
	}
	return r.addLocked(newKey)
}

// Retire records that tickets signed by key id are refused after at. The
// key stops signing at once, whatever at is.
func (r *KeyRing) Retire(id string, at time.Time) error {
	if at.IsZero() {
		// A zero RetiredAt means "in use": accepting it would un-retire.
		return fmt.Errorf("ticket: retire key %q: zero time", id)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	k, ok := r.keys[id]
	if !ok {
		return fmt.Errorf("%w: %s", ErrNoSuchKey, id)
	}
	k.RetiredAt = at
	r.keys[id] = k
	return nil
}

// Public returns every key without its private part, oldest first: the
// list published to scanners (GateService.Sync), retired keys included so
// that scanners know when each stops verifying.
func (r *KeyRing) Public() []Key {
	r.mu.RLock()
	out := make([]Key, 0, len(r.keys))
	for _, k := range r.keys {
		k = k.clone()
		k.Private = nil
		out = append(out, k)
	}
	r.mu.RUnlock()
	slices.SortFunc(out, func(a, b Key) int {
		if newer(a, b) {
			return 1
		}
		if newer(b, a) {
			return -1
		}
		return 0
	})
	return out
}
