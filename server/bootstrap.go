package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/cli"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/identity"
)

// runBootstrap implements `server bootstrap`: it creates the installation
// administrator. The password comes from VARCO_BOOTSTRAP_PASSWORD or the
// first line of standard input, never from a flag (flags show in `ps`).
func runBootstrap(args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("server bootstrap", flag.ContinueOnError)
	fs.SetOutput(stderr)
	db := fs.String("db", config.DefaultDB, "SQLite database file")
	var in identity.BootstrapInput
	fs.StringVar(&in.Email, "email", "", "administrator's e-mail (required)")
	fs.StringVar(&in.GivenName, "given-name", "", "administrator's given name (required)")
	fs.StringVar(&in.FamilyName, "family-name", "", "administrator's family name (required)")
	fs.StringVar(&in.CodiceFiscale, "codice-fiscale", "", "administrator's codice fiscale (required)")
	fs.StringVar(&in.Phone, "phone", "", "administrator's phone (optional)")
	org := fs.String("organization", "", "also make the administrator organizer of this organization id")
	if err := fs.Parse(args); err != nil {
		return cli.ParseError(err)
	}
	if v := getenv("VARCO_DB"); v != "" && !flagGiven(fs, "db") {
		*db = v
	}
	in.Password = getenv("VARCO_BOOTSTRAP_PASSWORD")
	if in.Password == "" {
		fmt.Fprintln(stderr, "password (VARCO_BOOTSTRAP_PASSWORD not set), then Enter:")
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("read password: %w", err)
		}
		in.Password = strings.TrimRight(line, "\r\n")
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	res, err := app.Bootstrap(context.Background(), *db, in, *org, log, clock.Real{})
	if err != nil {
		return err
	}
	switch {
	case !res.Created:
		fmt.Fprintln(stdout, "the installation already has an administrator: nothing done")
	case res.Organizer:
		fmt.Fprintf(stdout, "installation administrator %s created, organizer of %s\n", in.Email, *org)
	default:
		fmt.Fprintf(stdout, "installation administrator %s created\n", in.Email)
	}
	return nil
}

func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}
