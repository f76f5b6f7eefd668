package ticket

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// memStore is an in-memory KeyStore.
type memStore struct {
	mu      sync.Mutex
	keys    []Key
	loadErr error
	saveErr error
	saves   int
}

func (s *memStore) LoadKeys(context.Context) ([]Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Key(nil), s.keys...), s.loadErr
}

func (s *memStore) SaveKey(_ context.Context, k Key) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.saveErr != nil {
		return s.saveErr
	}
	s.saves++
	s.keys = append(s.keys, k)
	return nil
}

func (s *memStore) RetireKey(_ context.Context, id string, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.keys {
		if s.keys[i].ID == id {
			s.keys[i].RetiredAt = at
			return nil
		}
	}
	return ErrNoSuchKey
}

var _ KeyStore = (*memStore)(nil)

func TestLoadOrCreate(t *testing.T) {
	t.Parallel()
	stored := seedKey(t, 1, t0.Add(-24*time.Hour))
	publicOnly := stored
	publicOnly.Private = nil
	entropy := bytes.Repeat([]byte{9}, 32)
	generated := seedKey(t, 9, t0)
	boom := errors.New("disk on fire")

	tests := []struct {
		name       string
		store      *memStore
		retire     bool
		wantErr    error
		wantActive string
		wantSaves  int
	}{
		{"empty store: first key generated and saved", &memStore{}, false, nil, generated.ID, 1},
		{"existing key reused", &memStore{keys: []Key{stored}}, false, nil, stored.ID, 0},
		{"every key retired: a new one", &memStore{keys: []Key{stored}}, true, nil, generated.ID, 1},
		{"only public keys: a new one", &memStore{keys: []Key{publicOnly}}, false, nil, generated.ID, 1},
		{"load fails", &memStore{loadErr: boom}, false, boom, "", 0},
		{"save fails: nothing signs with an unsaved key", &memStore{saveErr: boom}, false, boom, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			if tc.retire {
				require.NoError(t, tc.store.RetireKey(ctx, stored.ID, t0))
			}
			r, err := LoadOrCreate(ctx, tc.store, bytes.NewReader(entropy), t0)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				require.Nil(t, r)
				return
			}
			require.NoError(t, err)
			active, err := r.Active()
			require.NoError(t, err)
			require.Equal(t, tc.wantActive, active.ID)
			require.Equal(t, tc.wantSaves, tc.store.saves)

			// What was saved is what a restart loads: same active key.
			again, err := LoadOrCreate(ctx, tc.store, bytes.NewReader(entropy), t0.Add(time.Hour))
			require.NoError(t, err)
			activeAgain, err := again.Active()
			require.NoError(t, err)
			require.Equal(t, active.ID, activeAgain.ID)
			require.Equal(t, tc.wantSaves, tc.store.saves, "no second key on restart")
			require.Equal(t, r.Public(), again.Public())
		})
	}
}

func TestLoadOrCreateRefusesBadStoredKeys(t *testing.T) {
	t.Parallel()
	k := seedKey(t, 1, t0)
	impostor := seedKey(t, 2, t0)
	impostor.ID = k.ID
	tests := []struct {
		name string
		keys []Key
	}{
		{"the same id twice", []Key{k, k}},
		{"a key under another key's id", []Key{k, impostor}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &memStore{keys: tc.keys}
			_, err := LoadOrCreate(t.Context(), s, nil, t0)
			require.Error(t, err)
			require.Zero(t, s.saves, "a broken store is not papered over with a new key")
		})
	}
}

// Reload follows the store (a rotation and a retirement made elsewhere),
// but never leaves the server without a key that can sign.
func TestReload(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	k1 := seedKey(t, 1, t0.Add(-24*time.Hour))
	st := &memStore{keys: []Key{k1}}
	ring, err := LoadOrCreate(ctx, st, nil, t0)
	require.NoError(t, err)

	k2 := seedKey(t, 2, t0)
	require.NoError(t, st.SaveKey(ctx, k2))
	require.NoError(t, Reload(ctx, st, ring))
	active, err := ring.Active()
	require.NoError(t, err)
	require.Equal(t, k2.ID, active.ID)

	require.NoError(t, st.RetireKey(ctx, k1.ID, t0))
	require.NoError(t, Reload(ctx, st, ring))
	got, ok := ring.Get(k1.ID)
	require.True(t, ok)
	require.Equal(t, t0, got.RetiredAt)

	require.NoError(t, st.RetireKey(ctx, k2.ID, t0))
	require.ErrorContains(t, Reload(ctx, st, ring), "no key that can sign")
	active, err = ring.Active()
	require.NoError(t, err, "the loaded keys are kept")
	require.Equal(t, k2.ID, active.ID)

	st.loadErr = errors.New("disk on fire")
	require.ErrorContains(t, Reload(ctx, st, ring), "disk on fire")
}
