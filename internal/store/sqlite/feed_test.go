package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/admission"
	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
)

// A burst of ticket changes in one millisecond — bigger than a page — must
// page through once, in order, and end (the Sync snapshot relies on it).
func TestTicketChangesPagesThroughBursts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	db := openTestDB(t)
	r := gridFixture(t, db, now)
	const n = 2500
	require.NoError(t, db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, codice_fiscale, given_name, family_name, password_hash,
			privacy_consent_ms, created_at_ms, updated_at_ms) VALUES ('acc', 'a@example.it', 'RSSMRA85T10A562S', 'M', 'R', 'x', 0, 0, 0)`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bookings (id, code, organization_id, resource_id, start_ms, end_ms, slot_starts,
			seats, status, booker_account_id, given_name, family_name, codice_fiscale, email, privacy_consent_ms, cancel_token_hash,
			idempotency_key, created_at_ms, updated_at_ms) VALUES ('b1', 'CODE0001', ?, ?, ?, ?, '[]', 1, 1, 'acc', 'M', 'R',
			'RSSMRA85T10A562S', 'a@example.it', 0, ?, 'k', 0, 0)`, r.OrganizationID, r.ID, ms(now), ms(now.Add(time.Hour)), []byte{0}); err != nil {
			return err
		}
		for i := range n {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tickets (id, booking_id, resource_id, key_id, seats, slot_start_ms, valid_from_ms,
				valid_until_ms, state, updated_at_ms) VALUES (?, 'b1', ?, '', 1, ?, ?, ?, 2, ?)`,
				fmt.Sprintf("t%05d", i), r.ID, ms(now), ms(now), ms(now.Add(time.Hour)), ms(now)); err != nil {
				return err
			}
		}
		return nil
	}))
	seen := map[string]bool{}
	cursor, reset, err := db.TicketChanges(ctx, []string{r.ID}, "", now.Add(-24*time.Hour), func(c admission.TicketChange) {
		require.False(t, seen[c.TicketID], "%s twice", c.TicketID)
		seen[c.TicketID] = true
	})
	require.NoError(t, err)
	require.True(t, reset, "no cursor: from the beginning")
	require.NotEmpty(t, cursor)
	_, reset, err = db.TicketChanges(ctx, []string{r.ID}, cursor, now.Add(-24*time.Hour), func(admission.TicketChange) {})
	require.NoError(t, err)
	require.False(t, reset, "a cursor it gave back")
	require.Len(t, seen, n)
}

// On PostgreSQL transactions commit in any order: one that changed a
// ticket earlier may commit after one that changed another later. The
// change must still reach a reader that read in between, whatever the
// clocks of the replicas that wrote them; with cursors made from
// updated_at it did not once the late one's clock stamp fell behind the
// reader's cursor.
func TestTicketChangesCommittedOutOfOrder(t *testing.T) {
	t.Parallel()
	// PostgreSQL whichever engine the suite runs on: SQLite has one
	// writer, so its commit order is its write order.
	ctx := context.Background()
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	db, err := Open(ctx, pgtest.URL(t), Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	r := gridFixture(t, db, now)
	require.NoError(t, db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, codice_fiscale, given_name, family_name, password_hash,
			privacy_consent_ms, created_at_ms, updated_at_ms) VALUES ('acc', 'a@example.it', 'RSSMRA85T10A562S', 'M', 'R', 'x', 0, 0, 0)`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bookings (id, code, organization_id, resource_id, start_ms, end_ms, slot_starts,
			seats, status, booker_account_id, given_name, family_name, codice_fiscale, email, privacy_consent_ms, cancel_token_hash,
			idempotency_key, created_at_ms, updated_at_ms) VALUES ('b1', 'CODE0001', ?, ?, ?, ?, '[]', 1, 1, 'acc', 'M', 'R',
			'RSSMRA85T10A562S', 'a@example.it', 0, ?, 'k', 0, 0)`, r.OrganizationID, r.ID, ms(now), ms(now.Add(time.Hour)), []byte{0}); err != nil {
			return err
		}
		for _, id := range []string{"early", "late"} {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tickets (id, booking_id, resource_id, key_id, seats, slot_start_ms, valid_from_ms,
				valid_until_ms, state, updated_at_ms) VALUES (?, 'b1', ?, '', 1, ?, ?, ?, 1, ?)`,
				id, r.ID, ms(now), ms(now), ms(now.Add(time.Hour)), ms(now)); err != nil {
				return err
			}
		}
		return nil
	}))
	read := func(cursor string) (string, []string) {
		var got []string
		next, _, err := db.TicketChanges(ctx, []string{r.ID}, cursor, now.Add(-24*time.Hour), func(c admission.TicketChange) {
			if c.Presence.State == 2 {
				got = append(got, c.TicketID)
			}
		})
		require.NoError(t, err)
		return next, got
	}
	cursor, _ := read("")

	// "early" enters first, in a transaction that stays open (a slow
	// replica); "late" enters afterwards, in one that commits at once.
	// Their clocks are the opposite of the order: the early writer's is
	// an hour behind.
	slow, err := db.W.BeginTx(ctx, nil)
	require.NoError(t, err)
	defer func() { _ = slow.Rollback() }()
	_, err = slow.ExecContext(ctx, `UPDATE tickets SET state = 2, version = version + 1, updated_at_ms = ? WHERE id = 'early'`, ms(now.Add(-time.Hour)))
	require.NoError(t, err)
	_, err = db.W.ExecContext(ctx, `UPDATE tickets SET state = 2, version = version + 1, updated_at_ms = ? WHERE id = 'late'`, ms(now))
	require.NoError(t, err)

	cursor, got := read(cursor)
	require.Equal(t, []string{"late"}, got, "only what has committed")
	require.NoError(t, slow.Commit())
	_, got = read(cursor)
	require.Contains(t, got, "early", "the change committed after a later one was missed")
}
