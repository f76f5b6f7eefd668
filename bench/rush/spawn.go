package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/varco-gate/varco/internal/demo"
)

// The staff account `server bootstrap` creates in --spawn mode. The
// password is only ever passed through the environment, as the bootstrap
// command requires (flags show in `ps`).
const (
	benchAdminEmail    = "rush.admin@comune.example"
	benchAdminPassword = "una password lunga per il banco di prova"
	benchAdminCF       = "BNCLRA92E52F205Y"
)

// spawned is a server binary this program built and started.
type spawned struct {
	base      string
	pid       int
	dir       string
	db        string
	fs        string
	buildTime time.Duration
	cmd       *exec.Cmd
	done      chan error
	logPath   string
	// debugAddr is the server's profiler address, when asked for.
	debugAddr string

	mu        sync.Mutex
	warnLines int
	errLines  int
	lastErr   string
}

var (
	listeningRE = regexp.MustCompile(`msg=listening addr=(\S+)`)
	profilerRE  = regexp.MustCompile(`msg="profiler listening" addr=(\S+)`)
)

// dbFlag is the --db the server was given, as the report shows it (a
// PostgreSQL URL without its password).
func (s *spawned) dbFlag() string {
	if strings.HasPrefix(s.db, "postgres://") || strings.HasPrefix(s.db, "postgresql://") {
		if u, err := url.Parse(s.db); err == nil {
			return u.Redacted()
		}
		return "postgres://..."
	}
	return "<temp>/varco.db"
}

// spawnServer builds ./server of the module this program belongs to, and
// starts it on a loopback port chosen by the kernel, with --demo and a
// fresh database in a temporary directory under parent, or db when given
// (an empty PostgreSQL database's URL).
func spawnServer(ctx context.Context, parent, db string, profile bool, logf func(string, ...any)) (*spawned, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(parent, "varco-rush-")
	if err != nil {
		return nil, err
	}
	s := &spawned{dir: dir, db: filepath.Join(dir, "varco.db"), logPath: filepath.Join(dir, "server.log"), done: make(chan error, 1)}
	if db != "" {
		s.db = db
	}
	s.fs = fsType(dir)
	bin := filepath.Join(dir, "varco-server")
	logf("building the server (go build ./server) ...")
	t0 := time.Now()
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./server")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return s, fmt.Errorf("go build ./server: %w\n%s", err, out)
	}
	s.buildTime = time.Since(t0)

	if err := s.start(ctx, bin, serverArgs(s.db, profile)); err != nil {
		return s, err
	}

	// The organizer account: the documented way to make the first staff
	// account of an installation, run while the server is up (SQLite's
	// busy timeout lets the two processes share the file).
	boot := exec.CommandContext(ctx, bin, "bootstrap", "--db", s.db, "--email", benchAdminEmail, "--given-name", "Anna",
		"--family-name", "Bianchi", "--codice-fiscale", benchAdminCF, "--organization", demo.ComuneID)
	boot.Env = append(cleanEnv(), "VARCO_BOOTSTRAP_PASSWORD="+benchAdminPassword)
	if out, err := boot.CombinedOutput(); err != nil {
		return s, fmt.Errorf("server bootstrap: %w\n%s", err, out)
	}
	return s, nil
}

// serverArgs are the first (or only) spawned server's flags.
func serverArgs(db string, profile bool) []string {
	// Never a flag-given address: the kernel picks a free loopback port,
	// and the server tells it in its "listening" log line.
	args := []string{"--addr", "127.0.0.1:0", "--db", db, "--demo", "--log-level", "info"}
	if profile {
		args = append(args, "--debug-addr", "127.0.0.1:0")
	}
	return args
}

// start runs bin with args, logging to s.logPath, and waits for its
// "listening" line.
func (s *spawned) start(ctx context.Context, bin string, args []string) error {
	logFile, err := os.Create(s.logPath)
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = cleanEnv()
	// If this program dies, the server dies with it: no stray process
	// keeps a port and a temp database.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		logFile.Close()
		return err
	}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start server: %w", err)
	}
	s.cmd, s.pid = cmd, cmd.Process.Pid
	addr := make(chan string, 1)
	go func() {
		defer logFile.Close()
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(logFile, line)
			if m := profilerRE.FindStringSubmatch(line); m != nil {
				s.mu.Lock()
				s.debugAddr = m[1]
				s.mu.Unlock()
			}
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				select {
				case addr <- m[1]:
				default:
				}
			}
			s.mu.Lock()
			switch {
			case strings.Contains(line, "level=ERROR"):
				s.errLines++
				s.lastErr = line
			case strings.Contains(line, "level=WARN"):
				s.warnLines++
			}
			s.mu.Unlock()
		}
		s.done <- cmd.Wait()
	}()
	select {
	case a := <-addr:
		s.base = "http://" + a
	case err := <-s.done:
		return fmt.Errorf("server exited before listening: %v (log: %s)", err, s.logPath)
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		return errors.New("server did not start listening within 60 s")
	case <-ctx.Done():
		_ = cmd.Process.Kill()
		return ctx.Err()
	}
	if err := checkLoopback(s.base); err != nil {
		_ = cmd.Process.Kill()
		return err
	}

	return nil
}

// cleanEnv is this process's environment without VARCO_* variables, so a
// developer's shell settings (a database path, SMTP, a log format) cannot
// change the server being measured.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VARCO_") {
			env = append(env, kv)
		}
	}
	return env
}

// logCounts returns the number of WARN and ERROR lines the server logged.
func (s *spawned) logCounts() (warn, errs int, last string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.warnLines, s.errLines, s.lastErr
}

// stop asks the server to shut down gracefully (SIGTERM, as an operator
// would) and kills it if it does not exit in time; keep leaves the
// temporary directory (database and server log) for inspection.
func (s *spawned) stop(keep bool) error {
	var err error
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case werr := <-s.done:
			if werr != nil {
				err = fmt.Errorf("server exit: %w", werr)
			}
		case <-time.After(30 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
			err = errors.New("server did not stop within 30 s of SIGTERM; killed")
		}
	}
	if !keep {
		_ = os.RemoveAll(s.dir)
	}
	return err
}

// moduleRoot is the directory of the go.mod this program is part of: the
// server is built from the same checkout, so the figures belong to it.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", errors.New("--spawn must run inside the varco module (e.g. go run ./bench/rush --spawn from the repository root)")
	}
	root := filepath.Dir(gomod)
	if _, err := os.Stat(filepath.Join(root, "server", "main.go")); err != nil {
		return "", fmt.Errorf("no server/main.go under %s", root)
	}
	return root, nil
}

// checkLoopback refuses any server that is not on this machine's loopback
// interface: this program sends thousands of requests per second and must
// never be pointed at a shared or production host by mistake.
func checkLoopback(base string) error {
	u, err := url.Parse(base)
	if err != nil {
		return fmt.Errorf("--server: %w", err)
	}
	if u.Scheme != "http" {
		return fmt.Errorf("--server %q: only http:// on loopback is supported", base)
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--server %q: only loopback addresses (127.0.0.0/8, ::1, localhost) are allowed", base)
	}
	return nil
}

// loopbackDialer dials only loopback addresses, whatever a name resolves
// to: the check above cannot see what "localhost" resolves to.
func loopbackDialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		ips, err := net.DefaultResolver.LookupIP(ctx, "ip", host)
		if err != nil {
			return nil, err
		}
		for _, ip := range ips {
			if ip.IsLoopback() {
				return d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
			}
		}
		return nil, fmt.Errorf("refusing to dial %s: not a loopback address", addr)
	}
}

// profilerAddr returns the server's profiler address, "" without one.
func (s *spawned) profilerAddr() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.debugAddr
}

// startServerProfile starts a CPU profile of the server, for seconds, through
// its profiler address; the returned function waits for it and writes the
// file. net/http/pprof only profiles for a fixed time, so the profile may
// end before or after the phase it was started for. Without a file or an
// address it does nothing.
func startServerProfile(ctx context.Context, debugAddr, file string, seconds int, logf func(string, ...any)) func() {
	if file == "" || debugAddr == "" {
		if file != "" {
			logf("no server profile: the server has no profiler address (only with --spawn)")
		}
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", debugAddr, seconds)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			logf("server profile: %v", err)
			return
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			logf("server profile: %v", err)
			return
		}
		defer resp.Body.Close()
		f, err := os.Create(file)
		if err != nil {
			logf("server profile: %v", err)
			return
		}
		defer f.Close()
		n, err := io.Copy(f, resp.Body)
		logf("server profile: %d bytes written to %s (%v)", n, file, err)
	}()
	return func() { <-done }
}
