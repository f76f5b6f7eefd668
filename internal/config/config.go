// Package config reads the server's configuration from command-line flags,
// each with a VARCO_* environment variable as fallback, so the same binary
// runs from a terminal, a systemd unit or a container without a config file.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/cli"
	"github.com/varco-gate/varco/internal/clientip"
)

// Defaults, with their units in the name or type.
const (
	DefaultAddr              = "127.0.0.1:8080"
	DefaultDB                = "varco.db"
	DefaultMaxRequestBytes   = 1 << 20 // 1 MiB: the largest legitimate request is an UploadScans batch.
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultShutdownTimeout   = 20 * time.Second
	DefaultPublicBaseURL     = "http://127.0.0.1:8080"
)

// Config is everything the server needs to start.
type Config struct {
	Addr        string
	DB          string
	Demo        bool
	LogFormat   string // "text" or "json"
	LogLevel    string // "debug", "info", "warn", "error"
	CORSOrigins []string
	// TrustedProxies are the reverse proxies (addresses or CIDR prefixes)
	// whose X-Forwarded-For is believed when finding a client's address.
	TrustedProxies    []string
	MaxRequestBytes   int64
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	// WriteTimeout bounds unary RPCs and plain GETs; streaming RPCs (Sync,
	// WatchOccupancy, exports) are exempt because they are meant to live long.
	WriteTimeout    time.Duration
	IdleTimeout     time.Duration
	ShutdownTimeout time.Duration
	PublicBaseURL   string

	// Notifications. SMTPHost empty disables e-mail (messages then go by
	// push only); SMTPPassword comes only from VARCO_SMTP_PASSWORD, never
	// from a flag (flags are visible to every user of the machine).
	SMTPHost, SMTPUsername, SMTPPassword, SMTPTLS string
	SMTPPort                                      int
	MailFrom, MailReplyTo                         string
	VAPIDSubject                                  string
	// PushAllowAnyHTTPS accepts push endpoints outside the well-known push
	// services (development and tests only: it opens an SSRF door).
	PushAllowAnyHTTPS  bool
	NotifyMaxAttempts  int
	NotifyPollInterval time.Duration
	// AppIOURL is the base URL of App IO's API. AppIOKeys maps an
	// organization id to its IO service's API key; it comes only from
	// VARCO_APP_IO_KEYS ("<organization id>=<key>,..."), never a flag.
	AppIOURL    string
	AppIOKeys   map[string]string
	NotifyLease time.Duration
	// Retention is how long after its end a booking keeps its personal
	// data; 0 keeps it forever.
	Retention time.Duration
	// DebugAddr, when set, serves Go's profiler (/debug/pprof/) on its own
	// listener, kept off the public port: profiles reveal internals and
	// cost CPU, so only operators on the machine should reach them.
	DebugAddr string
	// MetricsAddr, when set, serves /metrics on its own listener instead
	// of the public port, for a scraper on a private network.
	MetricsAddr string
	// WebhookAllowPrivate lets webhook URLs and deliveries reach loopback
	// and private addresses (development and tests only: an SSRF door).
	WebhookAllowPrivate bool
	// WebhookMaxAttempts bounds the attempts of one webhook delivery.
	WebhookMaxAttempts int
	// ExtraCACerts are PEM files of CAs trusted, besides the system's
	// roots, by outbound TLS (Web Push, webhooks, SMTP).
	ExtraCACerts []string

	// SPID/CIE login through OpenID Connect; OIDCIssuer empty disables it.
	// OIDCClientSecret comes only from VARCO_OIDC_CLIENT_SECRET, never
	// from a flag. OIDCRedirectURL defaults to the public base URL's
	// /auth/oidc/callback.
	OIDCIssuer, OIDCClientID, OIDCClientSecret, OIDCRedirectURL, OIDCLabel string
	OIDCScopes                                                             []string
}

// Flag describes one setting for the README's configuration table.
type Flag struct {
	Name, Env, Default, Usage string
}

// Load parses args (without the program name), falling back to the
// environment for every flag not given on the command line. Every error is
// a *cli.UsageError: the command line or the environment needs fixing.
func Load(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	c, err := load(args, getenv, stderr)
	if err != nil {
		var ue *cli.UsageError
		if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
			return Config{}, err
		}
		return Config{}, cli.Usage(err)
	}
	return c, nil
}

func load(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	var c Config
	fs := newFlagSet(&c, stderr)
	if err := fs.Parse(args); err != nil {
		return Config{}, cli.ParseError(err)
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if given[f.Name] {
			return
		}
		if v := getenv(EnvName(f.Name)); v != "" {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", EnvName(f.Name), err))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	c.SMTPPassword = getenv("VARCO_SMTP_PASSWORD")
	c.OIDCClientSecret = getenv("VARCO_OIDC_CLIENT_SECRET")
	if c.OIDCIssuer != "" && c.OIDCRedirectURL == "" {
		c.OIDCRedirectURL = strings.TrimRight(c.PublicBaseURL, "/") + "/auth/oidc/callback"
	}
	keys, err := parseAppIOKeys(getenv("VARCO_APP_IO_KEYS"))
	if err != nil {
		return Config{}, err
	}
	c.AppIOKeys = keys
	return c, c.validate()
}

// Flags lists every setting, for documentation and --help.
func Flags() []Flag {
	var c Config
	fs := newFlagSet(&c, io.Discard)
	var out []Flag
	fs.VisitAll(func(f *flag.Flag) {
		out = append(out, Flag{Name: f.Name, Env: EnvName(f.Name), Default: f.DefValue, Usage: f.Usage})
	})
	return out
}

// EnvName maps a flag name to its environment variable: "cors-origins" is
// VARCO_CORS_ORIGINS.
func EnvName(flagName string) string {
	return "VARCO_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func newFlagSet(c *Config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("varco-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Addr, "addr", DefaultAddr, "address to listen on (Connect, gRPC, gRPC-Web and HTTP on one port)")
	fs.StringVar(&c.DB, "db", DefaultDB, "SQLite database file (created if missing), or a postgres:// URL")
	fs.BoolVar(&c.Demo, "demo", false, "load demo data into an empty database")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.Func("cors-origins", "comma-separated browser origins allowed to call the API, or * (default: none)", func(s string) error {
		c.CORSOrigins = nil
		for _, o := range strings.Split(s, ",") {
			if o = strings.TrimSpace(o); o != "" {
				c.CORSOrigins = append(c.CORSOrigins, o)
			}
		}
		return nil
	})
	fs.Func("trusted-proxies", "comma-separated addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For is believed (login throttling keys by client address) (default: none)", func(s string) error {
		c.TrustedProxies = nil
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				c.TrustedProxies = append(c.TrustedProxies, p)
			}
		}
		_, err := clientip.New(c.TrustedProxies)
		return err
	})
	fs.Int64Var(&c.MaxRequestBytes, "max-request-bytes", DefaultMaxRequestBytes, "largest accepted request message, in bytes")
	fs.DurationVar(&c.ReadHeaderTimeout, "read-header-timeout", DefaultReadHeaderTimeout, "time allowed to read request headers")
	fs.DurationVar(&c.ReadTimeout, "read-timeout", DefaultReadTimeout, "time allowed to read a whole request")
	fs.DurationVar(&c.WriteTimeout, "write-timeout", DefaultWriteTimeout, "time allowed to answer a unary request (streams are exempt)")
	fs.DurationVar(&c.IdleTimeout, "idle-timeout", DefaultIdleTimeout, "how long an idle keep-alive connection stays open")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", DefaultShutdownTimeout, "how long a graceful shutdown waits for requests in flight")
	fs.StringVar(&c.PublicBaseURL, "public-base-url", DefaultPublicBaseURL, "base URL citizens reach the server at (links in e-mails)")
	fs.StringVar(&c.SMTPHost, "smtp-host", "", "SMTP server for e-mail; empty disables e-mail (password: VARCO_SMTP_PASSWORD)")
	fs.IntVar(&c.SMTPPort, "smtp-port", 587, "SMTP port")
	fs.StringVar(&c.SMTPUsername, "smtp-username", "", "SMTP user name (no authentication when empty)")
	fs.StringVar(&c.SMTPTLS, "smtp-tls", "starttls", "SMTP transport security: starttls, tls or none")
	fs.StringVar(&c.MailFrom, "mail-from", "Varco <noreply@localhost>", "sender of e-mails")
	fs.StringVar(&c.MailReplyTo, "mail-reply-to", "", "Reply-To of e-mails (e.g. the office's address)")
	fs.StringVar(&c.VAPIDSubject, "vapid-subject", "mailto:admin@localhost", "VAPID subject push services may contact (mailto: or https: URL)")
	fs.BoolVar(&c.PushAllowAnyHTTPS, "push-allow-any-https", false, "accept any https push endpoint, not only the known push services (development only)")
	fs.StringVar(&c.AppIOURL, "app-io-url", "https://api.io.pagopa.it", "App IO API base URL; organizations send IO messages when VARCO_APP_IO_KEYS has their key")
	fs.IntVar(&c.NotifyMaxAttempts, "notify-max-attempts", 8, "delivery attempts before a notification is recorded as failed")
	fs.DurationVar(&c.Retention, "retention", 365*24*time.Hour, "how long after it ended a booking keeps its personal data (0: forever)")
	fs.BoolVar(&c.WebhookAllowPrivate, "webhook-allow-private", false, "let webhooks reach loopback and private addresses (development only)")
	fs.IntVar(&c.WebhookMaxAttempts, "webhook-max-attempts", 16, "attempts before a webhook delivery is recorded as failed (16: retries span 4.5 to 9 hours)")
	fs.DurationVar(&c.NotifyLease, "notify-lease", 15*time.Second, "how long a notification or webhook delivery being sent stays reserved without news from its sender, which renews it every third of this while sending; after a crash another replica (or the next start) sends it once this has passed")
	fs.DurationVar(&c.NotifyPollInterval, "notify-poll-interval", 500*time.Millisecond, "fallback poll for due notifications and webhook retries written by other processes (the dispatcher also wakes at the earliest due time it knows of)")
	fs.Func("extra-ca-certs", "comma-separated PEM files of CA certificates trusted besides the system's by push, webhook and SMTP connections (private CAs) (default: none)", func(s string) error {
		c.ExtraCACerts = nil
		for _, f := range strings.Split(s, ",") {
			if f = strings.TrimSpace(f); f != "" {
				c.ExtraCACerts = append(c.ExtraCACerts, f)
			}
		}
		return nil
	})
	fs.StringVar(&c.OIDCIssuer, "oidc-issuer", "", "issuer URL of the SPID/CIE OpenID Connect provider or gateway; empty disables SPID/CIE login (client secret: VARCO_OIDC_CLIENT_SECRET)")
	fs.StringVar(&c.OIDCClientID, "oidc-client-id", "", "Varco's client id at the SPID/CIE provider")
	fs.StringVar(&c.OIDCRedirectURL, "oidc-redirect-url", "", "redirect URL registered at the provider (default: <public-base-url>/auth/oidc/callback)")
	fs.Func("oidc-scopes", "comma-separated scopes requested from the provider (default: openid,profile,email)", func(s string) error {
		c.OIDCScopes = nil
		for _, sc := range strings.Split(s, ",") {
			if sc = strings.TrimSpace(sc); sc != "" {
				c.OIDCScopes = append(c.OIDCScopes, sc)
			}
		}
		return nil
	})
	fs.StringVar(&c.OIDCLabel, "oidc-label", "SPID / CIE", "label of the citizen app's login button for the provider")
	fs.StringVar(&c.MetricsAddr, "metrics-addr", "", "serve /metrics on this separate address (e.g. 10.0.0.5:9090) instead of the public port; empty keeps it on the public port")
	fs.StringVar(&c.DebugAddr, "debug-addr", "", "serve the Go profiler (/debug/pprof/) on this separate address, e.g. 127.0.0.1:6060; empty disables it")
	return fs
}

// parseAppIOKeys reads VARCO_APP_IO_KEYS: comma-separated
// "<organization id>=<IO API key>" pairs. The error never quotes a key.
func parseAppIOKeys(v string) (map[string]string, error) {
	out := map[string]string{}
	for i, pair := range strings.Split(v, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		org, key, ok := strings.Cut(pair, "=")
		org, key = strings.TrimSpace(org), strings.TrimSpace(key)
		if !ok || org == "" || key == "" {
			return nil, fmt.Errorf("VARCO_APP_IO_KEYS: entry %d must be <organization id>=<key>", i+1)
		}
		if _, dup := out[org]; dup {
			return nil, fmt.Errorf("VARCO_APP_IO_KEYS: organization %q listed twice", org)
		}
		out[org] = key
	}
	return out, nil
}

func (c Config) validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("addr: must not be empty"))
	}
	if c.DB == "" {
		errs = append(errs, errors.New("db: must not be empty"))
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log-format: %q is not text or json", c.LogFormat))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log-level: %q is not debug, info, warn or error", c.LogLevel))
	}
	if c.MaxRequestBytes < 1024 {
		errs = append(errs, fmt.Errorf("max-request-bytes: %d is below 1024", c.MaxRequestBytes))
	}
	for name, d := range map[string]time.Duration{
		"read-header-timeout": c.ReadHeaderTimeout, "read-timeout": c.ReadTimeout,
		"write-timeout": c.WriteTimeout, "idle-timeout": c.IdleTimeout, "shutdown-timeout": c.ShutdownTimeout,
	} {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s: must be positive", name))
		}
	}
	switch c.SMTPTLS {
	case "starttls", "tls", "none":
	default:
		errs = append(errs, fmt.Errorf("smtp-tls: %q is not starttls, tls or none", c.SMTPTLS))
	}
	if c.SMTPPort < 1 || c.SMTPPort > 65535 {
		errs = append(errs, fmt.Errorf("smtp-port: %d is not a port", c.SMTPPort))
	}
	if c.NotifyMaxAttempts < 1 {
		errs = append(errs, errors.New("notify-max-attempts: must be at least 1"))
	}
	if c.WebhookMaxAttempts < 1 {
		errs = append(errs, errors.New("webhook-max-attempts: must be at least 1"))
	}
	if c.Retention < 0 {
		errs = append(errs, errors.New("retention: must not be negative"))
	}
	if c.NotifyLease < time.Second {
		errs = append(errs, errors.New("notify-lease: must be at least 1s"))
	}
	if c.NotifyPollInterval <= 0 {
		errs = append(errs, errors.New("notify-poll-interval: must be positive"))
	}
	if c.OIDCIssuer != "" {
		if c.OIDCClientID == "" {
			errs = append(errs, errors.New("oidc-client-id: required with oidc-issuer"))
		}
		if !strings.HasPrefix(c.OIDCRedirectURL, "http://") && !strings.HasPrefix(c.OIDCRedirectURL, "https://") {
			errs = append(errs, fmt.Errorf("oidc-redirect-url: %q must start with http:// or https://", c.OIDCRedirectURL))
		}
	}
	if !strings.HasPrefix(c.PublicBaseURL, "http://") && !strings.HasPrefix(c.PublicBaseURL, "https://") {
		errs = append(errs, fmt.Errorf("public-base-url: %q must start with http:// or https://", c.PublicBaseURL))
	}
	return errors.Join(errs...)
}
