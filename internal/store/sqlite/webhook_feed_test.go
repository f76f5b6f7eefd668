package sqlite_test

import (
	"context"
	"database/sql"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/store/sqlite"
	"github.com/varco-gate/varco/internal/webhook"
)

// feedEnv is a demo database with one webhook for every event.
type feedEnv struct {
	db     *sqlite.DB
	clk    *clock.Fake
	hook   webhook.Webhook
	feeder *webhook.Feeder
}

func setupFeed(t *testing.T, batch int) feedEnv {
	t.Helper()
	return feedOn(t, openDemoDB(t), batch)
}

// feedOn is setupFeed on a given demo database.
func feedOn(t *testing.T, db *sqlite.DB, batch int) feedEnv {
	t.Helper()
	clk := clock.NewFake(t0)
	w, err := db.CreateWebhook(t.Context(), webhook.Webhook{ID: uuid.NewString(), OrganizationID: demo.ComuneID,
		URL: "https://example.org/h", Events: webhook.Events, Secret: "whsec_x", CreatedAt: t0}, webhook.MaxPerOrganization)
	require.NoError(t, err)
	return feedEnv{db: db, clk: clk, hook: w,
		feeder: webhook.NewFeeder(webhook.FeederConfig{Batch: batch}, db, clk, slog.New(slog.DiscardHandler))}
}

// book writes a booking and its "confirmed" history line the way the
// booking transaction does, and returns the booking id.
func (e feedEnv) book(t *testing.T) string {
	t.Helper()
	id := uuid.NewString()
	require.NoError(t, e.db.WriteTx(t.Context(), func(_ context.Context, tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO bookings (id, code, organization_id, resource_id, start_ms, end_ms, slot_starts, seats, status,
			given_name, family_name, codice_fiscale, email, privacy_consent_ms, cancel_token_hash, idempotency_key, created_at_ms, updated_at_ms)
			VALUES (?, ?, ?, ?, 0, 1, '[]', 1, 1, 'G', 'F', 'CF', 'e@example.it', 0, ?, ?, 0, 0)`,
			id, id[:8], demo.ComuneID, demo.TourID, []byte(id), id)
		if err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO booking_history (booking_id, status, at_ms, actor_kind) VALUES (?, ?, ?, 2)`,
			id, booking.Confirmed, e.clk.Now().UnixMilli())
		return err
	}))
	return id
}

func (e feedEnv) count(t *testing.T) int {
	t.Helper()
	ds, err := e.db.ListDeliveries(t.Context(), webhook.DeliveryQuery{WebhookID: e.hook.ID, Limit: 1000})
	require.NoError(t, err)
	ids := map[string]bool{}
	for _, d := range ds {
		require.False(t, ids[d.EventID], "one delivery per event")
		ids[d.EventID] = true
	}
	return len(ds)
}

// A pass that read but did not commit (a crash) is simply redone; a stale
// pass that commits after another one already did is refused by the
// cursor, so nothing is fed twice. Batches smaller than the backlog work it
// off across transactions.
func TestFeedExactlyOnce(t *testing.T) {
	t.Parallel()
	e := setupFeed(t, 2)
	ctx := t.Context()
	for range 5 {
		e.book(t)
	}
	stale, err := e.db.HistorySnapshot(ctx, 2) // read by a pass that then "crashed"
	require.NoError(t, err)
	require.Len(t, stale.Records, 2)
	n, err := e.feeder.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 5, n)
	require.Equal(t, 5, e.count(t))
	err = e.db.CommitFeed(ctx, webhook.Commit{Source: webhook.SourceHistory, From: stale.Position, To: stale.Records[1].ID,
		Generation: stale.Generation, Deliveries: []webhook.NewDelivery{{ID: uuid.NewString(), WebhookID: e.hook.ID,
			Event: webhook.BookingCreated, EventID: "x", Payload: []byte(`{}`), DueAt: t0, CreatedAt: t0}}})
	require.ErrorIs(t, err, webhook.ErrCursorMoved)
	require.Equal(t, 5, e.count(t))
	n, err = e.feeder.RunOnce(ctx)
	require.NoError(t, err)
	require.Zero(t, n)

	// Two feeders at once (two processes on one file) feed each line once.
	for range 6 {
		e.book(t)
	}
	other := webhook.NewFeeder(webhook.FeederConfig{Batch: 2}, e.db, e.clk, slog.New(slog.DiscardHandler))
	errs := make(chan error, 2)
	for _, f := range []*webhook.Feeder{e.feeder, other} {
		go func() { _, err := f.RunOnce(context.Background()); errs <- err }()
	}
	require.NoError(t, <-errs)
	require.NoError(t, <-errs)
	_, err = e.feeder.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 11, e.count(t))
}

// SQLite gives a new row MAX(id)+1: after the newest, already fed history
// line is deleted, the next line reuses its id. The deletion trigger pulls
// the cursor back, so the new line is still fed, under a new event id; a
// pass that read before the deletion cannot commit.
func TestFeedSurvivesIDReuse(t *testing.T) {
	t.Parallel()
	e := setupFeed(t, 100)
	ctx := t.Context()
	if e.db.Postgres() {
		// PostgreSQL's identity sequence never hands a deleted row's id out
		// again: the case cannot arise, and that is what is checked here.
		e.book(t)
		last := e.book(t)
		var top int64
		require.NoError(t, e.db.R.QueryRow(`SELECT MAX(id) FROM booking_history`).Scan(&top))
		require.NoError(t, e.db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.Exec(`DELETE FROM booking_history WHERE booking_id = ?`, last)
			return err
		}))
		e.book(t)
		var next int64
		require.NoError(t, e.db.R.QueryRow(`SELECT MAX(id) FROM booking_history`).Scan(&next))
		require.Greater(t, next, top, "PostgreSQL reused a deleted id")
		return
	}
	e.book(t)
	last := e.book(t)
	_, err := e.feeder.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 2, e.count(t))
	var top int64
	require.NoError(t, e.db.R.QueryRow(`SELECT MAX(id) FROM booking_history`).Scan(&top))

	stale, err := e.db.HistorySnapshot(ctx, 100)
	require.NoError(t, err)
	require.NoError(t, e.db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.Exec(`DELETE FROM booking_history WHERE booking_id = ?`, last)
		return err
	}))
	e.clk.Advance(time.Minute)
	e.book(t)
	var reused int64
	require.NoError(t, e.db.R.QueryRow(`SELECT MAX(id) FROM booking_history`).Scan(&reused))
	require.Equal(t, top, reused, "SQLite reused the id")
	err = e.db.CommitFeed(ctx, webhook.Commit{Source: webhook.SourceHistory, From: stale.Position, To: stale.Position,
		Generation: stale.Generation})
	require.ErrorIs(t, err, webhook.ErrCursorMoved, "the deletion changed the generation")
	n, err := e.feeder.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n, "the line with the reused id is fed")
	require.Equal(t, 3, e.count(t))
}

// The rebuilt scans table has a cursor VACUUM cannot renumber, and its
// indexes.
func TestScansHaveStableSeq(t *testing.T) {
	t.Parallel()
	db := openDemoDB(t)
	// Each engine names a table's primary-key columns its own way.
	pkColumns := `SELECT name FROM pragma_table_info('scans') WHERE pk = 1`
	indexes := `SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'scans'
		AND name IN ('scans_ticket', 'scans_org_time', 'scans_conflicts')`
	if db.Postgres() {
		pkColumns = `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
			WHERE i.indrelid = 'scans'::regclass AND i.indisprimary`
		indexes = `SELECT count(*) FROM pg_indexes WHERE tablename = 'scans'
			AND indexname IN ('scans_ticket', 'scans_org_time', 'scans_conflicts')`
	}
	var cols []string
	rows, err := db.R.Query(pkColumns)
	require.NoError(t, err)
	for rows.Next() {
		var c string
		require.NoError(t, rows.Scan(&c))
		cols = append(cols, c)
	}
	require.NoError(t, rows.Err())
	rows.Close()
	require.Equal(t, []string{"seq"}, cols, "an explicit INTEGER PRIMARY KEY: VACUUM cannot renumber it")
	var idx int
	require.NoError(t, db.R.QueryRow(indexes).Scan(&idx))
	require.Equal(t, 3, idx, "the indexes are back")
}

// foreignScan records what a Comune gate that scanned (and, offline, let
// through) a ticket of the boat trip of another organization leaves
// behind: a booking and ticket of that organization, and the Comune's scan
// of it. It returns the ticket's slot start.
func (e feedEnv) foreignScan(t *testing.T) time.Time {
	t.Helper()
	boatOrg, boat := demo.ID("org/navigazione"), demo.BoatTripID
	slot := t0.Add(time.Hour)
	require.NoError(t, e.db.WriteTx(t.Context(), func(_ context.Context, tx *sql.Tx) error {
		bk, tk, dev := uuid.NewString(), uuid.NewString(), uuid.NewString()
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO bookings (id, code, organization_id, resource_id, start_ms, end_ms, slot_starts, seats, status,
				given_name, family_name, codice_fiscale, email, privacy_consent_ms, cancel_token_hash, idempotency_key, created_at_ms, updated_at_ms)
				VALUES (?, ?, ?, ?, ?, ?, '[]', 1, 1, 'G', 'F', 'CF', 'e@example.it', 0, ?, ?, 0, 0)`,
				[]any{bk, bk[:8], boatOrg, boat, slot.UnixMilli(), slot.Add(time.Hour).UnixMilli(), []byte(bk), bk}},
			{`INSERT INTO tickets (id, booking_id, resource_id, key_id, seats, slot_start_ms, valid_from_ms, valid_until_ms, updated_at_ms)
				VALUES (?, ?, ?, 'k', 1, ?, 0, ?, 0)`, []any{tk, bk, boat, slot.UnixMilli(), slot.Add(2 * time.Hour).UnixMilli()}},
			{`INSERT INTO devices (id, organization_id, name, direction, created_at_ms) VALUES (?, ?, 'Nord', 3, 0)`,
				[]any{dev, demo.ComuneID}},
			{`INSERT INTO scans (id, device_id, organization_id, ticket_id, resource_id, direction, scanned_at_ms, received_at_ms,
				offline, verdict, reason, reason_text, seats, local_verdict, local_reason, conflict)
				VALUES (?, ?, ?, ?, ?, 1, ?, ?, 1, 2, 0, 'WRONG_RESOURCE', 1, 1, 'OK', 1)`,
				[]any{uuid.NewString(), dev, demo.ComuneID, tk, boat, slot.UnixMilli(), slot.UnixMilli()}},
		} {
			if _, err := tx.Exec(q.sql, q.args...); err != nil {
				return err
			}
		}
		return nil
	}))
	return slot
}

// A Comune gate that let a holder of another organization's ticket
// through sends nothing about that booking to the Comune's webhooks, and
// the passage does not count in the other organization's statistics.
func TestForeignScanIsNoEventNorPassage(t *testing.T) {
	t.Parallel()
	e := setupFeed(t, 100)
	slot := e.foreignScan(t)
	_, err := e.feeder.RunOnce(t.Context())
	require.NoError(t, err)
	require.Zero(t, e.count(t), "no ticket.entered for another organization's booking")

	tickets, err := e.db.StatsTickets(t.Context(), []string{demo.BoatTripID}, slot.Add(-time.Hour), slot.Add(time.Hour))
	require.NoError(t, err)
	require.Len(t, tickets, 1)
	require.Empty(t, tickets[0].Passages)
}
