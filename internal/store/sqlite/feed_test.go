package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
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
	at, after := now.Add(-2*time.Second), ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10, "paging must end")
		page, err := db.TicketChanges(ctx, []string{r.ID}, at, after, now.Add(-24*time.Hour), 1000)
		require.NoError(t, err)
		for _, c := range page {
			require.False(t, seen[c.TicketID], "%s twice", c.TicketID)
			seen[c.TicketID] = true
		}
		if len(page) < 1000 {
			break
		}
		at, after = page[len(page)-1].UpdatedAt, page[len(page)-1].TicketID
	}
	require.Len(t, seen, n)
}
