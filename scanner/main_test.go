package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/cli"
	"github.com/varco-gate/varco/internal/scanner"
	"github.com/varco-gate/varco/internal/ticket"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

const tourID = "5adb7f79-f5d3-5abf-b860-a5f9b3dce0ee"

// buildScanner compiles this command, as `go build ./scanner` would.
func buildScanner(t *testing.T, env ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "scanner")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

// enrollServer answers Enroll for one code; the rest of GateService is
// Unimplemented, which the scanner treats as "decide offline".
type enrollServer struct {
	varcov1connect.UnimplementedGateServiceHandler
}

func (enrollServer) Enroll(_ context.Context, req *connect.Request[varcov1.EnrollRequest]) (*connect.Response[varcov1.EnrollResponse], error) {
	if req.Msg.GetEnrollmentCode() != "KM7R-4TXA-9QPE" {
		return nil, connect.NewError(connect.CodeNotFound, nil)
	}
	return connect.NewResponse(&varcov1.EnrollResponse{Credential: "secret-device-credential", Settings: &varcov1.GateSettings{
		DeviceId: uuid.NewString(), Name: "Ingresso nord", ResourceIds: []string{tourID},
		Direction: varcov1.GateDirection_GATE_DIRECTION_ENTRY}}), nil
}

func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return "http://" + addr
}

// The program end to end: enroll, status, then run with the server
// unreachable, fed 10,000 scans on stdin as a keyboard-wedge scanner would;
// its peak resident memory (VmHWM) is reported.
func TestScannerBinaryOfflineAndMemory(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary and scans 10,000 tickets")
	}
	bin := buildScanner(t)
	mux := http.NewServeMux()
	mux.Handle(varcov1connect.NewGateServiceHandler(enrollServer{}))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "gate")

	cmd := exec.Command(bin, "enroll", "--server", srv.URL, "--dir", dir)
	cmd.Env = append(os.Environ(), "VARCO_SCANNER_CODE=KM7R-4TXA-9QPE")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), "Varco: Ingresso nord")
	require.Contains(t, string(out), "Servizi: "+tourID)
	require.NotContains(t, string(out), "secret-device-credential")
	fi, err := os.Stat(filepath.Join(dir, scanner.DBFile))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())

	// The public key, as Sync would deliver it.
	now := time.Now()
	key, err := ticket.NewKey(nil, now)
	require.NoError(t, err)
	st, err := scanner.Open(dir)
	require.NoError(t, err)
	require.NoError(t, st.ApplySync(&varcov1.SyncResponse{Keys: []*varcov1.TicketKey{{KeyId: key.ID, PublicKey: key.Public}}}, now))
	require.NoError(t, st.Close())

	const n = 10_000
	var input bytes.Buffer
	for i := range n {
		p, err := ticket.Claims{TicketID: uuid.NewString(), ResourceID: tourID, ValidFrom: now.Add(-time.Hour),
			ValidUntil: now.Add(2 * time.Hour), MaxStay: 90 * time.Minute, Seats: 1 + i%3}.Encode(key)
		require.NoError(t, err)
		input.WriteString(p + "\r\n")
	}

	run := exec.Command(bin, "run", "--dir", dir, "--server", closedPort(t), "--lang", "en", "--log-level", "warn")
	stdin, err := run.StdinPipe()
	require.NoError(t, err)
	stdout, err := run.StdoutPipe()
	require.NoError(t, err)
	var stderr syncBuffer
	run.Stderr = &stderr
	require.NoError(t, run.Start())
	t.Cleanup(func() { _ = run.Process.Kill() })
	start := time.Now()
	go func() { _, _ = io.Copy(stdin, &input) }()
	lines := bufio.NewScanner(stdout)
	ok := 0
	for i := 0; i < n && lines.Scan(); i++ {
		if strings.HasPrefix(lines.Text(), "OK  ENTRY  ") && strings.HasSuffix(lines.Text(), "[offline]") {
			ok++
		}
	}
	elapsed := time.Since(start)
	require.Equal(t, n, ok, "every ticket accepted offline; stderr: %s", stderr.String())
	// Still running (stdin is open): its peak resident set so far.
	hwm := vmHWM(t, run.Process.Pid)
	require.NoError(t, stdin.Close())
	require.NoError(t, run.Wait(), "stdin closed: clean exit; stderr: %s", stderr.String())
	t.Logf("%d offline scans in %s (%s per scan); scanner peak RSS (VmHWM) %d kB", n, elapsed.Round(time.Millisecond),
		(elapsed / n).Round(time.Microsecond), hwm)
	if hwm > 0 {
		require.Less(t, hwm, 50*1024, "under 50 MB resident")
	}

	out, err = exec.Command(bin, "status", "--dir", dir, "--lang", "en").CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.Contains(t, string(out), fmt.Sprintf("Offline scans to upload: %d", n))
	require.Contains(t, string(out), "Credential: present")
	require.Contains(t, string(out), "Public keys: 1 (1 valid now)")
	require.NotContains(t, string(out), "secret-device-credential")
}

// syncBuffer collects a child's stderr while the test may read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// vmHWM reads the peak resident set of a running process, in kB (0 where
// /proc is not available).
func vmHWM(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Logf("no /proc: %v", err)
		return 0
	}
	for line := range strings.Lines(string(data)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
			require.NoError(t, err)
			return kb
		}
	}
	return 0
}

// The gate program is pure Go: it cross-compiles for ARM handhelds
// without a C toolchain.
func TestCrossBuildLinuxArm64(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("cross-compiles the program")
	}
	bin := buildScanner(t, "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	fi, err := os.Stat(bin)
	require.NoError(t, err)
	t.Logf("linux/arm64 scanner binary: %d bytes (%.1f MiB)", fi.Size(), float64(fi.Size())/(1<<20))
	f, err := os.Open(bin)
	require.NoError(t, err)
	defer f.Close()
	head := make([]byte, 20)
	_, err = io.ReadFull(f, head)
	require.NoError(t, err)
	require.Equal(t, "\x7fELF", string(head[:4]))
	require.Equal(t, uint16(183), uint16(head[18])|uint16(head[19])<<8, "e_machine is EM_AARCH64")
}

// A bare port serves the page on loopback only.
func TestScanPageBindsLoopbackByDefault(t *testing.T) {
	t.Parallel()
	log := slog.New(slog.DiscardHandler)
	for _, addr := range []string{"0", ":0"} {
		srv, got, err := serveHTTP(addr, http.NotFoundHandler(), nil, log)
		require.NoError(t, err)
		require.True(t, got.(*net.TCPAddr).IP.IsLoopback(), addr)
		require.NoError(t, srv.Close())
	}
}

// The README's table lists every flag of every command with its
// environment variable, so the documentation cannot drift from the code.
func TestREADMEDocumentsEveryFlag(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("README.md")
	require.NoError(t, err)
	for _, newFlags := range []func(io.Writer) *flag.FlagSet{
		func(w io.Writer) *flag.FlagSet { fs, _ := enrollFlagSet(w); return fs },
		func(w io.Writer) *flag.FlagSet { fs, _ := runFlagSet(w); return fs },
		func(w io.Writer) *flag.FlagSet { fs, _ := statusFlagSet(w); return fs },
	} {
		fs := newFlags(io.Discard)
		fs.VisitAll(func(f *flag.Flag) {
			row := "| `--" + f.Name + "` | `" + envName(f.Name) + "` |"
			require.Contains(t, string(readme), row, "%s --%s", fs.Name(), f.Name)
		})
	}
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	env := func(string) string { return "" }
	require.Error(t, run(nil, env, nil, &stdout, &stderr))
	require.Error(t, run([]string{"fly"}, env, nil, &stdout, &stderr))
	require.ErrorContains(t, run([]string{"status"}, env, nil, &stdout, &stderr), "--dir")
	require.ErrorContains(t, run([]string{"run", "--dir", t.TempDir()}, env, nil, &stdout, &stderr), "not enrolled")
	require.Error(t, run([]string{"run", "--direction", "sideways"}, env, nil, &stdout, &stderr))
	require.Error(t, run([]string{"run", "--lang", "fr"}, env, nil, &stdout, &stderr))
	err := run([]string{"enroll", "--dir", t.TempDir(), "--code", "X"}, func(k string) string {
		if k == "VARCO_SCANNER_SERVER" {
			return "not a url"
		}
		return ""
	}, nil, &stdout, &stderr)
	require.ErrorContains(t, err, "not a url", "flags fall back to VARCO_SCANNER_* variables")

	stdout.Reset()
	require.NoError(t, run([]string{"status", "--dir", t.TempDir()}, env, nil, &stdout, &stderr))
	require.Contains(t, stdout.String(), "Credenziale: assente")
	require.Contains(t, stdout.String(), "Ultima sincronizzazione: mai")
}

func TestVersionAndUsageErrors(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	require.NoError(t, run([]string{"--version"}, func(string) string { return "" }, nil, &out, &errOut))
	require.True(t, strings.HasPrefix(out.String(), "varco-scanner "), out.String())
	for _, args := range [][]string{nil, {"no-such-command"}, {"status", "--no-such-flag"}} {
		errOut.Reset()
		err := run(args, func(string) string { return "" }, nil, &out, &errOut)
		require.Equal(t, cli.ExitUsage, cli.Exit("scanner", err, &errOut), "%v", args)
	}
}

// With --http-cert and --http-key the page is served over TLS (phones'
// browsers give the camera only to https pages off loopback).
func TestGatePageOverTLS(t *testing.T) {
	t.Parallel()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "varco-gate"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	conf := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	srv, addr, err := serveHTTP("0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "ok")
	}), conf, slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer srv.Close()

	pool := x509.NewCertPool()
	pool.AddCert(cert)
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, err := c.Get("https://" + addr.String() + "/")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, "ok", string(body))

	res, err = http.Get("http://" + addr.String() + "/")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusBadRequest, res.StatusCode, "plain HTTP is not served")
}
