package deploy_test

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// need finds a tool the test needs: skipped without it, failed under CI.
func need(t *testing.T, tool string) string {
	t.Helper()
	p, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s missing (CI must install it: see .ci/run)", tool)
		}
		t.Skipf("%s not installed", tool)
	}
	return p
}

// build compiles a command of this module with the release flags and the
// environment given.
func build(t *testing.T, out, pkg string, env ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), out)
	cmd := exec.Command("go", append(append([]string{"build"}, releaseFlags...), "-o", bin, pkg)...)
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), env...)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", b)
	return bin
}

// One test, so each binary is linked once (linking is most of its time on
// a busy machine): the units, then the images' build commands.
func TestDeployFiles(t *testing.T) {
	server := build(t, "varco-server", "./server", "CGO_ENABLED=1")
	scanner := build(t, "varco-scanner", "./scanner", "CGO_ENABLED=0", "GOOS=linux")
	t.Run("systemd units", func(t *testing.T) { systemdUnits(t, server, scanner) })
	t.Run("Dockerfiles", func(t *testing.T) { dockerfiles(t, server) })
}

// systemdUnits: the units pass systemd-analyze verify with their ExecStart
// pointing at binaries built as their comments say.
func systemdUnits(t *testing.T, server, scanner string) {
	analyze := need(t, "systemd-analyze")
	bins := map[string]string{"/usr/local/bin/varco-server": server, "/usr/local/bin/varco-scanner": scanner}
	dir := t.TempDir()
	for _, unit := range []string{"varco.service", "varco-scanner.service"} {
		src, err := os.ReadFile(filepath.Join("systemd", unit))
		require.NoError(t, err)
		text := string(src)
		for from, to := range bins {
			text = strings.ReplaceAll(text, from, to)
		}
		// The sandbox the issue asks for is there.
		for _, want := range []string{"DynamicUser=yes", "ProtectSystem=strict", "StateDirectory=", "NoNewPrivileges=yes", "CapabilityBoundingSet=\n"} {
			require.Contains(t, text, want, unit)
		}
		path := filepath.Join(dir, unit)
		require.NoError(t, os.WriteFile(path, []byte(text), 0o644))
		out, err := exec.Command(analyze, "verify", path).CombinedOutput()
		require.NoError(t, err, "%s", out)
		for _, line := range strings.Split(string(out), "\n") {
			require.NotContains(t, line, unit, "systemd-analyze complained about %s: %s", unit, out)
		}
	}
}

// requireReleaseFlags checks a go build command line has releaseFlags.
func requireReleaseFlags(t *testing.T, cmd string) {
	t.Helper()
	for _, f := range releaseFlags {
		f = strings.Replace(f, "-ldflags=", `-ldflags="`, 1)
		if strings.HasPrefix(f, "-ldflags") {
			f += `"`
		}
		require.Contains(t, cmd, f)
	}
}

// dockerfileRuns returns the RUN instructions of a Dockerfile, with line
// continuations joined.
func dockerfile(t *testing.T, name string) (runs []string, text string) {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	var cur strings.Builder
	sc := bufio.NewScanner(strings.NewReader(string(b)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(line, "#") {
			continue
		}
		if cur.Len() > 0 || strings.HasPrefix(line, "RUN ") {
			cur.WriteString(strings.TrimSuffix(line, "\\") + " ")
			if !strings.HasSuffix(line, "\\") {
				runs = append(runs, strings.TrimSpace(strings.TrimPrefix(cur.String(), "RUN ")))
				cur.Reset()
			}
		}
	}
	return runs, string(b)
}

// dockerfiles: Docker is not available here, so the images' properties are
// checked in their files and their go build commands are checked against
// this module (the scanner cross-compiled for the ARM platforms it is
// published for; amd64 is the build above).
func dockerfiles(t *testing.T, server string) {
	runs, text := dockerfile(t, "Dockerfile")
	require.Regexp(t, `(?m)^USER 10001:10001$`, text, "the server runs as a non-root user")
	require.Regexp(t, `(?m)^HEALTHCHECK .*\n\s+CMD \["/usr/local/bin/varco-server", "healthcheck"\]`, text)
	require.Regexp(t, `(?m)^FROM debian:bookworm-slim$`, text, "glibc for the cgo SQLite driver")
	goBuild := regexp.MustCompile(`(?:^|\s)((?:[A-Z0-9_]+=\S+ )*)go build (.*) -o (\S+) (\./\S+)$`)
	found := 0
	for _, r := range runs {
		m := goBuild.FindStringSubmatch(r)
		if m == nil {
			continue
		}
		found++
		require.Equal(t, []string{"CGO_ENABLED=1"}, strings.Fields(m[1]))
		require.Equal(t, "./server", m[4])
		requireReleaseFlags(t, m[2])
		fi, err := os.Stat(server)
		require.NoError(t, err)
		t.Logf("server binary (cgo, stripped, -trimpath): %.1f MiB", float64(fi.Size())/(1<<20))
	}
	require.Equal(t, 1, found)

	runs, text = dockerfile(t, "Dockerfile.scanner")
	require.Regexp(t, `(?m)^USER nonroot:nonroot$`, text)
	require.Contains(t, text, "linux/amd64,linux/arm64,linux/arm/v7")
	for _, r := range runs {
		if !strings.Contains(r, "go build") {
			continue
		}
		require.Contains(t, r, "CGO_ENABLED=0", "static")
		requireReleaseFlags(t, r)
		for _, platform := range [][]string{{"GOARCH=arm64"}, {"GOARCH=arm", "GOARM=7"}} {
			bin := build(t, "scanner", "./scanner", append([]string{"CGO_ENABLED=0", "GOOS=linux"}, platform...)...)
			fi, err := os.Stat(bin)
			require.NoError(t, err)
			t.Logf("scanner linux %s (stripped, -trimpath): %.1f MiB", strings.Join(platform, " "), float64(fi.Size())/(1<<20))
		}
	}
}
