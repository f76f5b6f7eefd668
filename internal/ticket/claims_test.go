package ticket

import (
	"crypto/ed25519"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	k := seedKey(t, 1, t0)
	tests := []struct {
		name   string
		claims Claims
	}{
		{"typical", typicalClaims()},
		{"no max stay, one seat", func() Claims {
			c := typicalClaims()
			c.MaxStay, c.Seats = 0, 1
			return c
		}()},
		{"one-instant window", func() Claims {
			c := typicalClaims()
			c.ValidUntil = c.ValidFrom
			return c
		}()},
		{"upper-case UUIDs are canonicalised", func() Claims {
			c := typicalClaims()
			c.TicketID = strings.ToUpper(c.TicketID)
			return c
		}()},
		{"largest values", Claims{
			TicketID: "ffffffff-ffff-ffff-ffff-ffffffffffff", ResourceID: "ffffffff-ffff-ffff-ffff-ffffffffffff",
			ValidFrom: time.Unix(-2, 0), ValidUntil: time.Unix(-1, 0),
			MaxStay: math.MaxUint32 * time.Second, Seats: MaxSeats,
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			payload, err := tc.claims.Encode(k)
			require.NoError(t, err)
			require.True(t, strings.HasPrefix(payload, Prefix))

			want := tc.claims
			want.KeyID = k.ID
			want.TicketID = strings.ToLower(want.TicketID)
			want.ValidFrom, want.ValidUntil = want.ValidFrom.UTC(), want.ValidUntil.UTC()

			got, err := Verify(payload, ring(t, k), t0)
			require.NoError(t, err)
			require.Equal(t, want, got)
			require.Equal(t, ReasonOK, ReasonOf(err))

			decoded, err := Decode(payload)
			require.NoError(t, err)
			require.Equal(t, want, decoded)
		})
	}
}

func TestEncodeTruncatesInstantsToSeconds(t *testing.T) {
	t.Parallel()
	k := seedKey(t, 1, t0)
	c := typicalClaims()
	c.ValidFrom = c.ValidFrom.Add(999 * time.Millisecond)
	c.ValidUntil = c.ValidUntil.Add(time.Nanosecond)
	payload, err := c.Encode(k)
	require.NoError(t, err)
	got, err := Decode(payload)
	require.NoError(t, err)
	require.Equal(t, t0, got.ValidFrom)
	require.Equal(t, t0.Add(12*time.Hour), got.ValidUntil)
}

// tooManySeats is a variable so that the test compiles on 32-bit targets.
var tooManySeats int64 = MaxSeats + 1

func TestEncodeRefuses(t *testing.T) {
	t.Parallel()
	k := seedKey(t, 1, t0)
	retired := k
	retired.RetiredAt = t0
	public := k
	public.Private = nil
	other := seedKey(t, 2, t0)
	mismatched := k
	mismatched.Private = other.Private
	tests := []struct {
		name   string
		key    Key
		mutate func(*Claims)
	}{
		{"key without private part", public, func(*Claims) {}},
		{"retired key", retired, func(*Claims) {}},
		{"private part of another key", mismatched, func(*Claims) {}},
		{"claims name another key", k, func(c *Claims) { c.KeyID = other.ID }},
		{"bad ticket id", k, func(c *Claims) { c.TicketID = "T-123" }},
		{"nil ticket id", k, func(c *Claims) { c.TicketID = "00000000-0000-0000-0000-000000000000" }},
		{"missing resource id", k, func(c *Claims) { c.ResourceID = "" }},
		{"no valid from", k, func(c *Claims) { c.ValidFrom = time.Time{} }},
		{"no valid until", k, func(c *Claims) { c.ValidUntil = time.Time{} }},
		{"window reversed", k, func(c *Claims) { c.ValidUntil = c.ValidFrom.Add(-time.Second) }},
		{"negative max stay", k, func(c *Claims) { c.MaxStay = -time.Minute }},
		{"sub-second max stay", k, func(c *Claims) { c.MaxStay = 500 * time.Millisecond }},
		{"max stay over 2^32 s", k, func(c *Claims) { c.MaxStay = (math.MaxUint32 + 1) * time.Second }},
		{"no seats", k, func(c *Claims) { c.Seats = 0 }},
		{"negative seats", k, func(c *Claims) { c.Seats = -1 }},
		{"too many seats", k, func(c *Claims) { c.Seats = int(tooManySeats) }}, // wraps negative on 32-bit: refused too
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := typicalClaims()
			tc.mutate(&c)
			payload, err := c.Encode(tc.key)
			require.Error(t, err)
			require.Empty(t, payload)
		})
	}
}

// rawClaims encodes a wire message without the checks of Encode.
func rawClaims(t *testing.T, mutate func(*varcov1.TicketClaims)) []byte {
	t.Helper()
	c := typicalClaims()
	c.KeyID = seedKey(t, 1, t0).ID
	m, err := c.toProto()
	require.NoError(t, err)
	mutate(m)
	raw, err := marshalClaims(m)
	require.NoError(t, err)
	return raw
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	k := seedKey(t, 1, t0)
	stranger := seedKey(t, 2, t0)
	// Same id as k, different key pair: what a forger who copies the id
	// of a real key produces.
	impostor := stranger
	impostor.ID = k.ID

	valid, err := typicalClaims().Encode(k)
	require.NoError(t, err)
	body := strings.TrimPrefix(valid, Prefix)
	raw, sig := splitPayload(t, valid)

	flip := func(b []byte, i int) []byte {
		c := append([]byte(nil), b...)
		c[i] ^= 0x01
		return c
	}
	// Byte 20 of the claims lies inside the ticket_id bytes (key id field
	// is bytes 0-9, ticket_id tag and length 10-11): the claims still
	// parse, so only the signature can catch it.
	require.Equal(t, byte(0x12), raw[10])
	tampered := assemble(flip(raw, 20), sig)

	retiredRing := ring(t, k)
	require.NoError(t, retiredRing.Retire(k.ID, t0.Add(time.Hour)))

	tests := []struct {
		name    string
		payload string
		keys    KeyLookup
		now     time.Time
		kind    Kind
		reason  Reason
	}{
		{"empty", "", ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"no prefix", body, ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"other version", "VT2:" + body, ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"prefix without colon", "VT1" + body, ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"lower case", strings.ToLower(valid), ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"lower-case body", Prefix + strings.ToLower(body), ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"character outside base45", valid[:10] + "#" + valid[11:], ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"trailing newline", valid + "\n", ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"truncated by one character", valid[:len(valid)-1], ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"truncated by one group", valid[:len(valid)-3], ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"truncated to the signature", assemble(nil, sig), ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"only the prefix", Prefix, ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"extra character", valid + "0", ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"extra byte", assemble(raw, append(append([]byte(nil), sig...), 0)), ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"too long", valid + strings.Repeat("000", MaxPayloadLen), ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"bit flip in claims", tampered, ring(t, k), t0, KindForged, ReasonForged},
		{"bit flip in signature", assemble(raw, flip(sig, 7)), ring(t, k), t0, KindForged, ReasonForged},
		{"signature without the VT1 context", assemble(raw, ed25519.Sign(k.Private, raw)), ring(t, k), t0, KindForged, ReasonForged},
		{"signed by another key under the same id", signRaw(impostor, raw), ring(t, k), t0, KindForged, ReasonForged},
		{"unknown key id", valid, ring(t, stranger), t0, KindUnknownKey, ReasonUnknownKey},
		{"no keys at all", valid, nil, t0, KindUnknownKey, ReasonUnknownKey},
		{"nil ring", valid, (*KeyRing)(nil), t0, KindUnknownKey, ReasonUnknownKey},
		{"retired key after RetiredAt", valid, retiredRing, t0.Add(time.Hour + time.Second), KindRetiredKey, ReasonUnknownKey},
		{"unknown field, signed", signRaw(k, protowire.AppendVarint(protowire.AppendTag(rawClaims(t, func(*varcov1.TicketClaims) {}), 15, protowire.VarintType), 1)), ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"fields out of order, signed", signRaw(k, func() []byte {
			seats := protowire.AppendVarint(protowire.AppendTag(nil, 7, protowire.VarintType), 2)
			rest := rawClaims(t, func(m *varcov1.TicketClaims) { m.Seats = 0 })
			return append(seats, rest...)
		}()), ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"short ticket id, signed", signRaw(k, rawClaims(t, func(m *varcov1.TicketClaims) { m.TicketId = m.TicketId[:15] })), ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"long resource id, signed", signRaw(k, rawClaims(t, func(m *varcov1.TicketClaims) { m.ResourceId = append(m.ResourceId, 0) })), ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"nil ticket id, signed", signRaw(k, rawClaims(t, func(m *varcov1.TicketClaims) { m.TicketId = make([]byte, 16) })), ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"no seats, signed", signRaw(k, rawClaims(t, func(m *varcov1.TicketClaims) { m.Seats = 0 })), ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"too many seats, signed", signRaw(k, rawClaims(t, func(m *varcov1.TicketClaims) { m.Seats = MaxSeats + 1 })), ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"window reversed, signed", signRaw(k, rawClaims(t, func(m *varcov1.TicketClaims) { m.ValidUntil = m.ValidFrom - 1 })), ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"lower-case key id, signed", signRaw(k, rawClaims(t, func(m *varcov1.TicketClaims) { m.KeyId = strings.ToLower(m.KeyId) })), ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"short key id, signed", signRaw(k, rawClaims(t, func(m *varcov1.TicketClaims) { m.KeyId = m.KeyId[:7] })), ring(t, k), t0, KindMalformed, ReasonMalformed},
		{"protobuf garbage, signed", signRaw(k, []byte{0xFF, 0xFF, 0xFF}), ring(t, k), t0, KindMalformed, ReasonMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Verify(tc.payload, tc.keys, tc.now)
			require.Error(t, err)
			var e *Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, tc.kind, e.Kind, "%v", err)
			require.ErrorIs(t, err, &Error{Kind: tc.kind})
			require.Equal(t, tc.reason, ReasonOf(err))
		})
	}
}

func TestVerifyReturnsUntrustedClaimsWithKeyErrors(t *testing.T) {
	t.Parallel()
	k := seedKey(t, 1, t0)
	payload, err := typicalClaims().Encode(k)
	require.NoError(t, err)
	c, err := Verify(payload, ring(t, seedKey(t, 2, t0)), t0)
	require.ErrorIs(t, err, ErrUnknownKey)
	require.Equal(t, typicalClaims().TicketID, c.TicketID, "the ticket id is there to be logged")
	require.Equal(t, k.ID, c.KeyID)

	c, err = Verify(Prefix+"BB8", ring(t, k), t0)
	require.ErrorIs(t, err, ErrMalformed)
	require.Equal(t, Claims{}, c)
}

func TestEveryTamperedBitIsRefused(t *testing.T) {
	t.Parallel()
	k := seedKey(t, 1, t0)
	keys := ring(t, k)
	payload, err := typicalClaims().Encode(k)
	require.NoError(t, err)
	raw, sig := splitPayload(t, payload)
	data := append(append([]byte(nil), raw...), sig...)
	for i := range data {
		for bit := range 8 {
			d := append([]byte(nil), data...)
			d[i] ^= 1 << bit
			_, err := Verify(Prefix+encodeBase45(d), keys, t0)
			require.Error(t, err, "byte %d bit %d", i, bit)
			// A flipped bit in the signature always leaves parsable claims;
			// in the claims it is caught by the parser or the signature.
			switch {
			case i >= len(raw):
				require.ErrorIs(t, err, ErrForged, "byte %d bit %d", i, bit)
			default:
				require.True(t, errors.Is(err, ErrForged) || errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnknownKey),
					"byte %d bit %d: %v", i, bit, err)
			}
		}
	}
}

func TestRetiredKeyBoundary(t *testing.T) {
	t.Parallel()
	k := seedKey(t, 1, t0)
	payload, err := typicalClaims().Encode(k)
	require.NoError(t, err)
	retireAt := t0.Add(time.Hour)
	keys := ring(t, k)
	require.NoError(t, keys.Retire(k.ID, retireAt))
	tests := []struct {
		name string
		now  time.Time
		want error
	}{
		{"before RetiredAt", retireAt.Add(-time.Second), nil},
		{"at RetiredAt", retireAt, nil},
		{"just after RetiredAt", retireAt.Add(time.Nanosecond), ErrRetiredKey},
		{"a day after", retireAt.Add(24 * time.Hour), ErrRetiredKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Verify(payload, keys, tc.now)
			if tc.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.want)
			require.Equal(t, ReasonUnknownKey, ReasonOf(err))
		})
	}
}

func TestWindowAndExpiry(t *testing.T) {
	t.Parallel()
	c := typicalClaims()
	tests := []struct {
		name string
		now  time.Time
		want Reason
	}{
		{"a second early", c.ValidFrom.Add(-time.Second), ReasonTooEarly},
		{"at valid from", c.ValidFrom, ReasonOK},
		{"inside", c.ValidFrom.Add(time.Hour), ReasonOK},
		{"at valid until", c.ValidUntil, ReasonOK},
		{"a second late", c.ValidUntil.Add(time.Second), ReasonTooLate},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, c.Window(tc.now))
		})
	}

	at, ok := c.ExpiresAt(t0.Add(30 * time.Minute))
	require.True(t, ok)
	require.Equal(t, t0.Add(150*time.Minute), at)
	c.MaxStay = 0
	_, ok = c.ExpiresAt(t0)
	require.False(t, ok)
}

func TestReasonsMatchScanReasonNames(t *testing.T) {
	t.Parallel()
	// The documented mapping to varco.v1.ScanReason must stay true.
	for _, r := range []Reason{ReasonOK, ReasonMalformed, ReasonForged, ReasonUnknownKey, ReasonTooEarly, ReasonTooLate} {
		_, ok := varcov1.ScanReason_value["SCAN_REASON_"+string(r)]
		require.True(t, ok, r)
	}
	for _, k := range []Kind{KindMalformed, KindUnknownKey, KindForged, KindRetiredKey} {
		_, ok := varcov1.ScanReason_value["SCAN_REASON_"+string(k.Reason())]
		require.True(t, ok, k)
	}
	require.Equal(t, ReasonOK, ReasonOf(nil))
	require.Equal(t, ReasonMalformed, ReasonOf(errors.New("something else")))
}

func TestErrorMessages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Kind: KindMalformed, Detail: "missing VT1: prefix"}, "ticket: malformed: missing VT1: prefix"},
		{&Error{Kind: KindForged, KeyID: "ABCDEFGH"}, "ticket: forged (key ABCDEFGH)"},
		{&Error{Kind: KindRetiredKey, KeyID: "ABCDEFGH", Detail: "retired at x"}, "ticket: retired key (key ABCDEFGH): retired at x"},
		{&Error{Kind: KindUnknownKey}, "ticket: unknown key"},
	}
	for _, tc := range tests {
		t.Run(tc.want, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, tc.err.Error())
		})
	}
}

func TestPayloadCharsetAndLength(t *testing.T) {
	t.Parallel()
	k := seedKey(t, 1, t0)
	typical, err := typicalClaims().Encode(k)
	require.NoError(t, err)
	largest, err := Claims{
		TicketID: "ffffffff-ffff-ffff-ffff-ffffffffffff", ResourceID: "ffffffff-ffff-ffff-ffff-ffffffffffff",
		ValidFrom: time.Unix(-2, 0), ValidUntil: time.Unix(-1, 0),
		MaxStay: math.MaxUint32 * time.Second, Seats: MaxSeats,
	}.Encode(k)
	require.NoError(t, err)
	for _, p := range []string{typical, largest} {
		require.True(t, IsQRAlphanumeric(p), p)
		// Line-based scanner input may be trimmed: a payload never starts
		// or ends with the space of the base45 alphabet.
		require.Equal(t, strings.TrimSpace(p), p)
	}
	t.Logf("typical payload: %d characters; largest possible: %d", len(typical), len(largest))
	require.LessOrEqual(t, len(typical), 200)
	require.Equal(t, 220, len(largest), "documented in MaxPayloadLen and docs/ticket-format.md")
	require.Less(t, len(largest), MaxPayloadLen)
	require.False(t, IsQRAlphanumeric("VT1:abc"))
}
