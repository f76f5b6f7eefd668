package qrcode_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/qrcode"
)

// A drawn code reads back with zbarimg, and its outer 4 modules on every
// side are light.
func TestEncode(t *testing.T) {
	t.Parallel()
	for _, text := range []string{"4K74-R7M3-DCMC", "https://varco.comune.example/gate/#/?codice=4K74-R7M3-DCMC"} {
		m, err := qrcode.Encode(text)
		require.NoError(t, err)
		n := len(m)
		require.Equal(t, 1, n%2, "odd side")
		for y, row := range m {
			require.Len(t, row, n)
			for x, dark := range row {
				inside := x >= qrcode.QuietZone && y >= qrcode.QuietZone && x < n-qrcode.QuietZone && y < n-qrcode.QuietZone
				require.False(t, dark && !inside, "dark module at %d,%d in the quiet zone", x, y)
			}
		}
		require.True(t, slices.Contains(m[qrcode.QuietZone], true), "the code starts right after the quiet zone")
		img, err := m.PNG(4)
		require.NoError(t, err)
		require.Equal(t, text, browsertest.DecodeQR(t, img))
	}
}
