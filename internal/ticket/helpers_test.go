package ticket

import (
	"bytes"
	"crypto/ed25519"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// t0 is the fixed "now" of the tests: the morning of an event day.
var t0 = time.Date(2026, 9, 12, 8, 0, 0, 0, time.UTC)

// seedKey returns the key whose Ed25519 seed is 32 bytes of b, created at
// at: deterministic, so failures reproduce.
func seedKey(t testing.TB, b byte, at time.Time) Key {
	t.Helper()
	k, err := NewKey(bytes.NewReader(bytes.Repeat([]byte{b}, ed25519.SeedSize)), at)
	require.NoError(t, err)
	return k
}

// typicalClaims is a ticket as the booking service issues it: a two-seat
// event ticket valid for the day with a two-hour maximum stay.
func typicalClaims() Claims {
	return Claims{
		TicketID:   "0f8fad5b-d9cb-469f-a165-70867728950e",
		ResourceID: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
		ValidFrom:  t0,
		ValidUntil: t0.Add(12 * time.Hour),
		MaxStay:    2 * time.Hour,
		Seats:      2,
	}
}

// signRaw signs arbitrary claims bytes the VT1 way, to build payloads the
// encoder would refuse to produce.
func signRaw(k Key, raw []byte) string {
	return assemble(raw, ed25519.Sign(k.Private, signedMessage(raw)))
}

// splitPayload returns the claims bytes and signature of a valid payload.
func splitPayload(t testing.TB, payload string) (raw, sig []byte) {
	t.Helper()
	_, raw, sig, err := parse(payload)
	require.NoError(t, err)
	return raw, sig
}

// ring returns a key ring holding keys.
func ring(t testing.TB, keys ...Key) *KeyRing {
	t.Helper()
	r, err := NewKeyRing(keys...)
	require.NoError(t, err)
	return r
}
