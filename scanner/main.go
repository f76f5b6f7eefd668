// Command scanner is the Varco gate program for handheld scanners and gate
// boxes. It only parses flags and wires things together; the device's
// logic is in internal/scanner.
//
//	scanner enroll --server URL --code CODE --dir DIR
//	scanner run    --dir DIR [--input stdin|none|/dev/ttyUSB0] [--http 127.0.0.1:8090] [--direction entry|exit]
//	scanner status --dir DIR
//
// Every flag also reads a VARCO_SCANNER_* environment variable (--dir is
// VARCO_SCANNER_DIR, --code is VARCO_SCANNER_CODE, ...).
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"
	// Handhelds often lack /usr/share/zoneinfo; with the database compiled
	// in, TZ=Europe/Rome still gives local times on the display.
	_ "time/tzdata"

	"github.com/varco-gate/varco/internal/cli"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/scanner"
	"github.com/varco-gate/varco/internal/webapp"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

const usage = `usage:
  scanner enroll --server URL --code CODE --dir DIR   trade an enrollment code for this device's credential
  scanner run --dir DIR [flags]                        read scans and show verdicts
  scanner status --dir DIR                             show the local store
  scanner occupancy --dir DIR                          show who is inside, live (next to a running scanner)
Run "scanner <command> --help" for the flags of a command.
`

func main() {
	os.Exit(cli.Exit("scanner", run(os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr), os.Stderr))
}

func run(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return cli.Usage(errors.New("no command"))
	}
	if cli.IsVersion(args) {
		fmt.Fprintln(stdout, cli.Version("varco-scanner"))
		return nil
	}
	switch args[0] {
	case "enroll":
		return runEnroll(args[1:], getenv, stdout, stderr)
	case "run":
		return runScanner(args[1:], getenv, stdin, stdout, stderr)
	case "status":
		return runStatus(args[1:], getenv, stdout, stderr)
	case "occupancy":
		return runOccupancy(args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return cli.Usage(fmt.Errorf("unknown command %q", args[0]))
}

// envName maps a flag to its environment variable: "scan-timeout" is
// VARCO_SCANNER_SCAN_TIMEOUT.
func envName(flagName string) string {
	return "VARCO_SCANNER_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// parse parses args, then fills every flag not given from the environment.
func parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return cli.ParseError(err)
	}
	if fs.NArg() > 0 {
		return cli.Usage(fmt.Errorf("unexpected arguments: %q", fs.Args()))
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(envName(f.Name)); v != "" && !given[f.Name] {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", envName(f.Name), err))
			}
		}
	})
	return errors.Join(errs...)
}

// langFlag registers --lang.
func langFlag(fs *flag.FlagSet) *scanner.Lang {
	l := scanner.Italian
	fs.Func("lang", "language of the operator's messages: it, en or de (default it)", func(s string) error {
		v, err := scanner.ParseLang(s)
		l = v
		return err
	})
	return &l
}

func requireDir(dir string) error {
	if dir == "" {
		return errors.New("--dir is required (or VARCO_SCANNER_DIR)")
	}
	return nil
}

type enrollFlags struct {
	server, code, dir, hardware string
	lang                        *scanner.Lang
}

func enrollFlagSet(stderr io.Writer) (*flag.FlagSet, *enrollFlags) {
	var f enrollFlags
	fs := flag.NewFlagSet("scanner enroll", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.server, "server", "", "server address, e.g. https://varco.comune.example")
	fs.StringVar(&f.code, "code", "", "one-time enrollment code from the organizer")
	fs.StringVar(&f.dir, "dir", "", "directory of the local store (created, mode 0700)")
	fs.StringVar(&f.hardware, "hardware", "varco-scanner "+runtime.GOOS+"/"+runtime.GOARCH, "description of this device, for the organizers' device list")
	f.lang = langFlag(fs)
	return fs, &f
}

func runEnroll(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, f := enrollFlagSet(stderr)
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if err := requireDir(f.dir); err != nil {
		return err
	}
	st, err := scanner.Open(f.dir)
	if err != nil {
		return err
	}
	defer st.Close()
	reportIncidents(slog.New(slog.NewTextHandler(stderr, nil)), st)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	settings, err := scanner.Enroll(ctx, http.DefaultClient, st, f.server, f.code, f.hardware, clock.Real{}.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, f.lang.Text("scanner.enrolled"))
	return f.lang.WriteSettings(stdout, settings)
}

type statusFlags struct {
	dir  string
	lang *scanner.Lang
}

func statusFlagSet(stderr io.Writer) (*flag.FlagSet, *statusFlags) {
	var f statusFlags
	fs := flag.NewFlagSet("scanner status", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.dir, "dir", "", "directory of the local store")
	f.lang = langFlag(fs)
	return fs, &f
}

func runStatus(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, f := statusFlagSet(stderr)
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if err := requireDir(f.dir); err != nil {
		return err
	}
	st, err := scanner.Inspect(f.dir)
	if err != nil {
		return err
	}
	return f.lang.WriteStatus(stdout, st, clock.Real{}.Now(), st.State.Settings.Location())
}

// runOccupancy streams the gate's live occupancy until interrupted. It
// only reads the store, so it can run beside `scanner run`.
func runOccupancy(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, f := statusFlagSet(stderr)
	fs.Init("scanner occupancy", flag.ContinueOnError)
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if err := requireDir(f.dir); err != nil {
		return err
	}
	cred, server, settings, err := scanner.ReadIdentity(f.dir)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	err = scanner.WatchOccupancy(ctx, hc, server, cred, *f.lang, stdout, settings.Location())
	if ctx.Err() != nil {
		return nil // interrupted by the operator
	}
	return err
}

type runFlags struct {
	dir, input, httpAddr, server string
	httpToken, httpCert, httpKey string
	direction                    gate.Direction
	lang                         *scanner.Lang
	scanTimeout                  time.Duration
	logLevel                     slog.Level
	memoryLimit                  memoryLimit
}

func runFlagSet(stderr io.Writer) (*flag.FlagSet, *runFlags) {
	var f runFlags
	fs := flag.NewFlagSet("scanner run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.dir, "dir", "", "directory of the local store")
	fs.StringVar(&f.input, "input", "stdin", "where scans arrive, one per line: stdin, none, or a device file such as /dev/ttyUSB0")
	fs.StringVar(&f.httpAddr, "http", "", "serve the gate app for phones and tablets on this address (a bare port binds to 127.0.0.1)")
	fs.StringVar(&f.httpCert, "http-cert", "", "TLS certificate (PEM) for the gate page: phones' browsers give the camera only to https pages off loopback")
	fs.StringVar(&f.httpKey, "http-key", "", "private key (PEM) of --http-cert")
	fs.StringVar(&f.httpToken, "http-token", "", "pairing code phones must give to use the page; required off loopback (default: made once and kept in the store directory)")
	fs.StringVar(&f.server, "server", "", "server address, overriding the one stored at enrollment")
	fs.Func("direction", "direction of scans without an E:/U: prefix: entry or exit (default: the gate's only direction, else entry)", func(s string) error {
		d, err := scanner.ParseDirection(s)
		f.direction = d
		return err
	})
	f.lang = langFlag(fs)
	fs.DurationVar(&f.scanTimeout, "scan-timeout", scanner.DefaultScanTimeout, "how long to wait for the server before deciding offline")
	fs.TextVar(&f.logLevel, "log-level", slog.LevelInfo, "log level: debug, info, warn or error")
	f.memoryLimit = defaultMemoryLimit
	fs.Var(&f.memoryLimit, "memory-limit", "soft limit of the program's memory (GOMEMLIMIT syntax: 24MiB, 64MiB, or off); the garbage collector works harder near it")
	return fs, &f
}

func runScanner(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs, f := runFlagSet(stderr)
	if err := parse(fs, args, getenv); err != nil {
		return err
	}
	if err := requireDir(f.dir); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: f.logLevel}))

	st, err := scanner.Open(f.dir)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("closing the local store", "err", err)
		}
	}()
	st.SetLogger(log)
	reportIncidents(log, st)
	state := st.Meta()
	if !state.Enrolled() {
		if state.DeviceRevoked {
			return scanner.ErrDeviceRevoked
		}
		return scanner.ErrNotEnrolled
	}
	given := getenv(envName("memory-limit")) != ""
	fs.Visit(func(fl *flag.Flag) { given = given || fl.Name == "memory-limit" })
	limit, from := applyMemoryLimit(f.memoryLimit, given, getenv, debug.SetMemoryLimit)
	log.Debug("memory limit", "bytes", limit, "from", from)
	server := state.ServerURL
	if f.server != "" {
		if server, err = scanner.NormalizeServerURL(f.server); err != nil {
			return err
		}
	}
	// No overall client timeout: Sync is a long-lived stream; every call
	// is bounded by its own context instead.
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	sc := scanner.New(scanner.Config{
		Store: st, Gate: scanner.NewRemote(hc, server, st.Credential, string(*f.lang)),
		Clock: clock.Real{}, Log: log, ScanTimeout: f.scanTimeout, Rand: rand.Float64,
	})
	def := scanner.DefaultDirection(state.Settings.Direction, f.direction)
	log.Info("gate ready", "gate", state.Settings.Name, "scans", scanner.English.GateDirectionLabel(state.Settings.Direction),
		"unprefixed_lines", scanner.English.DirectionLabel(def), "server", server, "queued", st.QueueLen())

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	out := &printer{w: stdout, lang: *f.lang, bell: isTerminal(stdout), settings: st.Settings}

	if f.httpAddr != "" {
		stopPage, err := startPage(ctx, f, sc, st, hc, server, out, stdout, log)
		if err != nil {
			return err
		}
		defer stopPage()
	}

	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	runDone := make(chan error, 1)
	go func() { runDone <- sc.Run(runCtx) }()

	inputDone := make(chan error, 1)
	go func() { inputDone <- readInput(ctx, f.input, stdin, log, sc, def, out) }()

	select {
	case err := <-runDone:
		// Only a revoked device stops the loops on its own.
		return err
	case <-ctx.Done():
	case err := <-inputDone:
		if err != nil {
			log.Error("input", "err", err)
		}
		// The input ended: one last chance to hand the queue over.
		fctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if rep, err := sc.FlushOnce(fctx); err != nil {
			log.Warn("offline scans left for the next run", "queued", st.QueueLen(), "err", err)
		} else if rep.Uploaded > 0 {
			log.Info("offline scans uploaded", "uploaded", rep.Uploaded, "conflicts", rep.Conflicts)
		}
		cancel()
	}
	stopRun()
	return <-runDone
}

// readInput feeds lines to the scanner. A device file is reopened when it
// goes away (a USB scanner unplugged and plugged back); stdin ending ends
// the program.
func readInput(ctx context.Context, input string, stdin io.Reader, log *slog.Logger, sc *scanner.Scanner, def gate.Direction, out *printer) error {
	handle := func(line string) error {
		payload, dir := scanner.ParseLine(line, def)
		if payload == "" {
			return nil // a bare "E:" or "U:"
		}
		res, err := sc.Decide(ctx, payload, dir)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			out.failure(err)
			return nil
		}
		out.print(res)
		return nil
	}
	switch input {
	case "none":
		<-ctx.Done()
		return nil
	case "stdin", "-", "":
		return scanner.ReadLines(ctx, stdin, handle)
	}
	for ctx.Err() == nil {
		f, err := os.Open(input)
		if err == nil {
			err = scanner.ReadLines(ctx, f, handle)
			_ = f.Close()
		}
		if ctx.Err() != nil {
			return nil
		}
		log.Warn("scanner input unavailable, retrying", "input", input, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(2 * time.Second):
		}
	}
	return nil
}

// startPage serves the gate app and its local API on --http. Off
// loopback the page needs a pairing code: --http-token, or one kept in the
// store directory, printed with the link that pairs a phone.
func startPage(ctx context.Context, f *runFlags, sc *scanner.Scanner, st *scanner.Store, hc *http.Client, server string,
	out *printer, stdout io.Writer, log *slog.Logger) (stop func(), err error) {
	addr := httpAddr(f.httpAddr)
	token := f.httpToken
	host, _, _ := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); token == "" && (ip == nil || !ip.IsLoopback()) && host != "localhost" {
		if token, err = scanner.HTTPToken(st.Dir()); err != nil {
			return nil, err
		}
	}
	app, err := fs.Sub(webapp.Dist(), "gate")
	if err != nil {
		return nil, err
	}
	page, err := sc.NewPage(scanner.PageOptions{Lang: *f.lang, Direction: f.direction, OnResult: out.print, App: app, Token: token,
		Occupancy: func(ctx context.Context, each func(*varcov1.WatchOccupancyResponse)) error {
			return scanner.FollowOccupancy(ctx, hc, server, st.Credential, *f.lang, each)
		}})
	if err != nil {
		return nil, err
	}
	var tlsConf *tls.Config
	if f.httpCert != "" || f.httpKey != "" {
		cert, err := tls.LoadX509KeyPair(f.httpCert, f.httpKey)
		if err != nil {
			return nil, fmt.Errorf("gate page certificate (--http-cert and --http-key): %w", err)
		}
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	srv, bound, err := serveHTTP(addr, page, tlsConf, log)
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		page.Run(pctx)
	}()
	if token != "" {
		if host == "" || net.ParseIP(host).IsUnspecified() {
			host = f.lang.Text("scanner.device_address")
		}
		_, port, _ := net.SplitHostPort(bound.String())
		fmt.Fprintf(stdout, "%s %s://%s/gate/#/?pair=%s\n", f.lang.Text("scanner.gate_page"),
			scheme(tlsConf), net.JoinHostPort(host, port), token)
	}
	return func() {
		cancel()
		<-done
		sctx, cancelShutdown := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancelShutdown()
		_ = srv.Shutdown(sctx)
	}, nil
}

// httpAddr completes --http: a bare port binds to loopback.
func httpAddr(addr string) string {
	if !strings.Contains(addr, ":") {
		addr = ":" + addr
	}
	if strings.HasPrefix(addr, ":") {
		addr = "127.0.0.1" + addr
	}
	return addr
}

func scheme(tlsConf *tls.Config) string {
	if tlsConf != nil {
		return "https"
	}
	return "http"
}

// serveHTTP starts the gate page, over TLS when tlsConf is set. A bare
// port ("8090" or ":8090") binds to loopback: exposing the page to the
// network must be asked for explicitly.
func serveHTTP(addr string, h http.Handler, tlsConf *tls.Config, log *slog.Logger) (*http.Server, net.Addr, error) {
	addr = httpAddr(addr)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, nil, fmt.Errorf("scan page: %w", err)
	}
	bound := ln.Addr()
	if tlsConf != nil {
		ln = tls.NewListener(ln, tlsConf)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("scan page", "err", err)
		}
	}()
	log.Info("gate page ready", "url", scheme(tlsConf)+"://"+bound.String()+"/gate/")
	return srv, bound, nil
}

// printer writes verdict lines; scans arrive from the input and the page
// at once, and their lines must not interleave.
type printer struct {
	mu   sync.Mutex
	w    io.Writer
	lang scanner.Lang
	bell bool
	// settings are the gate's current settings: times are shown in the
	// zone of its place, which Sync may change.
	settings func() scanner.Settings
}

func (p *printer) print(r scanner.Result) {
	line := p.lang.Line(r, p.settings().Location())
	if p.bell && r.Verdict == gate.Refused {
		line += "\a" // the operator may not be looking at the screen
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, line)
}

func (p *printer) failure(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	msg := "NO  " + p.lang.Text("scanner.error") + "  " + err.Error()
	if p.bell {
		msg += "\a"
	}
	fmt.Fprintln(p.w, msg)
}

// reportIncidents logs, loudly, what opening the store found wrong: a
// damaged or missing store, lost scans, a credential to enroll again.
func reportIncidents(log *slog.Logger, st *scanner.Store) {
	for _, in := range st.Found() {
		log.Error("LOCAL STORE: "+in.Detail, "incident", in)
	}
}

// isTerminal reports whether w is a character device (a console or a
// serial terminal), where a bell makes sense; a file or a pipe gets none.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
