// Package pgtest gives tests a PostgreSQL database of their own in a
// throwaway cluster: Debian's PostgreSQL binaries, a data directory in a
// temporary folder, a unix socket and no TCP port, started once per test
// binary and gone when it exits. Without PostgreSQL installed, tests that
// need it skip, unless CI is set: then they fail.
package pgtest

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver for the admin connection
)

// EnvSwitch is the environment variable that runs the end-to-end suite
// (and other tests that honour Enabled) on PostgreSQL instead of SQLite.
const EnvSwitch = "VARCO_TEST_POSTGRES"

// Enabled reports whether EnvSwitch asks for PostgreSQL.
func Enabled() bool {
	v := os.Getenv(EnvSwitch)
	return v != "" && v != "0" && v != "false"
}

// Cluster is a running throwaway PostgreSQL server.
type Cluster struct {
	dir   string // holds data/ and the socket
	admin string // URL of the postgres database, for CREATE DATABASE
	seq   atomic.Int64
	stdin io.WriteCloser
}

// shared is the cluster of this test binary. A package variable because
// the cluster lives as long as the process, across tests and packages'
// helpers; it stops when the process exits (see start).
var shared = sync.OnceValues(func() (*Cluster, error) { return start(false) })

// URL returns the URL of a new, empty database in the test binary's
// cluster, dropped when tb ends. It skips tb when PostgreSQL is not
// installed and CI is not set.
func URL(tb testing.TB) string {
	tb.Helper()
	c := need(tb, shared)
	return c.NewDatabase(tb)
}

// Durable starts a cluster of its own with fsync and synchronous commit on
// (the shared one has them off, for speed), for benchmarks that compare
// with SQLite's synchronous=FULL. It stops when tb ends.
func Durable(tb testing.TB) *Cluster {
	tb.Helper()
	c := need(tb, func() (*Cluster, error) { return start(true) })
	tb.Cleanup(c.Stop)
	return c
}

func need(tb testing.TB, get func() (*Cluster, error)) *Cluster {
	tb.Helper()
	c, err := get()
	if err == nil {
		return c
	}
	if errNotInstalled(err) && os.Getenv("CI") == "" {
		tb.Skipf("PostgreSQL tests skipped: %v (apt-get install postgresql)", err)
	}
	tb.Fatalf("pgtest: %v", err)
	return nil
}

// NewDatabase creates an empty database in c, dropped when tb ends, and
// returns its URL.
func (c *Cluster) NewDatabase(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("t%d_%d", os.Getpid(), c.seq.Add(1))
	admin, err := sql.Open("pgx", c.admin)
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(context.Background(), `CREATE DATABASE `+name); err != nil {
		tb.Fatalf("pgtest: create database: %v", err)
	}
	tb.Cleanup(func() {
		a, err := sql.Open("pgx", c.admin)
		if err != nil {
			return
		}
		defer a.Close()
		_, _ = a.ExecContext(context.Background(), `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
	})
	return c.url(name)
}

func (c *Cluster) url(db string) string {
	return "postgres://postgres@/" + db + "?host=" + c.dir + "&sslmode=disable"
}

// Stop shuts the cluster down and removes its files.
func (c *Cluster) Stop() { _ = c.stdin.Close() }

type notInstalledError struct{ msg string }

func (e notInstalledError) Error() string { return e.msg }

func errNotInstalled(err error) bool {
	_, ok := err.(notInstalledError)
	return ok
}

// binDir finds the newest Debian PostgreSQL (/usr/lib/postgresql/N/bin).
func binDir() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int {
		va, _ := strconv.Atoi(filepath.Base(filepath.Dir(a)))
		vb, _ := strconv.Atoi(filepath.Base(filepath.Dir(b)))
		return va - vb
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	return "", notInstalledError{"no /usr/lib/postgresql/*/bin/initdb"}
}

// start runs initdb and the server under a shell that waits on its
// stdin, a pipe from this process: when the test binary exits, however it
// exits, the pipe closes, and the shell stops the server and removes the
// directory. initdb refuses to run as root, so as root everything runs as
// the postgres user (Debian's package creates it).
func start(durable bool) (*Cluster, error) {
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "varco-pg-")
	if err != nil {
		return nil, err
	}
	var prefix []string
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, notInstalledError{"running as root and there is no postgres user to run the server as"}
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			_ = os.RemoveAll(dir)
			return nil, err
		}
		prefix = []string{"runuser", "-u", "postgres", "--"}
	}
	settings := "-c listen_addresses='' -c max_connections=400 -c shared_buffers=64MB"
	if !durable {
		settings += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
	}
	script := fmt.Sprintf(`set -e
D=%[1]q
%[2]q/initdb -D "$D/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$D/initdb.log" 2>&1
%[2]q/pg_ctl -D "$D/data" -l "$D/server.log" -w -o "-k $D %[3]s" start >/dev/null
echo ready
cat >/dev/null || true
%[2]q/pg_ctl -D "$D/data" -m immediate stop >/dev/null 2>&1 || true
rm -rf "$D"
`, dir, bin, settings)
	args := append(prefix, "sh", "-c", script)
	cmd := exec.Command(args[0], args[1:]...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	// Reap the shell whenever it ends, so it never lingers as a zombie.
	go func() { _ = cmd.Wait() }()
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		logs, _ := os.ReadFile(filepath.Join(dir, "initdb.log"))
		srv, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		_ = stdin.Close()
		return nil, fmt.Errorf("postgres did not start:\n%s\n%s", logs, srv)
	}
	c := &Cluster{dir: dir, stdin: stdin}
	c.admin = c.url("postgres")
	return c, nil
}

// Or returns a new PostgreSQL database's URL when EnvSwitch is set, and
// sqlitePath otherwise: tests that open their store through it run on
// either engine, so one suite checks both (`VARCO_TEST_POSTGRES=1 go test`).
func Or(tb testing.TB, sqlitePath string) string {
	tb.Helper()
	if Enabled() {
		return URL(tb)
	}
	return sqlitePath
}
