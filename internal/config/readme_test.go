package config

import (
	"os"
	"strings"
	"testing"
)

// The README's configuration table must list every flag with its
// environment variable, so documentation cannot drift from the code.
func TestREADMEDocumentsEveryFlag(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Flags() {
		row := "| `--" + f.Name + "` | `" + f.Env + "` |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README configuration table lacks the row for --%s (%s)", f.Name, f.Env)
		}
	}
}
