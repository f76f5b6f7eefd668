package app_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The TypeScript example of docs/typescript-client.md
// (web/src/examples/client.ts), bundled with the web apps' esbuild and run
// by Node against a real server: the documented calls, GET reads, error
// details and login keep working.
func TestTypeScriptClientExample(t *testing.T) {
	t.Parallel()
	web, err := filepath.Abs("../../web")
	require.NoError(t, err)
	// The page shows the file whole, so what readers copy is what runs.
	src, err := os.ReadFile(filepath.Join(web, "src", "examples", "client.ts"))
	require.NoError(t, err)
	doc, err := os.ReadFile("../../docs/typescript-client.md")
	require.NoError(t, err)
	require.Contains(t, string(doc), "```ts\n"+string(src)+"```", "docs/typescript-client.md must show web/src/examples/client.ts as it is")
	esbuild := filepath.Join(web, "node_modules", ".bin", "esbuild")
	_, nodeErr := exec.LookPath("node")
	if _, err := os.Stat(esbuild); err != nil || nodeErr != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("node or web/node_modules missing (web/build.sh installs them): %v %v", err, nodeErr)
		}
		t.Skip("node or web/node_modules missing")
	}
	b := setup(t)
	registerCitizens(t, b, "TSC", 1) // TSC0@example.it

	out := filepath.Join(t.TempDir(), "example.mjs")
	build := exec.CommandContext(t.Context(), esbuild, "--bundle", "--platform=node", "--format=esm", "--log-level=warning", "--outfile="+out)
	build.Dir = web
	build.Stdin = strings.NewReader(`import { example } from "./src/examples/client";
await example(process.argv[2], process.argv[3], process.argv[4]);`)
	msg, err := build.CombinedOutput()
	require.NoError(t, err, string(msg))

	run := exec.CommandContext(t.Context(), "node", out, b.baseURL, "TSC0@example.it", "una password lunga")
	got, err := run.CombinedOutput()
	require.NoError(t, err, string(got))
	for _, want := range []string{
		"organization: Comune di Borgo Varco",
		"service: ",
		"2026-12-07: ",
		"2026-12-08: 0 free",
		"invalid ",
		"without a session: Unauthenticated",
		"logged in as Cittadino Numero",
	} {
		require.Contains(t, string(got), want)
	}
	t.Logf("example output:\n%s", got)
}
