package push

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
)

// VAPIDKeys is the application server's key pair (RFC 8292). Both halves are
// unpadded base64url, the form browsers take as applicationServerKey and the
// form webpush-go expects.
type VAPIDKeys struct {
	// PublicKey is the uncompressed P-256 point (65 bytes, 0x04||X||Y).
	PublicKey string
	// PrivateKey is the P-256 scalar (32 bytes).
	PrivateKey string
}

// GenerateVAPID creates a fresh P-256 VAPID key pair.
func GenerateVAPID() (VAPIDKeys, error) {
	priv, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return VAPIDKeys{}, fmt.Errorf("push: generate VAPID key: %w", err)
	}
	return VAPIDKeys{
		PublicKey:  base64.RawURLEncoding.EncodeToString(priv.PublicKey().Bytes()),
		PrivateKey: base64.RawURLEncoding.EncodeToString(priv.Bytes()),
	}, nil
}

// Validate reports whether both keys decode and belong together. A stored
// public key that does not match the private one would make every push
// service answer 401/403 while the browsers keep subscribing with the
// published key, so it is refused at start-up instead.
func (k VAPIDKeys) Validate() error {
	rawPriv, err := decodeKey(k.PrivateKey)
	if err != nil {
		return fmt.Errorf("push: VAPID private key: %w", err)
	}
	priv, err := ecdh.P256().NewPrivateKey(rawPriv)
	if err != nil {
		return fmt.Errorf("push: VAPID private key: %w", err)
	}
	rawPub, err := decodeKey(k.PublicKey)
	if err != nil {
		return fmt.Errorf("push: VAPID public key: %w", err)
	}
	if string(priv.PublicKey().Bytes()) != string(rawPub) {
		return errors.New("push: VAPID public key does not match the private key")
	}
	return nil
}

// KeyStore persists the VAPID key pair. Browsers bind every subscription to
// the public key they were given, so the pair must survive restarts and be
// shared by every instance.
type KeyStore interface {
	// LoadVAPID returns the stored pair and true, or false when none is stored.
	LoadVAPID(ctx context.Context) (VAPIDKeys, bool, error)
	// SaveVAPID stores keys only when no pair is stored yet and otherwise
	// leaves the stored pair alone (insert-or-ignore), so two instances
	// starting together cannot overwrite each other's keys.
	SaveVAPID(ctx context.Context, keys VAPIDKeys) error
}

// LoadOrCreate returns the stored VAPID pair, generating and storing one on
// first use. After saving it reads the pair back, so that when two instances
// race the loser adopts the winner's keys instead of signing with keys no
// browser will ever see.
func LoadOrCreate(ctx context.Context, store KeyStore) (VAPIDKeys, error) {
	keys, ok, err := store.LoadVAPID(ctx)
	if err != nil {
		return VAPIDKeys{}, fmt.Errorf("push: load VAPID keys: %w", err)
	}
	if !ok {
		fresh, err := GenerateVAPID()
		if err != nil {
			return VAPIDKeys{}, err
		}
		if err := store.SaveVAPID(ctx, fresh); err != nil {
			return VAPIDKeys{}, fmt.Errorf("push: save VAPID keys: %w", err)
		}
		keys, ok, err = store.LoadVAPID(ctx)
		if err != nil {
			return VAPIDKeys{}, fmt.Errorf("push: reload VAPID keys: %w", err)
		}
		if !ok {
			return VAPIDKeys{}, errors.New("push: VAPID keys not found after saving them")
		}
	}
	if err := keys.Validate(); err != nil {
		return VAPIDKeys{}, err
	}
	return keys, nil
}

// decodeKey accepts base64url with or without padding and, because some
// front ends encode PushSubscription.getKey() with btoa, standard base64 too.
func decodeKey(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty")
	}
	trimmed := trimPadding(s)
	if b, err := base64.RawURLEncoding.DecodeString(trimmed); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(trimmed)
}

func trimPadding(s string) string {
	for len(s) > 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
	}
	return s
}
