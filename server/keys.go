package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/cli"
	"github.com/varco-gate/varco/internal/config"
)

// runKeys implements `server keys list|rotate|retire`, the operator's
// handle on the ticket signing keys. A running server rereads the keys
// every 30 seconds, so changes apply without a restart.
func runKeys(args []string, getenv func(string) string, now time.Time, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: server keys list|rotate|retire [--db FILE] [--id KEYID --at RFC3339]")
	}
	fs := flag.NewFlagSet("server keys "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", config.DefaultDB, "SQLite database file")
	id := fs.String("id", "", "key id to retire")
	at := fs.String("at", "", "retire at this instant (RFC 3339); now when empty")
	if err := fs.Parse(args[1:]); err != nil {
		return cli.ParseError(err)
	}
	if v := getenv("VARCO_DB"); v != "" && !flagGiven(fs, "db") {
		*db = v
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx := context.Background()
	switch args[0] {
	case "list":
		keys, err := app.TicketKeys(ctx, *db, log)
		if err != nil {
			return err
		}
		for _, k := range keys {
			state := "active"
			if !k.RetiredAt.IsZero() {
				state = "retired at " + k.RetiredAt.Format(time.RFC3339)
			}
			fmt.Fprintf(stdout, "%s  created %s  %s\n", k.ID, k.CreatedAt.Format(time.RFC3339), state)
		}
		return nil
	case "rotate":
		k, err := app.RotateTicketKey(ctx, *db, now, log)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "new ticket key %s: a running server signs new tickets with it within 30 seconds; old tickets stay valid until their key is retired\n", k.ID)
		return nil
	case "retire":
		when := now
		if *at != "" {
			t, err := time.Parse(time.RFC3339, *at)
			if err != nil {
				return fmt.Errorf("--at: %w", err)
			}
			when = t
		}
		if err := app.RetireTicketKey(ctx, *db, *id, when, log); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "ticket key %s retired at %s (a running server applies it within 30 seconds)\n", *id, when.Format(time.RFC3339))
		return nil
	}
	return fmt.Errorf("unknown keys command %q", args[0])
}
