package ticket

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// fuzzSeeds returns valid payloads (typical and largest claims) and the
// ring that verifies them.
func fuzzSeeds(f *testing.F) ([]string, *KeyRing) {
	f.Helper()
	k := seedKey(f, 1, t0)
	largest := Claims{
		TicketID: "ffffffff-ffff-ffff-ffff-ffffffffffff", ResourceID: "ffffffff-ffff-ffff-ffff-ffffffffffff",
		ValidFrom: time.Unix(-2, 0), ValidUntil: time.Unix(-1, 0),
		MaxStay: math.MaxUint32 * time.Second, Seats: MaxSeats,
	}
	var valid []string
	for _, c := range []Claims{typicalClaims(), largest} {
		p, err := c.Encode(k)
		require.NoError(f, err)
		valid = append(valid, p)
		f.Add(p)
		f.Add(p[:len(p)-2])
		f.Add(strings.ToLower(p))
	}
	for _, s := range []string{"", Prefix, "VT1:BB8", "VT2:", "https://example.org/t/1", "VT1:" + strings.Repeat("Z", 300)} {
		f.Add(s)
	}
	return valid, ring(f, k)
}

// FuzzDecode: Decode never panics, and whatever it accepts satisfies the
// claims invariants and is never refused as malformed by Verify.
func FuzzDecode(f *testing.F) {
	_, keys := fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, payload string) {
		c, err := Decode(payload)
		_, verr := Verify(payload, keys, t0)
		if err != nil {
			var e *Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, KindMalformed, e.Kind)
			require.ErrorIs(t, verr, ErrMalformed, "Decode and Verify agree on what is malformed")
			return
		}
		require.NotErrorIs(t, verr, ErrMalformed)
		require.True(t, validKeyID(c.KeyID))
		require.NotEqual(t, uuid.Nil, uuid.MustParse(c.TicketID))
		require.NotEqual(t, uuid.Nil, uuid.MustParse(c.ResourceID))
		require.False(t, c.ValidUntil.Before(c.ValidFrom))
		require.GreaterOrEqual(t, c.Seats, 1)
		require.GreaterOrEqual(t, c.MaxStay, time.Duration(0))
		require.True(t, IsQRAlphanumeric(payload))
	})
}

// FuzzVerify: Verify never panics, always says why it refuses, and accepts
// nothing but the payloads that were actually signed. That last property
// holds because base45 decoding is strict (one string per byte string),
// the claims must be canonical, and Ed25519 as implemented by crypto/ed25519
// is strongly unforgeable (non-canonical signatures are rejected).
func FuzzVerify(f *testing.F) {
	valid, keys := fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, payload string) {
		_, err := Verify(payload, keys, t0)
		if err == nil {
			require.Contains(t, valid, payload)
			return
		}
		var e *Error
		require.True(t, errors.As(err, &e), "%T %v", err, err)
		require.NotEmpty(t, e.Reason())
	})
}
