package ticket

import (
	"context"
	"fmt"
	"io"
	"time"
)

// KeyStore persists signing keys on the server. It is implemented by the
// store package; this package only says what it needs. SaveKey receives the
// private part: implementations must keep it as secret as any credential.
type KeyStore interface {
	// LoadKeys returns every key, retired ones included.
	LoadKeys(ctx context.Context) ([]Key, error)
	// SaveKey stores a new key.
	SaveKey(ctx context.Context, k Key) error
	// RetireKey records the retirement instant of key id.
	RetireKey(ctx context.Context, id string, at time.Time) error
}

// LoadOrCreate builds the server's key ring from the store, first
// generating and saving a key (entropy from random, created at now) when no
// stored key can sign: on the very first start, or after every key was
// retired. The new key is saved before it is used, so no ticket is ever
// signed by a key that a restart would forget. Two servers racing on an
// empty store each save a key; both are valid and both get published, so
// that race is harmless.
func LoadOrCreate(ctx context.Context, store KeyStore, random io.Reader, now time.Time) (*KeyRing, error) {
	keys, err := store.LoadKeys(ctx)
	if err != nil {
		return nil, fmt.Errorf("ticket: load keys: %w", err)
	}
	ring, err := NewKeyRing(keys...)
	if err != nil {
		return nil, err
	}
	if _, err := ring.Active(); err == nil {
		return ring, nil
	}
	k, err := NewKey(random, now)
	if err != nil {
		return nil, err
	}
	if err := store.SaveKey(ctx, k); err != nil {
		return nil, fmt.Errorf("ticket: save key %s: %w", k.ID, err)
	}
	if err := ring.Rotate(k, now); err != nil {
		return nil, err
	}
	return ring, nil
}

// Reload replaces ring's keys with the store's, so keys rotated or retired
// by another process (`server keys ...`) apply without a restart. A store
// holding no key that can sign leaves the ring as it is: the server keeps
// signing with what it has rather than stopping.
func Reload(ctx context.Context, store KeyStore, ring *KeyRing) error {
	keys, err := store.LoadKeys(ctx)
	if err != nil {
		return fmt.Errorf("ticket: reload keys: %w", err)
	}
	next, err := NewKeyRing(keys...)
	if err != nil {
		return err
	}
	if _, err := next.Active(); err != nil {
		return fmt.Errorf("ticket: reload keys: the store has no key that can sign; keeping the loaded ones")
	}
	return ring.Replace(keys...)
}
