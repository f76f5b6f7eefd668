package api

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The memoized compressor's output always inflates to the body it was
// given: bodies too small or too large, seen once, seen again (now from
// the memo), and a different body of the same length after them.
func TestGzipMemo(t *testing.T) {
	t.Parallel()
	memo := newGzipMemo()
	newC := memo.compressor()
	big := strings.Repeat("settantadue posti, ", 400) // ≈ 7.6 KB
	other := strings.Repeat("settantadue posto, ", 400)
	for _, tc := range []struct {
		name, body string
		memoized   bool
	}{
		{"small", "poche parole", false},
		{"first sighting", big, false},
		{"second sighting, kept", big, false},
		{"third, from the memo", big, true},
		{"same length, other bytes", other, false},
		{"from the memo again", big, true},
		{"too large to keep", strings.Repeat("x", memoMaxBytes+1), false},
	} {
		c := newC()
		var out bytes.Buffer
		c.Reset(&out)
		_, err := io.Copy(c, strings.NewReader(tc.body))
		require.NoError(t, err)
		before := len(memo.entries)
		require.NoError(t, c.Close(), tc.name)
		c.Reset(io.Discard)
		zr, err := gzip.NewReader(&out)
		require.NoError(t, err, tc.name)
		got, err := io.ReadAll(zr)
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.body, string(got), tc.name)
		if tc.memoized {
			require.Equal(t, before, len(memo.entries), tc.name)
		}
	}
	require.Len(t, memo.entries, 1, "only the body seen twice is kept")
}
