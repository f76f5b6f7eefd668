package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestVersionAndExitCodes(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"--version"}, func(string) string { return "" }, nil, &out, &errOut))
	require.True(t, strings.HasPrefix(out.String(), "varco "), out.String())
	require.Contains(t, out.String(), "go1.")

	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--no-such-flag"}, 2},
		{[]string{"no-such-command"}, 2},
		{[]string{"--output", "xml", "whoami"}, 2},
	} {
		errOut.Reset()
		err := run(context.Background(), tc.args, func(string) string { return "" }, nil, &out, &errOut)
		require.Equal(t, tc.code, exitCode(err), "%v", tc.args)
		require.Equal(t, 1, strings.Count(errOut.String(), "no-such")+strings.Count(errOut.String(), "xml"), "printed once: %q", errOut.String())
	}
	require.Equal(t, 1, exitCode(errors.New("connection refused")))
	require.Equal(t, 0, exitCode(nil))
}
