package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/store/sqlite"
)

// BootstrapResult says what Bootstrap did.
type BootstrapResult struct {
	// Created is false when the installation already had an administrator.
	Created bool
	// Organizer is true when the administrator was made organizer of the
	// requested organization.
	Organizer bool
}

// Bootstrap creates the installation administrator of a fresh database and,
// when orgID is set, makes them organizer of that organization (for example
// the demo Comune). Citizens may already have registered; once an
// administrator exists it changes nothing, so running it twice is harmless.
func Bootstrap(ctx context.Context, dbPath string, in identity.BootstrapInput, orgID string, log *slog.Logger, clk clock.Clock) (BootstrapResult, error) {
	db, err := sqlite.Open(ctx, dbPath, sqlite.Options{Logger: log})
	if err != nil {
		return BootstrapResult{}, fmt.Errorf("open database: %w", err)
	}
	res, err := bootstrap(ctx, db, in, orgID, log, clk)
	return res, errors.Join(err, db.Close())
}

func bootstrap(ctx context.Context, db *sqlite.DB, in identity.BootstrapInput, orgID string, log *slog.Logger, clk clock.Clock) (BootstrapResult, error) {
	ids := identity.New(identity.Config{}, db, clk, log)
	created, err := ids.Bootstrap(ctx, in)
	if err != nil || !created {
		return BootstrapResult{Created: created}, err
	}
	res := BootstrapResult{Created: true}
	if orgID != "" {
		if _, err := ids.GrantRole(ctx, orgID, in.Email, authz.RoleOrganizer, nil); err != nil {
			return res, fmt.Errorf("make organizer of %s: %w", orgID, err)
		}
		res.Organizer = true
	}
	return res, nil
}
