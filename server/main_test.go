package main

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// buildServer compiles this command once per test, as `go run ./server` would.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "varco-server")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return bin
}

type proc struct {
	cmd  *exec.Cmd
	addr string
	done chan error
}

var listening = regexp.MustCompile(`msg=listening addr=(\S+)`)

// start runs the server and waits for its "listening" log line.
func start(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), "VARCO_LOG_LEVEL=info")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &proc{cmd: cmd, done: make(chan error, 1)}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
		p.done <- cmd.Wait()
	}()
	select {
	case p.addr = <-addr:
	case err := <-p.done:
		t.Fatalf("server exited before listening: %v", err)
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("server did not start listening")
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	return p
}

// stop sends SIGTERM and requires a clean, prompt exit.
func (p *proc) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-p.done:
		require.NoError(t, err, "graceful shutdown must exit 0")
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop after SIGTERM")
	}
}

func TestServerBinary(t *testing.T) {
	t.Parallel()
	bin := buildServer(t)
	db := filepath.Join(t.TempDir(), "varco.db")
	ctx := context.Background()

	p := start(t, bin, "--db", db, "--demo")
	orgs, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, "http://"+p.addr).
		ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
	require.NoError(t, err)
	require.Len(t, orgs.Msg.GetOrganizations(), 2)
	p.stop(t)

	bootstrap := func() string {
		cmd := exec.Command(bin, "bootstrap", "--db", db, "--email", "admin@comune.example", "--given-name", "Anna",
			"--family-name", "Bianchi", "--codice-fiscale", "BNCLRA92E52F205Y", "--organization", demo.ComuneID)
		cmd.Env = append(os.Environ(), "VARCO_BOOTSTRAP_PASSWORD=una-password-lunga")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		return string(out)
	}
	require.Contains(t, bootstrap(), "created, organizer of "+demo.ComuneID)
	require.Contains(t, bootstrap(), "nothing done", "a second bootstrap must change nothing")

	p = start(t, bin, "--db", db, "--demo") // demo data is not loaded twice
	base := "http://" + p.addr
	auth := varcov1connect.NewAuthServiceClient(http.DefaultClient, base)
	login, err := auth.Login(ctx, connect.NewRequest(&varcov1.LoginRequest{Login: "bnclra92e52f205y", Password: "una-password-lunga"}))
	require.NoError(t, err)
	req := connect.NewRequest(&varcov1.WhoAmIRequest{})
	req.Header().Set("Authorization", "Bearer "+login.Msg.GetSession().GetToken())
	who, err := auth.WhoAmI(ctx, req)
	require.NoError(t, err)
	require.True(t, who.Msg.GetInstallationAdmin())
	require.Len(t, who.Msg.GetRoles(), 1)
	require.Equal(t, demo.ComuneID, who.Msg.GetRoles()[0].GetOrganizationId())
	require.Equal(t, varcov1.StaffRoleKind_STAFF_ROLE_KIND_ORGANIZER, who.Msg.GetRoles()[0].GetKind())
	orgs, err = varcov1connect.NewCatalogServiceClient(http.DefaultClient, base).
		ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
	require.NoError(t, err)
	require.Len(t, orgs.Msg.GetOrganizations(), 2)
	p.stop(t)
}

func TestBootstrapRefusesBadInput(t *testing.T) {
	t.Parallel()
	bin := buildServer(t)
	cmd := exec.Command(bin, "bootstrap", "--db", filepath.Join(t.TempDir(), "v.db"), "--email", "not-an-email",
		"--given-name", "Anna", "--family-name", "Bianchi", "--codice-fiscale", "BNCLRA92E52F205Y")
	cmd.Stdin = strings.NewReader("una-password-lunga\n")
	out, err := cmd.CombinedOutput()
	require.Error(t, err)
	require.Contains(t, string(out), "email")
}
