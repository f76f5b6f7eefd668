package main

import (
	"errors"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
)

// `server migrate-data` at the shell: usage mistakes exit 2, refusals 1
// (a server still on the file, a target that holds data), and a copy
// prints every table's rows on both sides.
func TestMigrateDataCommand(t *testing.T) {
	t.Parallel()
	bin := buildServer(t)
	url := pgtest.URL(t)
	file := filepath.Join(t.TempDir(), "varco.db")
	run := func(args ...string) (int, string, string) {
		cmd := exec.Command(bin, append([]string{"migrate-data"}, args...)...)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), stdout.String(), stderr.String()
		}
		require.NoError(t, err)
		return 0, stdout.String(), stderr.String()
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "--from and --to are both required"},
		{[]string{"--from", file}, "--from and --to are both required"},
		{[]string{"--from", url, "--to", url}, "--from is the SQLite file"},
		{[]string{"--from", file, "--to", file}, "--to must be a postgres://"},
		{[]string{"--from", file, "--to", url, "extra"}, `unexpected argument "extra"`},
		{[]string{"--no-such-flag"}, "no-such-flag"},
	} {
		code, _, stderr := run(tc.args...)
		require.Equal(t, 2, code, "%v: %s", tc.args, stderr)
		require.Equal(t, 1, strings.Count(stderr, tc.want), "%v: printed once: %s", tc.args, stderr)
	}
	code, _, stderr := run("--help")
	require.Equal(t, 0, code, stderr)
	require.Contains(t, stderr, "usage: server migrate-data")

	code, _, stderr = run("--from", file, "--to", url)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "no such file", "a missing file is not created and copied as empty")

	p := start(t, bin, "--db", file, "--demo")
	code, _, stderr = run("--from", file, "--to", url)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "the SQLite file is in use", "refused while the server runs")
	p.stop(t)

	code, stdout, stderr := run("--from", file, "--to", url)
	require.Equal(t, 0, code, stderr)
	require.Regexp(t, regexp.MustCompile(`(?m)^organizations +2 +2$`), stdout)
	require.Regexp(t, regexp.MustCompile(`(?m)^ticket_keys +1 +1$`), stdout)
	require.Regexp(t, regexp.MustCompile(`(?m)^total +\d+ +\d+$`), stdout)
	require.NotContains(t, stdout, "MISMATCH")
	require.Contains(t, stdout, "start the servers with --db")

	code, _, stderr = run("--from", file, "--to", url)
	require.Equal(t, 1, code)
	require.Contains(t, stderr, "already holds data", "a second copy into the same database is refused")

	// The copy serves: a server starts on it and answers.
	p = start(t, bin, "--db", url)
	p.stop(t)
}
