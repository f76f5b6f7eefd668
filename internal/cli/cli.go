// Package cli holds what Varco's three programs (server, scanner, varco)
// share at their edge with the shell: the version they print, the exit
// status they end with, and the error they print once.
package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// Exit statuses: 0 success (and --help), 2 a usage error (a wrong flag,
// command or value: fix the command line), 1 anything else.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// UsageError is a mistake in the command line. Printed reports that the
// flag package already printed it (with the usage), so it is not printed
// a second time.
type UsageError struct {
	Err     error
	Printed bool
}

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Usage wraps err as a usage error not printed yet.
func Usage(err error) error { return &UsageError{Err: err} }

// ParseError wraps an error of flag.FlagSet.Parse (ContinueOnError, which
// has printed it and the usage already); flag.ErrHelp stays itself.
func ParseError(err error) error {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return &UsageError{Err: err, Printed: true}
}

// Exit prints err once, prefixed with the program's name, and returns the
// exit status for it.
func Exit(program string, err error, stderr io.Writer) int {
	var ue *UsageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &ue):
		if !ue.Printed {
			fmt.Fprintf(stderr, "%s: %v\n", program, err)
		}
		return ExitUsage
	}
	fmt.Fprintf(stderr, "%s: %v\n", program, err)
	return ExitError
}

// IsVersion reports whether args ask for the version only.
func IsVersion(args []string) bool {
	return len(args) == 1 && (args[0] == "--version" || args[0] == "-version" || args[0] == "version")
}

// Version is the one line --version prints: the program, the module
// version (a tag, or "(devel)" for a local build), the VCS revision and
// time the binary was built from ("+dirty" with uncommitted changes), and
// the Go version. All of it comes from the build info the go command
// stamps into every binary.
func Version(program string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return program + " (no build info) " + runtime.Version()
	}
	return program + " " + describe(bi)
}

func describe(bi *debug.BuildInfo) string {
	version := bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	var rev, at string
	dirty := false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			at = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	var parts []string
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if dirty {
			rev += "+dirty"
		}
		parts = append(parts, "revision "+rev)
	}
	if at != "" {
		parts = append(parts, "built from a commit of "+at)
	}
	parts = append(parts, bi.GoVersion)
	return version + " (" + strings.Join(parts, ", ") + ")"
}
