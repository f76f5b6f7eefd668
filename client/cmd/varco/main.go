// Command varco is the terminal tool of Varco for organizers and
// operators: log in, keep the catalog in a YAML file (varco apply), look at
// the availability grid, book and cancel, work through the day's bookings,
// enroll gate scanners and watch who is inside.
//
//	varco login --login admin@comune.example
//	varco apply -f comune.yaml
//	varco grid --resource 5adb7f79-f5d3-5abf-b860-a5f9b3dce0ee --from 2026-12-07
//
// Run `varco help` for every command. Global flags (--server, --output,
// --lang) may come before or after the command and read VARCO_SERVER,
// VARCO_OUTPUT and VARCO_LANG when not given. `--output json` prints
// machine-readable JSON for scripts; a mistake in the command line exits
// with status 2, any other failure with 1, and in JSON mode the error is
// described as JSON on stderr. `varco --version` prints the build.
package main

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"syscall"

	shell "github.com/varco-gate/varco/internal/cli"
)

func main() {
	// Ctrl-C ends `varco occupancy` (and aborts any call) cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err)) // run has already told the user what went wrong
}

// exitCode is 0 on success, 2 for a mistake in the command line (fix the
// command), 1 for anything else.
func exitCode(err error) int {
	var usage *usageError
	var printed *printedError
	switch {
	case err == nil:
		return shell.ExitOK
	case errors.As(err, &usage), errors.As(err, &printed):
		return shell.ExitUsage
	}
	return shell.ExitError
}
