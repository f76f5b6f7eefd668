package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/varco-gate/varco/internal/store/sqlite"
)

// MigrateData moves the installation in the SQLite file from into the
// empty PostgreSQL database at the URL to: both are opened (and migrated)
// the way a server opens them, then every table is copied in one
// PostgreSQL transaction and its rows counted on both sides
// (sqlite.CopyToPostgres). No server may be running on from (refused with
// sqlite.ErrInUse): the copy is a snapshot of the file as it begins, and
// whatever a server wrote to it afterwards would stay behind.
func MigrateData(ctx context.Context, from, to string, log *slog.Logger) (sqlite.CopyReport, error) {
	// Open would create a missing file, and a copy of nothing "succeeds".
	if _, err := os.Stat(from); err != nil {
		return sqlite.CopyReport{}, fmt.Errorf("source database: %w", err)
	}
	if err := sqlite.CheckNotInUse(ctx, from); err != nil {
		return sqlite.CopyReport{}, err
	}
	src, err := sqlite.Open(ctx, from, sqlite.Options{Logger: log, Readers: 1})
	if err != nil {
		return sqlite.CopyReport{}, fmt.Errorf("open source database: %w", err)
	}
	dst, err := sqlite.Open(ctx, to, sqlite.Options{Logger: log, Readers: 1, Writers: 1})
	if err != nil {
		return sqlite.CopyReport{}, errors.Join(fmt.Errorf("open target database: %w", err), src.Close())
	}
	report, err := sqlite.CopyToPostgres(ctx, src, dst)
	return report, errors.Join(err, dst.Close(), src.Close())
}
