package client_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/varco-gate/varco/client/internal/testserver"
	"github.com/varco-gate/varco/internal/demo"
)

// serverURL is the address of a real Varco server with the demo catalog,
// running in this test process; the examples call it as they would call
// "http://127.0.0.1:8080". Its installation administrator
// (testserver.AdminEmail) is organizer of the demo Comune.
var serverURL string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "varco-client-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	srv, err := testserver.Start(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer srv.Close()
	if err := srv.Bootstrap(context.Background(), demo.ComuneID); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	serverURL = srv.URL
	return m.Run()
}
