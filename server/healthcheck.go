package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/cli"
	"github.com/varco-gate/varco/internal/config"
)

// runHealthcheck asks a running server whether it serves, with the gRPC
// health protocol over Connect's JSON (POST /grpc.health.v1.Health/Check):
// exit 0 when it answers SERVING, 1 otherwise. For container HEALTHCHECKs
// and service monitors, which have no gRPC client.
func runHealthcheck(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("varco healthcheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	def := getenv(config.EnvName("addr"))
	if def == "" {
		def = config.DefaultAddr
	}
	addr := fs.String("addr", def, "the server's address (host:port, or an http:// or https:// URL); default --addr's value")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return cli.ParseError(err)
	}
	if fs.NArg() > 0 {
		return cli.Usage(fmt.Errorf("unexpected arguments: %q", fs.Args()))
	}
	base := *addr
	if !strings.HasPrefix(base, "http://") && !strings.HasPrefix(base, "https://") {
		// A server listening on every interface is reached on loopback.
		base = "http://" + strings.Replace(base, "0.0.0.0:", "127.0.0.1:", 1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(base, "/")+"/grpc.health.v1.Health/Check",
		bytes.NewReader([]byte("{}")))
	if err != nil {
		return cli.Usage(fmt.Errorf("healthcheck: %w", err))
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer res.Body.Close()
	var out struct {
		Status string `json:"status"`
	}
	if err := json.NewDecoder(io.LimitReader(res.Body, 1<<16)).Decode(&out); err != nil || res.StatusCode != http.StatusOK {
		return fmt.Errorf("healthcheck: %s answered %s", base, res.Status)
	}
	// Connect's JSON spells the enum value in full; gRPC gateways may
	// shorten it.
	if out.Status != "SERVING_STATUS_SERVING" && out.Status != "SERVING" {
		return fmt.Errorf("healthcheck: %s is %s", base, out.Status)
	}
	fmt.Fprintln(stdout, "SERVING")
	return nil
}
