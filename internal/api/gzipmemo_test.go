package api

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// The memoized compressor's output always inflates to the body it was
// given: bodies too small or too large, a body seen first, seen again (now
// from the memo), and a different body of the same length; and concurrent
// compressions of one body all get it right.
func TestGzipMemo(t *testing.T) {
	t.Parallel()
	memo := newGzipMemo()
	newC := memo.compressor()
	big := strings.Repeat("settantadue posti, ", 400) // ≈ 7.6 KB
	other := strings.Repeat("settantadue posto, ", 400)
	roundTrip := func(body string) string {
		c := newC()
		var out bytes.Buffer
		c.Reset(&out)
		_, err := io.Copy(c, strings.NewReader(body))
		require.NoError(t, err)
		require.NoError(t, c.Close())
		c.Reset(io.Discard)
		zr, err := gzip.NewReader(&out)
		require.NoError(t, err)
		got, err := io.ReadAll(zr)
		require.NoError(t, err)
		return string(got)
	}
	for _, tc := range []struct {
		name, body string
		kept       int
	}{
		{"small", "poche parole", 0},
		{"first sighting, not kept", big, 0},
		{"second sighting, kept", big, 1},
		{"from the memo", big, 1},
		{"same length, other bytes", other, 1},
		{"from the memo again", big, 1},
		{"too large to keep", strings.Repeat("x", memoMaxBytes+1), 1},
	} {
		require.Equal(t, tc.body, roundTrip(tc.body), tc.name)
		require.Len(t, memo.entries, tc.kept, tc.name)
	}
	third := strings.Repeat("settantadue posta, ", 400)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() { require.Equal(t, third, roundTrip(third)) })
	}
	wg.Wait()
	require.Equal(t, third, roundTrip(third))
	require.Len(t, memo.entries, 2, "kept once seen again")
}
