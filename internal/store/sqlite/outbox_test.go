package sqlite_test

import (
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/store/sqlite"
	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
)

// A committed transaction tells the alarm the earliest due time of the
// messages it enqueued (a rolled-back one tells nothing), and NextDue finds
// the next pending message after a given instant.
func TestOutboxAlarmAndNextDue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	alarm := outbox.NewAlarm()
	db, err := sqlite.Open(ctx, pgtest.Or(t, filepath.Join(t.TempDir(), "varco.db")), sqlite.Options{Alarm: alarm, Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	now := time.UnixMilli(1_800_000_000_000).UTC()
	msg := func(id string, due time.Duration) outbox.Message {
		return outbox.Message{ID: id, Kind: outbox.KindTicketExpiryWarning, SubjectKey: "ticket:" + id,
			Payload: []byte(`{}`), DueAt: now.Add(due), CreatedAt: now}
	}

	err = db.InTx(ctx, func(tx booking.Tx) error {
		require.NoError(t, tx.Enqueue(ctx, msg("rolled-back", time.Minute)))
		return errors.New("refused")
	})
	require.Error(t, err)
	_, rang := alarm.Take()
	require.False(t, rang, "nothing was committed")
	_, ok, err := db.NextDue(ctx, now)
	require.NoError(t, err)
	require.False(t, ok)

	require.NoError(t, db.InTx(ctx, func(tx booking.Tx) error {
		require.NoError(t, tx.Enqueue(ctx, msg("later", 10*time.Minute)))
		return tx.Enqueue(ctx, msg("sooner", 3*time.Minute))
	}))
	due, rang := alarm.Take()
	require.True(t, rang)
	require.Equal(t, now.Add(3*time.Minute), due.UTC())
	for _, tc := range []struct {
		after time.Time
		want  time.Duration
	}{{now, 3 * time.Minute}, {now.Add(3 * time.Minute), 10 * time.Minute}} {
		next, ok, err := db.NextDue(ctx, tc.after)
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, now.Add(tc.want), next.UTC())
	}
	_, ok, err = db.NextDue(ctx, now.Add(10*time.Minute))
	require.NoError(t, err)
	require.False(t, ok, "nothing after the last")
}
