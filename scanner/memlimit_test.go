package main

import (
	"io"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMemoryLimitFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		want memoryLimit
		text string
	}{
		{"40MiB", 40 << 20, "40MiB"},
		{"1GiB", 1 << 30, "1GiB"},
		{"512KiB", 512 << 10, "512KiB"},
		{"1000000", 1_000_000, "1000000B"},
		{"123B", 123, "123B"},
		{"off", 0, "off"},
		{"0", 0, "off"},
	} {
		var m memoryLimit
		require.NoError(t, m.Set(tc.in), tc.in)
		require.Equal(t, tc.want, m, tc.in)
		require.Equal(t, tc.text, m.String(), tc.in)
	}
	for _, bad := range []string{"", "MiB", "40MB", "-1MiB", "forty", "99999999999TiB"} {
		var m memoryLimit
		require.Error(t, m.Set(bad), bad)
	}
}

// `scanner run` sets a soft memory limit by default (issue 19: 50,000
// synced tickets in under 50 MB); the flag and its variable change it, and
// a GOMEMLIMIT already in the environment is left alone unless the flag
// is given.
func TestRunAppliesMemoryLimit(t *testing.T) {
	t.Parallel()
	fs, f := runFlagSet(io.Discard)
	require.NoError(t, parse(fs, nil, func(string) string { return "" }))
	require.Equal(t, memoryLimit(defaultMemoryLimit), f.memoryLimit)

	for _, tc := range []struct {
		name  string
		limit memoryLimit
		given bool
		env   map[string]string
		want  int64
		from  string
	}{
		{"default", defaultMemoryLimit, false, nil, 24 << 20, "default"},
		{"flag", 64 << 20, true, nil, 64 << 20, "--memory-limit"},
		{"off", 0, true, nil, math.MaxInt64, "--memory-limit"},
		{"GOMEMLIMIT kept", defaultMemoryLimit, false, map[string]string{"GOMEMLIMIT": "48MiB"}, 48 << 20, "GOMEMLIMIT"},
		{"flag over GOMEMLIMIT", 64 << 20, true, map[string]string{"GOMEMLIMIT": "24MiB"}, 64 << 20, "--memory-limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			current := int64(48 << 20) // what the runtime took from GOMEMLIMIT
			set := func(n int64) int64 {
				old := current
				if n >= 0 {
					current = n
				}
				return old
			}
			got, from := applyMemoryLimit(tc.limit, tc.given, func(k string) string { return tc.env[k] }, set)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.want, current)
			require.Equal(t, tc.from, from)
		})
	}
}
