package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/varco-gate/varco/internal/periodic"
	"github.com/varco-gate/varco/internal/store/sqlite"
	"github.com/varco-gate/varco/internal/ticket"
)

// TicketKeys lists the ticket signing keys of the database at dbPath.
func TicketKeys(ctx context.Context, dbPath string, log *slog.Logger) ([]ticket.Key, error) {
	db, err := sqlite.Open(ctx, dbPath, sqlite.Options{Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	keys, err := db.LoadKeys(ctx)
	return keys, errors.Join(err, db.Close())
}

// RotateTicketKey adds a new signing key created at now. A running server
// signs new tickets with it within keyReloadInterval; tickets signed with
// older keys stay valid until those keys are retired, and scanners receive
// the new public key through Sync.
func RotateTicketKey(ctx context.Context, dbPath string, now time.Time, log *slog.Logger) (ticket.Key, error) {
	db, err := sqlite.Open(ctx, dbPath, sqlite.Options{Logger: log})
	if err != nil {
		return ticket.Key{}, fmt.Errorf("open database: %w", err)
	}
	k, err := ticket.NewKey(rand.Reader, now)
	if err == nil {
		err = db.SaveKey(ctx, k)
	}
	return k, errors.Join(err, db.Close())
}

// RetireTicketKey makes tickets signed with key id invalid after at.
func RetireTicketKey(ctx context.Context, dbPath, id string, at time.Time, log *slog.Logger) error {
	db, err := sqlite.Open(ctx, dbPath, sqlite.Options{Logger: log})
	if err != nil {
		return fmt.Errorf("open database: %w", err)
	}
	keys, err := db.LoadKeys(ctx)
	found := false
	for _, k := range keys {
		found = found || k.ID == id
	}
	if err == nil && !found {
		err = fmt.Errorf("no ticket key %q", id)
	}
	if err == nil {
		err = db.RetireKey(ctx, id, at)
	}
	return errors.Join(err, db.Close())
}

// keyReloadInterval is how often a running server rereads its ticket keys,
// so `server keys rotate` and `retire`, run as separate processes, apply
// without a restart.
const keyReloadInterval = 30 * time.Second

// keyReloader rereads the ticket keys from the database periodically.
type keyReloader struct {
	db   *sqlite.DB
	ring *ticket.KeyRing
	log  *slog.Logger
	loop periodic.Loop
}

// RunOnce reloads the keys now.
func (k *keyReloader) RunOnce(ctx context.Context) error { return ticket.Reload(ctx, k.db, k.ring) }

// Start reloads every keyReloadInterval until Stop.
func (k *keyReloader) Start(ctx context.Context) {
	k.loop.Start(ctx, keyReloadInterval, k.log, "reload ticket keys", k.RunOnce)
}

// Stop ends the reloads.
func (k *keyReloader) Stop() { k.loop.Stop() }
