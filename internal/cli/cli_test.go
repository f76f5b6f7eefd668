package cli

import (
	"bytes"
	"errors"
	"flag"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		err    error
		status int
		out    string
	}{
		{"success", nil, 0, ""},
		{"help", flag.ErrHelp, 0, ""},
		{"flag error the flag package printed", ParseError(errors.New("flag provided but not defined: -x")), 2, ""},
		{"bad value", Usage(errors.New("VARCO_PORT: invalid")), 2, "server: VARCO_PORT: invalid\n"},
		{"failure", errors.New("listen: address in use"), 1, "server: listen: address in use\n"},
	} {
		var out bytes.Buffer
		require.Equal(t, tc.status, Exit("server", tc.err, &out), tc.name)
		require.Equal(t, tc.out, out.String(), tc.name)
	}
	require.Equal(t, flag.ErrHelp, ParseError(flag.ErrHelp))
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	bi := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.time", Value: "2026-12-02T08:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	require.Equal(t, "v1.2.3 (revision 0123456789ab+dirty, built from a commit of 2026-12-02T08:00:00Z, go1.26.0)", describe(bi))
	require.Equal(t, "(devel) (go1.26.0)", describe(&debug.BuildInfo{GoVersion: "go1.26.0"}))
	require.True(t, IsVersion([]string{"--version"}))
	require.False(t, IsVersion([]string{"--version", "x"}))
}
