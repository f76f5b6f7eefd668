package push

import (
	"context"
	"encoding/base64"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGenerateVAPID(t *testing.T) {
	t.Parallel()
	k, err := GenerateVAPID()
	require.NoError(t, err)
	pub, err := base64.RawURLEncoding.DecodeString(k.PublicKey)
	require.NoError(t, err, "public key is unpadded base64url")
	require.Len(t, pub, 65)
	require.Equal(t, byte(0x04), pub[0], "uncompressed point, as applicationServerKey wants")
	priv, err := base64.RawURLEncoding.DecodeString(k.PrivateKey)
	require.NoError(t, err)
	require.Len(t, priv, 32)
	require.NoError(t, k.Validate())

	other, err := GenerateVAPID()
	require.NoError(t, err)
	require.NotEqual(t, k, other)
	require.Error(t, VAPIDKeys{PublicKey: other.PublicKey, PrivateKey: k.PrivateKey}.Validate())
	require.Error(t, VAPIDKeys{PublicKey: k.PublicKey}.Validate())
	require.Error(t, VAPIDKeys{PublicKey: "***", PrivateKey: k.PrivateKey}.Validate())
}

// memStore is an in-memory KeyStore with the insert-or-ignore contract.
type memStore struct {
	mu      sync.Mutex
	keys    *VAPIDKeys
	saves   int
	loadErr error
	onSave  func() // runs before storing, to simulate a racing instance
}

func (m *memStore) LoadVAPID(context.Context) (VAPIDKeys, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.loadErr != nil {
		return VAPIDKeys{}, false, m.loadErr
	}
	if m.keys == nil {
		return VAPIDKeys{}, false, nil
	}
	return *m.keys, true, nil
}

func (m *memStore) SaveVAPID(_ context.Context, k VAPIDKeys) error {
	if m.onSave != nil {
		m.onSave()
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.saves++
	if m.keys == nil {
		m.keys = &k
	}
	return nil
}

func TestLoadOrCreate(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("generated once and stored", func(t *testing.T) {
		t.Parallel()
		store := &memStore{}
		first, err := LoadOrCreate(ctx, store)
		require.NoError(t, err)
		require.NoError(t, first.Validate())
		again, err := LoadOrCreate(ctx, store)
		require.NoError(t, err)
		require.Equal(t, first, again)
		require.Equal(t, 1, store.saves)
	})
	t.Run("losing a race adopts the stored pair", func(t *testing.T) {
		t.Parallel()
		winner := mustKeys(t)
		store := &memStore{}
		store.onSave = func() {
			store.mu.Lock()
			defer store.mu.Unlock()
			store.keys = &winner // another instance saved first
		}
		got, err := LoadOrCreate(ctx, store)
		require.NoError(t, err)
		require.Equal(t, winner, got)
	})
	t.Run("load error", func(t *testing.T) {
		t.Parallel()
		boom := errors.New("database is locked")
		_, err := LoadOrCreate(ctx, &memStore{loadErr: boom})
		require.ErrorIs(t, err, boom)
	})
	t.Run("corrupt stored pair", func(t *testing.T) {
		t.Parallel()
		a, b := mustKeys(t), mustKeys(t)
		_, err := LoadOrCreate(ctx, &memStore{keys: &VAPIDKeys{PublicKey: a.PublicKey, PrivateKey: b.PrivateKey}})
		require.Error(t, err)
	})
}
