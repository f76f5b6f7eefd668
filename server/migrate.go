package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/cli"
	"github.com/varco-gate/varco/internal/store/sqlite"
)

// runMigrateData implements `server migrate-data --from FILE --to URL`:
// it moves an installation from SQLite to an empty PostgreSQL database
// and prints the rows of every table on both sides. Any difference, or any
// failure, leaves the PostgreSQL database as it was and exits 1.
func runMigrateData(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("server migrate-data", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the SQLite database file to copy (required; no server may be running on it)")
	to := fs.String("to", "", "the empty PostgreSQL database to copy into, a postgres:// URL (required)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: server migrate-data --from varco.db --to postgres://user:password@host/db")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cli.ParseError(err)
	}
	switch {
	case fs.NArg() > 0:
		return cli.Usage(fmt.Errorf("migrate-data: unexpected argument %q", fs.Arg(0)))
	case *from == "" || *to == "":
		return cli.Usage(errors.New("migrate-data: --from and --to are both required"))
	case sqlite.IsPostgresURL(*from):
		return cli.Usage(errors.New("migrate-data: --from is the SQLite file, not a postgres:// URL"))
	case !sqlite.IsPostgresURL(*to):
		return cli.Usage(fmt.Errorf("migrate-data: --to must be a postgres:// or postgresql:// URL, not %q", *to))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	report, err := app.MigrateData(ctx, *from, *to, log)
	if len(report.Tables) > 0 {
		printCopyReport(stdout, report)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "copied %d rows in %s; start the servers with --db on the PostgreSQL URL\n",
		report.Rows(), report.Elapsed.Round(1e6))
	return nil
}

// printCopyReport prints one line per table, with the rows on each side
// and a mark where they differ.
func printCopyReport(w io.Writer, r sqlite.CopyReport) {
	width := len("table")
	for _, t := range r.Tables {
		width = max(width, len(t.Table))
	}
	fmt.Fprintf(w, "%-*s %10s %10s\n", width, "table", "sqlite", "postgres")
	var src, dst int64
	for _, t := range r.Tables {
		mark := ""
		if t.Source != t.Copied {
			mark = "  MISMATCH"
		}
		fmt.Fprintf(w, "%-*s %10d %10d%s\n", width, t.Table, t.Source, t.Copied, mark)
		src += t.Source
		dst += t.Copied
	}
	fmt.Fprintf(w, "%-*s %10d %10d\n", width, "total", src, dst)
}
