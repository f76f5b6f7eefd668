// Command server runs the Varco API server: Connect, gRPC and gRPC-Web on
// one port, backed by an embedded SQLite database. Run with --help for the
// flags; every flag also reads a VARCO_* environment variable.
//
// `server bootstrap --help` creates the installation administrator of a
// fresh database; `server keys list|rotate|retire` manages the ticket
// signing keys; `server migrate-data --from varco.db --to postgres://...`
// moves an installation from SQLite to PostgreSQL.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/cli"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
)

func main() {
	os.Exit(cli.Exit("varco", run(), os.Stderr))
}

func run() error {
	if cli.IsVersion(os.Args[1:]) {
		fmt.Println(cli.Version("varco-server"))
		return nil
	}
	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		return runHealthcheck(os.Args[2:], os.Getenv, os.Stdout, os.Stderr)
	}
	if len(os.Args) > 1 && os.Args[1] == "bootstrap" {
		return runBootstrap(os.Args[2:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	}
	if len(os.Args) > 1 && os.Args[1] == "migrate-data" {
		return runMigrateData(os.Args[2:], os.Stdout, os.Stderr)
	}
	if len(os.Args) > 1 && os.Args[1] == "keys" {
		return runKeys(os.Args[2:], os.Getenv, time.Now(), os.Stdout, os.Stderr)
	}
	cfg, err := config.Load(os.Args[1:], os.Getenv, os.Stderr)
	if err != nil {
		return err
	}
	log := newLogger(cfg)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a, err := app.New(ctx, cfg, log, clock.Real{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if cfg.MetricsAddr != "" {
		stopMetrics, err := serveMetrics(cfg.MetricsAddr, a.Metrics(), log)
		if err != nil {
			return err
		}
		defer stopMetrics()
	}
	if cfg.DebugAddr != "" {
		stopDebug, err := serveDebug(cfg.DebugAddr, log)
		if err != nil {
			return err
		}
		defer stopDebug()
	}
	return a.Serve(ctx, ln)
}

// serveDebug serves the profiler on its own listener until the returned
// function is called.
func serveDebug(addr string, log *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on debug address: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("debug server", slog.Any("err", err))
		}
	}()
	log.Info("profiler listening", slog.String("addr", ln.Addr().String()))
	return func() { _ = srv.Close() }, nil
}

// serveMetrics serves /metrics alone on its own listener until the returned
// function is called.
func serveMetrics(addr string, h http.Handler, log *slog.Logger) (func(), error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on metrics address: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server", slog.Any("err", err))
		}
	}()
	log.Info("metrics listening", slog.String("addr", ln.Addr().String()))
	return func() { _ = srv.Close() }, nil
}

func newLogger(cfg config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel)) // validated by config.Load.
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}
