package ticket

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestBase45RFCVectors(t *testing.T) {
	t.Parallel()
	// RFC 9285 sections 4.3 and 4.4.
	tests := []struct{ plain, encoded string }{
		{"", ""},
		{"AB", "BB8"},
		{"Hello!!", "%69 VD92EX0"},
		{"base-45", "UJCLQE7W581"},
		{"ietf!", "QED8WEX0"},
	}
	for _, tc := range tests {
		t.Run(tc.encoded, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.encoded, encodeBase45([]byte(tc.plain)))
			got, err := decodeBase45(tc.encoded)
			require.NoError(t, err)
			require.Equal(t, tc.plain, string(got))
		})
	}
}

func TestBase45DecodeRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in string }{
		{"one dangling character", "BB8A"},
		{"single character", "A"},
		{"lower case", "bb8"},
		{"outside the alphabet", "BB#"},
		{"non-ASCII", "B\xc3\xa9"},
		{"three characters above 65535", "GGW"},
		{"largest three-character group", ":::"},
		{"two characters above 255", "BB8:5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := decodeBase45(tc.in)
			require.Error(t, err)
		})
	}
}

func TestBase45RoundTripAndCanonical(t *testing.T) {
	t.Parallel()
	// Edge values of every group: all zero and all 0xFF bytes, at every
	// length parity; decoding then re-encoding must give the same string,
	// which is what makes the payload canonical.
	for n := range 9 {
		for _, fill := range []byte{0x00, 0x01, 0x7F, 0xFF} {
			src := make([]byte, n)
			for i := range src {
				src[i] = fill
			}
			enc := encodeBase45(src)
			got, err := decodeBase45(enc)
			require.NoError(t, err)
			require.Equal(t, src, got)
			require.Equal(t, enc, encodeBase45(got))
		}
	}
	// 0xFFFF is "FGW" (65535 = 15 + 16*45 + 32*2025): the largest group.
	require.Equal(t, "FGW", encodeBase45([]byte{0xFF, 0xFF}))
	require.Equal(t, "U5", encodeBase45([]byte{0xFF}))
}
