package deploy_test

import (
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/varco-gate/varco/internal/config"
)

// composeFile is the part of a Compose file the test reads.
type composeFile struct {
	Services map[string]composeService
	Volumes  map[string]any
}

type composeService struct {
	Image string
	Build struct {
		Context, Dockerfile string
	}
	Environment map[string]string
	Ports       []string
	Volumes     []string
	Command     []string
	DependsOn   map[string]struct{ Condition string } `yaml:"depends_on"`
	Healthcheck struct {
		Test []string
	}
}

// envOnly are the server's variables that have no flag (secrets).
var envOnly = map[string]bool{"VARCO_SMTP_PASSWORD": true, "VARCO_APP_IO_KEYS": true, "VARCO_OIDC_CLIENT_SECRET": true}

// Docker is not available here, so compose.yaml is checked by reading it:
// the services and their health checks, the server's environment against
// the server's real flags (config.Load must accept it), and the database
// and mail settings against the services they point at. Where the docker
// client has the compose plugin, `docker compose config` checks it too.
func TestComposeFile(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("compose.yaml")
	require.NoError(t, err)
	var c composeFile
	require.NoError(t, yaml.Unmarshal(raw, &c))
	server, db, mail := c.Services["server"], c.Services["postgres"], c.Services["mail"]

	// The server is built from this repository's Dockerfile.
	require.Equal(t, "deploy/Dockerfile", server.Build.Dockerfile)
	_, err = os.Stat(filepath.Join(server.Build.Context, server.Build.Dockerfile))
	require.NoError(t, err, "build context and Dockerfile")
	require.Equal(t, "service_healthy", server.DependsOn["postgres"].Condition, "the server waits for the database")
	require.Contains(t, server.DependsOn, "mail")

	// PostgreSQL 15 or newer, official image, health check, data on a volume.
	m := regexp.MustCompile(`^postgres:(\d+)`).FindStringSubmatch(db.Image)
	require.NotNil(t, m, "official postgres image: %s", db.Image)
	major, _ := strconv.Atoi(m[1])
	require.GreaterOrEqual(t, major, 15)
	require.Contains(t, strings.Join(db.Healthcheck.Test, " "), "pg_isready")
	require.Len(t, db.Volumes, 1)
	vol, path, _ := strings.Cut(db.Volumes[0], ":")
	require.Contains(t, c.Volumes, vol, "a named volume")
	require.Equal(t, "/var/lib/postgresql/data", path, "where the postgres:%d image keeps its data", major)

	// The mail catcher.
	require.True(t, strings.HasPrefix(mail.Image, "axllent/mailpit:"), mail.Image)
	require.NotEmpty(t, mail.Healthcheck.Test)

	// Every VARCO_ variable is a real one, and the server accepts them all.
	known := map[string]bool{}
	for _, f := range config.Flags() {
		known[f.Env] = true
	}
	for k := range server.Environment {
		require.True(t, known[k] || envOnly[k], "%s is not a server flag's variable", k)
	}
	cfg, err := config.Load(nil, func(k string) string { return server.Environment[k] }, io.Discard)
	require.NoError(t, err)
	u, err := url.Parse(cfg.DB)
	require.NoError(t, err)
	pass, _ := u.User.Password()
	require.Equal(t, "postgres", u.Scheme)
	require.Equal(t, "postgres:5432", u.Host, "the database service")
	require.Equal(t, db.Environment["POSTGRES_USER"], u.User.Username())
	require.Equal(t, db.Environment["POSTGRES_PASSWORD"], pass)
	require.Equal(t, "/"+db.Environment["POSTGRES_DB"], u.Path)
	require.Equal(t, "mail", cfg.SMTPHost, "e-mail goes to the mail catcher")
	require.Equal(t, 1025, cfg.SMTPPort, "mailpit's SMTP port")
	require.Equal(t, "none", cfg.SMTPTLS)
	_, port, _ := strings.Cut(cfg.Addr, ":")
	require.Contains(t, server.Ports, port+":"+port)
	_, mport, _ := strings.Cut(cfg.MetricsAddr, ":")
	require.Contains(t, server.Ports, "127.0.0.1:"+mport+":"+mport, "metrics only on loopback")

	// The optional scanner, once uncommented, is a valid service too.
	block := regexp.MustCompile(`(?ms)^  # scanner:\n(.*?)\n\n`).FindStringSubmatch(string(raw))
	require.NotNil(t, block, "the commented scanner service")
	var scanner map[string]composeService
	require.NoError(t, yaml.Unmarshal([]byte(strings.ReplaceAll("  # scanner:\n"+block[1], "  # ", "  ")), &scanner))
	require.Equal(t, "deploy/Dockerfile.scanner", scanner["scanner"].Build.Dockerfile)
	require.Equal(t, "run", scanner["scanner"].Command[0])

	// With the compose plugin (not on CI's machines), Docker's own check.
	if docker, err := exec.LookPath("docker"); err == nil && exec.Command(docker, "compose", "version").Run() == nil {
		out, err := exec.Command(docker, "compose", "-f", "compose.yaml", "config", "--quiet").CombinedOutput()
		require.NoError(t, err, "%s", out)
	} else {
		t.Log("docker compose not available: checked by reading the file only")
	}
}
