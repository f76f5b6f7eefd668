package ticket

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDeriveKeyID(t *testing.T) {
	t.Parallel()
	k := seedKey(t, 1, t0)
	require.Len(t, k.ID, KeyIDLen)
	require.True(t, validKeyID(k.ID))
	require.Equal(t, k.ID, DeriveKeyID(k.Public), "stable")
	require.NotEqual(t, k.ID, seedKey(t, 2, t0).ID)

	// RFC 8032 test 1: a public key anyone can check the derivation with.
	pub, err := hex.DecodeString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
	require.NoError(t, err)
	// Computed independently: base32(sha256(pub)[:5]) in Python.
	require.Equal(t, "EH7DDX5B", DeriveKeyID(pub))
}

func TestNewKeyAndKeyFromSeed(t *testing.T) {
	t.Parallel()
	seed := bytes.Repeat([]byte{7}, ed25519.SeedSize)
	a, err := NewKey(bytes.NewReader(seed), t0)
	require.NoError(t, err)
	b, err := KeyFromSeed(seed, t0)
	require.NoError(t, err)
	require.Equal(t, a, b)
	require.Equal(t, t0, a.CreatedAt)
	require.NoError(t, a.validate())

	_, err = NewKey(bytes.NewReader(seed[:5]), t0)
	require.Error(t, err, "short entropy")
	_, err = KeyFromSeed(seed[:31], t0)
	require.Error(t, err)

	random, err := NewKey(nil, t0)
	require.NoError(t, err)
	require.NotEqual(t, a.ID, random.ID)
}

func TestKeyRingAddRefuses(t *testing.T) {
	t.Parallel()
	k := seedKey(t, 1, t0)
	other := seedKey(t, 2, t0)
	tests := []struct {
		name string
		key  Key
	}{
		{"same key twice", k},
		{"another key under this id", func() Key { c := other; c.ID = k.ID; return c }()},
		{"id not derived from the key", func() Key { c := other; c.ID = "AAAAAAAA"; return c }()},
		{"short public key", func() Key { c := other; c.Public = c.Public[:31]; return c }()},
		{"short private key", func() Key { c := other; c.Private = c.Private[:63]; return c }()},
		{"private part of another key", func() Key { c := other; c.Private = seedKey(t, 3, t0).Private; return c }()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := ring(t, k)
			require.Error(t, r.Add(tc.key))
			got, ok := r.Get(k.ID)
			require.True(t, ok)
			require.Equal(t, k, got, "the ring is unchanged")
		})
	}
	r := ring(t, k)
	require.ErrorIs(t, r.Add(k), ErrKeyExists)
	_, err := NewKeyRing(k, k)
	require.ErrorIs(t, err, ErrKeyExists)
	var zero KeyRing
	require.NoError(t, zero.Add(k), "the zero KeyRing is usable")
}

func TestKeyRingActive(t *testing.T) {
	t.Parallel()
	old := seedKey(t, 1, t0)
	mid := seedKey(t, 2, t0.Add(time.Hour))
	newest := seedKey(t, 3, t0.Add(2*time.Hour))
	newestPublic := newest
	newestPublic.Private = nil
	tests := []struct {
		name   string
		keys   []Key
		retire []string
		want   string
	}{
		{"newest wins", []Key{mid, old, newest}, nil, newest.ID},
		{"retired keys never sign", []Key{old, mid, newest}, []string{newest.ID}, mid.ID},
		{"public-only keys never sign", []Key{old, newestPublic}, nil, old.ID},
		{"none can sign", []Key{old}, []string{old.ID}, ""},
		{"empty ring", nil, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := ring(t, tc.keys...)
			for _, id := range tc.retire {
				require.NoError(t, r.Retire(id, t0.Add(24*time.Hour)))
			}
			got, err := r.Active()
			if tc.want == "" {
				require.ErrorIs(t, err, ErrNoActiveKey)
				_, err = r.Sign(typicalClaims())
				require.ErrorIs(t, err, ErrNoActiveKey)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got.ID)
		})
	}
}

func TestKeyRingTieBreakIsStable(t *testing.T) {
	t.Parallel()
	a, b := seedKey(t, 1, t0), seedKey(t, 2, t0)
	want := max(a.ID, b.ID)
	for range 20 { // map iteration order varies between runs
		got, err := ring(t, a, b).Active()
		require.NoError(t, err)
		require.Equal(t, want, got.ID)
	}
}

func TestRotation(t *testing.T) {
	t.Parallel()
	old := seedKey(t, 1, t0)
	r := ring(t, old)
	before, err := r.Sign(typicalClaims())
	require.NoError(t, err)

	now := t0.Add(30 * 24 * time.Hour)
	next := seedKey(t, 2, time.Time{})
	require.NoError(t, r.Rotate(next, now))

	active, err := r.Active()
	require.NoError(t, err)
	require.Equal(t, next.ID, active.ID)
	require.Equal(t, now, active.CreatedAt, "a zero CreatedAt is stamped")

	after, err := r.Sign(typicalClaims())
	require.NoError(t, err)
	c, err := Verify(after, r, now)
	require.NoError(t, err)
	require.Equal(t, next.ID, c.KeyID, "new tickets use the new key")

	c, err = Verify(before, r, now)
	require.NoError(t, err, "old tickets keep verifying after a rotation")
	require.Equal(t, old.ID, c.KeyID)

	// Scanners get the public list and verify both.
	scanner := ring(t, r.Public()...)
	for _, p := range []string{before, after} {
		_, err := Verify(p, scanner, now)
		require.NoError(t, err)
	}

	// Until the old key is retired explicitly.
	require.NoError(t, r.Retire(old.ID, now))
	_, err = Verify(before, r, now.Add(time.Second))
	require.ErrorIs(t, err, ErrRetiredKey)
	_, err = Verify(after, r, now.Add(time.Second))
	require.NoError(t, err)
}

func TestRotateRefuses(t *testing.T) {
	t.Parallel()
	cur := seedKey(t, 1, t0)
	older := seedKey(t, 2, t0.Add(-time.Hour))
	public := seedKey(t, 3, t0.Add(time.Hour))
	public.Private = nil
	retired := seedKey(t, 4, t0.Add(time.Hour))
	retired.RetiredAt = t0
	bad := seedKey(t, 5, t0.Add(time.Hour))
	bad.ID = "AAAAAAAA"
	tests := []struct {
		name string
		key  Key
	}{
		{"older than the active key", older},
		{"the active key again", cur},
		{"no private part", public},
		{"retired", retired},
		{"inconsistent", bad},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := ring(t, cur)
			require.Error(t, r.Rotate(tc.key, t0.Add(time.Hour)))
			got, err := r.Active()
			require.NoError(t, err)
			require.Equal(t, cur.ID, got.ID)
		})
	}
}

func TestRetire(t *testing.T) {
	t.Parallel()
	k := seedKey(t, 1, t0)
	r := ring(t, k)
	require.ErrorIs(t, r.Retire("ZZZZZZZZ", t0), ErrNoSuchKey)
	require.Error(t, r.Retire(k.ID, time.Time{}), "zero would un-retire")
	require.NoError(t, r.Retire(k.ID, t0.Add(time.Hour)))
	got, _ := r.Get(k.ID)
	require.Equal(t, t0.Add(time.Hour), got.RetiredAt)
	require.False(t, got.CanSign(), "a key scheduled for retirement stops signing at once")
	require.False(t, got.RetiredBy(t0.Add(time.Hour)))
	require.True(t, got.RetiredBy(t0.Add(time.Hour+1)))
}

func TestPublicHasNoPrivatePartsAndIsOrdered(t *testing.T) {
	t.Parallel()
	a, b, c := seedKey(t, 1, t0), seedKey(t, 2, t0.Add(time.Hour)), seedKey(t, 3, t0.Add(2*time.Hour))
	r := ring(t, c, a, b)
	require.NoError(t, r.Retire(a.ID, t0.Add(time.Minute)))
	pub := r.Public()
	require.Len(t, pub, 3)
	for i, want := range []Key{a, b, c} {
		require.Equal(t, want.ID, pub[i].ID)
		require.Equal(t, want.Public, pub[i].Public)
		require.Nil(t, pub[i].Private)
	}
	require.Equal(t, t0.Add(time.Minute), pub[0].RetiredAt, "retired keys are published with their instant")

	// The returned keys are copies: changing them does not change the ring.
	pub[1].Public[0] ^= 0xFF
	got, _ := r.Get(b.ID)
	require.Equal(t, b.Public, got.Public)
	got.Private[0] ^= 0xFF
	again, _ := r.Get(b.ID)
	require.Equal(t, b.Private, again.Private)
}

func TestKeyRingConcurrentUse(t *testing.T) {
	t.Parallel()
	r := ring(t, seedKey(t, 1, t0))
	payload, err := r.Sign(typicalClaims())
	require.NoError(t, err)
	var added []Key
	for i := range 4 {
		added = append(added, seedKey(t, byte(10+i), t0.Add(time.Duration(i+1)*time.Hour)))
	}
	// Readers verify, sign and publish while writers add and retire keys;
	// -race checks the locking. assert, not require: these run off the
	// test goroutine.
	var wg sync.WaitGroup
	for _, k := range added {
		wg.Go(func() {
			for range 50 {
				_, err := Verify(payload, r, t0)
				assert.NoError(t, err)
				_, err = r.Sign(typicalClaims())
				assert.NoError(t, err)
				_ = r.Public()
			}
		})
		wg.Go(func() {
			assert.NoError(t, r.Add(k))
			assert.NoError(t, r.Retire(k.ID, t0.Add(48*time.Hour)))
		})
	}
	wg.Wait()
	require.Len(t, r.Public(), 5)
	active, err := r.Active()
	require.NoError(t, err)
	require.Equal(t, DeriveKeyID(seedKey(t, 1, t0).Public), active.ID, "the added keys were all retired")
}
