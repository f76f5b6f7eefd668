package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	shell "github.com/varco-gate/varco/internal/cli"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/varco-gate/varco/client"
	"github.com/varco-gate/varco/internal/i18n"
)

// Defaults of the global flags.
const (
	defaultServer = "http://127.0.0.1:8080"
	// callTimeout bounds each attempt of a unary call: long enough for an
	// apply on a busy server, short enough that a hung server is noticed.
	callTimeout = 30 * time.Second
	// callRetries repeats reads and idempotent writes when the server is
	// briefly unavailable (a restart); other writes are never repeated.
	callRetries = 2
)

// cli is one invocation: the global settings, the streams and the
// environment. Commands are its methods, so tests run them in-process.
type cli struct {
	server string
	output string // "table" or "json"
	lang   string // "it", "en" or "de": the server's messages and the CLI's own texts

	getenv func(string) string
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	now    func() time.Time
}

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(c *cli, ctx context.Context, args []string) error
}

// commands lists every subcommand, in the order `varco help` shows them.
var commands = []command{
	{"login", "log in and keep the session for this server", (*cli).login},
	{"logout", "end the session", (*cli).logout},
	{"whoami", "show who is logged in, with staff roles", (*cli).whoami},
	{"apply", "create or update the catalog from a YAML or JSON file (idempotent)", (*cli).apply},
	{"grid", "show the availability grid of a resource", (*cli).grid},
	{"book", "hold and confirm a booking", (*cli).book},
	{"cancel", "cancel a booking", (*cli).cancel},
	{"mine", "list your bookings", (*cli).mine},
	{"bookings", "list an organization's bookings of a day (staff)", (*cli).bookings},
	{"attend", "mark a booking done or no-show (staff)", (*cli).attend},
	{"enroll-code", "create a one-time code to enroll a gate scanner (organizer)", (*cli).enrollCode},
	{"occupancy", "watch who is inside, live, until Ctrl-C (staff)", (*cli).occupancy},
	{"export", "export bookings or gate scans of a period as CSV (organizer)", (*cli).export},
	{"stats", "show statistics for a period (organizer)", (*cli).stats},
	{"webhooks", "create, list, delete webhooks; list and replay deliveries (organizer)", (*cli).webhooks},
}

// run executes one invocation of varco. It reports failures on stderr
// itself (as text, or as JSON with --output json) and returns them so that
// main can exit with status 1.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if shell.IsVersion(args) {
		fmt.Fprintln(stdout, shell.Version("varco"))
		return nil
	}
	c := &cli{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr, now: time.Now}
	c.server = envOr(getenv, "VARCO_SERVER", defaultServer)
	c.output = envOr(getenv, "VARCO_OUTPUT", "table")
	c.lang = envOr(getenv, "VARCO_LANG", "it")

	fs := c.flagSet("varco")
	fs.Usage = func() { c.usage(fs.Output()) }
	if err := parseFlags(fs, args); err != nil {
		return c.fail(err)
	}
	rest := fs.Args()
	if len(rest) == 0 || rest[0] == "help" {
		c.usage(stdout)
		return nil
	}
	for _, cmd := range commands {
		if cmd.name == rest[0] {
			return c.fail(cmd.run(c, ctx, rest[1:]))
		}
	}
	return c.fail(usageErrorf("unknown command %q (run varco help)", rest[0]))
}

// flagSet returns a flag set that also accepts the global flags, so they
// may follow the command name too.
func (c *cli) flagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.StringVar(&c.server, "server", c.server, "server base URL (env VARCO_SERVER)")
	fs.StringVar(&c.output, "output", c.output, "output format: table or json (env VARCO_OUTPUT)")
	fs.StringVar(&c.lang, "lang", c.lang, "language of the tables and the server's messages: it, en or de (env VARCO_LANG)")
	return fs
}

// parse parses a command's flags and checks the global ones; commands take
// no positional arguments.
func (c *cli) parse(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("%s: unexpected arguments %q", fs.Name(), fs.Args())
	}
	switch c.output {
	case "table", "json":
	default:
		return usageErrorf("--output %q: use table or json", c.output)
	}
	if !i18n.Supported(c.lang) {
		return usageErrorf("--lang %q: use it, en or de", c.lang)
	}
	return nil
}

func (c *cli) usage(w io.Writer) {
	fmt.Fprint(w, `varco: the Varco command-line tool for organizers and operators.

Usage: varco [--server URL] [--output table|json] [--lang it|en|de] COMMAND [flags]

Commands:
`)
	width := 0
	for _, cmd := range commands {
		width = max(width, len(cmd.name))
	}
	for _, cmd := range commands {
		fmt.Fprintf(w, "  %-*s  %s\n", width, cmd.name, cmd.summary)
	}
	fmt.Fprint(w, `
Run varco COMMAND -h for its flags. Environment: VARCO_SERVER, VARCO_OUTPUT,
VARCO_LANG, VARCO_PASSWORD (login), VARCO_TOKEN (use this token instead of
the stored session), VARCO_CONFIG_DIR (where the session is kept; default
the user's config directory + /varco).
`)
}

// client returns an API client for the server, with the stored session
// (or VARCO_TOKEN) when there is one. Commands that need a login get a
// clear Unauthenticated error from the server otherwise.
func (c *cli) client() (*client.Client, error) {
	token, err := c.token()
	if err != nil {
		return nil, err
	}
	return client.New(c.server, client.WithToken(token), client.WithLanguage(c.lang),
		client.WithTimeout(callTimeout), client.WithRetries(callRetries))
}

func (c *cli) token() (string, error) {
	if t := c.getenv("VARCO_TOKEN"); t != "" {
		return t, nil
	}
	store, err := c.sessions()
	if err != nil {
		return "", err
	}
	s, ok, err := store.get(c.server)
	if err != nil || !ok {
		return "", err
	}
	if !s.ExpiresAt.IsZero() && c.now().After(s.ExpiresAt) {
		return "", nil // expired: the server's Unauthenticated says to log in again
	}
	return s.Token, nil
}

// t is the CLI's text of key (the cli domain of internal/i18n) in the
// language of --lang, formatted with args.
func (c *cli) t(key string, args ...any) string { return i18n.T(c.lang, key, args...) }

// tOr is t for a key made from a value ("cli.apply.kind." + kind): the
// value itself when the catalog has no text for it.
func (c *cli) tOr(key, fallback string) string {
	if !i18n.Has(key) {
		return fallback
	}
	return c.t(key)
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

// parseFlags parses, marking errors the flag package has already printed
// (with the usage) so they are not reported twice.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return &printedError{err}
}

// printedError is a failure already shown to the user.
type printedError struct{ err error }

func (e *printedError) Error() string { return e.err.Error() }
func (e *printedError) Unwrap() error { return e.err }

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// required reports the first empty required flag.
func required(flags map[string]string) error {
	names := make([]string, 0, len(flags))
	for n := range flags {
		names = append(names, n)
	}
	sort.Strings(names)
	var missing []string
	for _, n := range names {
		if strings.TrimSpace(flags[n]) == "" {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return usageErrorf("missing %s", strings.Join(missing, ", "))
	}
	return nil
}
