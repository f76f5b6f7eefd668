package deploy_test

import (
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// releaseFlags are the go build flags of every release binary (README,
// "Release builds"; the Dockerfiles and the systemd units' comments use
// the same). -trimpath keeps the checkout's path out of the binary.
// -buildvcs=true is explicit because the default (auto) follows GOFLAGS,
// which differs between machines (this development VM sets
// -buildvcs=false in its go env): with it, every build of a commit stamps
// the same revision, which --version prints, or fails outside a checkout
// instead of quietly producing a different binary. -s -w drop the symbol
// table and DWARF (a third of the size).
var releaseFlags = []string{"-trimpath", "-buildvcs=true", "-ldflags=-s -w"}

// git runs git in dir and returns its trimmed output.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(need(t, "git"), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "git %s: %s", strings.Join(args, " "), out)
	return strings.TrimSpace(string(out))
}

// The release build is reproducible: the scanner for linux/arm64, built
// from two clones of the current commit at different paths — once with
// this machine's go settings and build cache, once as another machine
// would (no go env file, an empty build cache) — is the same file, byte
// for byte, and says which commit it was built from. Without -trimpath the
// two differ (the paths); without an explicit -buildvcs they differ
// wherever GOFLAGS sets it (here: one stamped, one not).
//
// What is built is the last commit (a clone), not uncommitted changes.
func TestReproducibleScannerBuild(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the scanner twice, once with a cold cache")
	}
	top := git(t, "..", "rev-parse", "--show-toplevel")
	head := git(t, top, "rev-parse", "HEAD")
	builders := []struct {
		name string
		env  []string
	}{
		{"this machine", nil},
		{"another machine", []string{"GOENV=off", "GOFLAGS=", "GOCACHE=" + t.TempDir()}},
	}
	sums := make([]string, len(builders))
	stamps := make([]map[string]string, len(builders))
	for i, b := range builders {
		src := filepath.Join(t.TempDir(), strings.ReplaceAll(b.name, " ", "-"), "varco")
		git(t, top, "clone", "-q", top, src)
		bin := filepath.Join(t.TempDir(), "varco-scanner")
		cmd := exec.Command("go", append(append([]string{"build"}, releaseFlags...), "-o", bin, "./scanner")...)
		cmd.Dir = src
		cmd.Env = append(os.Environ(), append([]string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64"}, b.env...)...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s: %s", b.name, out)

		data, err := os.ReadFile(bin)
		require.NoError(t, err)
		sum := sha256.Sum256(data)
		sums[i] = hex.EncodeToString(sum[:])
		t.Logf("%s: scanner linux/arm64 from %s: %d bytes, sha256 %s", b.name, src, len(data), sums[i])
		info, err := buildinfo.ReadFile(bin)
		require.NoError(t, err)
		stamps[i] = map[string]string{}
		for _, s := range info.Settings {
			stamps[i][s.Key] = s.Value
		}
	}
	require.Equal(t, sums[0], sums[1], "the same commit built twice gives the same binary; build settings %v and %v", stamps[0], stamps[1])
	for i, b := range builders {
		require.Equal(t, "true", stamps[i]["-trimpath"], b.name)
		require.Equal(t, head, stamps[i]["vcs.revision"], "%s: the commit is stamped, for --version", b.name)
		require.Equal(t, "false", stamps[i]["vcs.modified"], b.name)
	}
}
