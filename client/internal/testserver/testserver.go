// Package testserver runs the real Varco server in-process for the tests
// and runnable examples of the client and the CLI: the same assembly as the
// server binary (internal/app), a fresh SQLite file with the demo catalog,
// on a loopback port. It is a test helper; nothing else imports it.
package testserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/auth/password"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/identity"
)

// The installation administrator Bootstrap creates.
const (
	AdminEmail    = "admin@comune.example"
	AdminPassword = "password-amministratore"
	AdminCF       = "VRDGPP13R10B293P"
)

// Server is a running server.
type Server struct {
	// URL is the base URL, "http://127.0.0.1:port".
	URL string
	// DBPath is the SQLite file, for Bootstrap.
	DBPath string

	cancel context.CancelFunc
	done   chan error
}

// Start runs a server with the demo catalog and a database in dir until
// Close. Passwords are hashed with tiny argon2id parameters so that tests
// under -race register accounts quickly.
func Start(dir string) (*Server, error) {
	dbPath := filepath.Join(dir, "varco.db")
	cfg, err := config.Load([]string{"--db", dbPath, "--demo"}, func(string) string { return "" }, io.Discard)
	if err != nil {
		return nil, err
	}
	var logOut io.Writer = io.Discard
	if os.Getenv("VARCO_TEST_LOG") != "" {
		logOut = os.Stderr // debugging aid: see the server's logs
	}
	log := slog.New(slog.NewTextHandler(logOut, nil))
	ctx, cancel := context.WithCancel(context.Background())
	cheap := identity.Config{PasswordParams: password.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}}
	a, err := app.New(ctx, cfg, log, clock.Real{}, app.WithIdentity(cheap), app.WithGatePoll(20*time.Millisecond))
	if err != nil {
		cancel()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), DBPath: dbPath, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- a.Serve(ctx, ln) }()
	return s, nil
}

// New starts a server for one test and stops it when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	s, err := Start(t.TempDir())
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("stop server: %v", err)
		}
	})
	return s
}

// Close shuts the server down gracefully and closes its database.
func (s *Server) Close() error {
	s.cancel()
	return <-s.done
}

// Bootstrap creates the installation administrator (AdminEmail,
// AdminPassword), who may create organizations, and makes them organizer
// of orgID when it is set. It must run before any account is registered.
func (s *Server) Bootstrap(ctx context.Context, orgID string) error {
	res, err := app.Bootstrap(ctx, s.DBPath, identity.BootstrapInput{
		Email: AdminEmail, Password: AdminPassword, GivenName: "Anna", FamilyName: "Verdi", CodiceFiscale: AdminCF,
	}, orgID, slog.New(slog.NewTextHandler(io.Discard, nil)), clock.Real{})
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if !res.Created {
		return errors.New("bootstrap: the database already had accounts")
	}
	return nil
}
