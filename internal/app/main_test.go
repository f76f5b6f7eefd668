package app_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/varco-gate/varco/internal/browsertest"
)

// browser is the one Chromium the package's browser tests share (started
// by the first of them; a start costs about a second).
var browser browsertest.Shared

func TestMain(m *testing.M) {
	code := m.Run()
	if err := browser.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "closing the browser:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}
