package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/export"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/store/sqlite/sqlitetest"
)

// Keyset batches must return every booking of the period once, in (start,
// id) order, even when a batch ends in the middle of a slot's bookings.
func TestExportBookingsPagesThroughSlots(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	db := openTestDB(t)
	r := gridFixture(t, db, now)
	other := catalog.Resource{ID: uuid.NewString(), OrganizationID: r.OrganizationID, PlaceID: r.PlaceID, Kind: catalog.KindEvent,
		Name: "Sala", Active: true, CreatedAt: now, UpdatedAt: now}
	require.NoError(t, db.CreateResource(ctx, other))
	const n = 3*exportBatch + 17 // batches end mid-slot: 30 per slot
	require.NoError(t, sqlitetest.SeedBookings(ctx, db.W, sqlitetest.Bookings{OrganizationID: r.OrganizationID, ResourceID: r.ID,
		First: now, Every: time.Hour, PerSlot: 30, N: n, Prefix: "A"}))
	require.NoError(t, sqlitetest.SeedBookings(ctx, db.W, sqlitetest.Bookings{OrganizationID: r.OrganizationID, ResourceID: other.ID,
		First: now, Every: time.Hour, PerSlot: 1, N: 10, Prefix: "B"}))

	var got []export.BookingRow
	collect := func(q export.Query) {
		got = got[:0]
		require.NoError(t, db.ExportBookings(ctx, q, func(b *export.BookingRow) error {
			got = append(got, *b)
			return nil
		}))
	}
	collect(export.Query{OrganizationID: r.OrganizationID, ResourceIDs: []string{r.ID}, From: now, To: now.AddDate(1, 0, 0)})
	require.Len(t, got, n)
	for i, b := range got {
		require.Equal(t, fmt.Sprintf("A-%08d", i), b.ID, "in order, each once")
		require.Equal(t, "Anagrafe", b.ResourceName)
		require.Equal(t, "Ufficio", b.PlaceName)
		require.Equal(t, "Europe/Rome", b.TimeZone)
		require.Equal(t, i%10 == 9, b.Anonymized)
	}
	collect(export.Query{OrganizationID: r.OrganizationID, From: now, To: now.AddDate(1, 0, 0)})
	require.Len(t, got, n+10, "whole organization: both resources")
	collect(export.Query{OrganizationID: r.OrganizationID, From: now.Add(time.Hour), To: now.Add(3 * time.Hour)})
	require.Len(t, got, 2*30+2, "two slots of each resource")
	collect(export.Query{OrganizationID: uuid.NewString(), From: now, To: now.AddDate(1, 0, 0)})
	require.Empty(t, got, "another organization")

	// History, moves and the booker account come along.
	require.NoError(t, db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, q := range []string{
			`INSERT INTO accounts (id, email, codice_fiscale, given_name, family_name, password_hash, privacy_consent_ms, created_at_ms, updated_at_ms)
				VALUES ('acc', 'a@example.it', 'RSSMRA85T10A562S', 'Mario', 'Rossi', 'x', 0, 0, 0)`,
			`UPDATE bookings SET booker_account_id = 'acc', status = 6, rescheduled_to_id = 'A-00000001' WHERE id = 'A-00000000'`,
			`UPDATE bookings SET rescheduled_from_id = 'A-00000000' WHERE id = 'A-00000001'`,
			`INSERT INTO booking_history (booking_id, status, at_ms, actor_kind, actor_name, reason) VALUES ('A-00000000', 1, 1, 2, 'Mario Rossi', '')`,
			`INSERT INTO booking_history (booking_id, status, at_ms, actor_kind, actor_name, reason) VALUES ('A-00000000', 6, 2000, 3, 'Laura', 'Sportello chiuso')`,
		} {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		return nil
	}))
	collect(export.Query{OrganizationID: r.OrganizationID, ResourceIDs: []string{r.ID}, From: now, To: now.Add(time.Minute)})
	require.Equal(t, "Mario Rossi", got[0].BookerName)
	require.Equal(t, "A0000001", got[0].RescheduledTo)
	require.Equal(t, "A0000000", got[1].RescheduledFrom)
	require.Equal(t, booking.Change{Status: booking.Rescheduled, At: time.UnixMilli(2000).UTC(),
		Actor: booking.Actor{Kind: booking.ActorStaff, Name: "Laura"}, Reason: "Sportello chiuso"}, got[0].LastChange)
	require.True(t, got[1].LastChange.At.IsZero(), "no history")

	// The caller can stop the export.
	stop := fmt.Errorf("enough")
	count := 0
	err := db.ExportBookings(ctx, export.Query{OrganizationID: r.OrganizationID, From: now, To: now.AddDate(1, 0, 0)}, func(*export.BookingRow) error {
		if count++; count == 3 {
			return stop
		}
		return nil
	})
	require.ErrorIs(t, err, stop)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	err = db.ExportBookings(cancelled, export.Query{OrganizationID: r.OrganizationID, From: now, To: now.AddDate(1, 0, 0)},
		func(*export.BookingRow) error { return nil })
	require.ErrorIs(t, err, context.Canceled)
}

func TestExportScans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	db := openTestDB(t)
	r := gridFixture(t, db, now)
	require.NoError(t, sqlitetest.SeedBookings(ctx, db.W, sqlitetest.Bookings{OrganizationID: r.OrganizationID, ResourceID: r.ID,
		First: now, Every: time.Hour, N: 1, Prefix: "A"}))
	const n = exportBatch + 3
	require.NoError(t, db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO devices (id, organization_id, name, direction, created_at_ms) VALUES ('dev', ?, 'Ingresso nord', 3, 0)`,
			r.OrganizationID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tickets (id, booking_id, resource_id, key_id, seats, slot_start_ms, valid_from_ms,
			valid_until_ms, updated_at_ms) VALUES ('tk', 'A-00000000', ?, 'k', 2, 0, 0, 0, 0)`, r.ID); err != nil {
			return err
		}
		for i := range n {
			ticket, resource := "tk", r.ID
			if i == 1 {
				ticket, resource = "forged", uuid.NewString() // a refused QR: ids from an unverified payload
			}
			// Device times go backwards while reception goes forwards: the
			// export follows the device's clock.
			if _, err := tx.ExecContext(ctx, `INSERT INTO scans (id, device_id, organization_id, ticket_id, resource_id, direction,
				scanned_at_ms, received_at_ms, offline, verdict, reason, reason_text, local_verdict, conflict, seats)
				VALUES (?, 'dev', ?, ?, ?, 1, ?, ?, 1, 2, 0, 'ALREADY_INSIDE', 1, 1, 2)`,
				fmt.Sprintf("s%05d", i), r.OrganizationID, ticket, resource, ms(now.Add(-time.Duration(i)*time.Second)), ms(now.Add(time.Duration(i)*time.Second))); err != nil {
				return err
			}
		}
		return nil
	}))
	var got []export.ScanRow
	require.NoError(t, db.ExportScans(ctx, export.Query{OrganizationID: r.OrganizationID, From: now.Add(-time.Hour), To: now.Add(time.Second)},
		func(s *export.ScanRow) error {
			got = append(got, *s)
			return nil
		}))
	require.Len(t, got, n)
	require.Equal(t, fmt.Sprintf("s%05d", n-1), got[0].ID, "oldest device time first")
	last := got[n-1]
	require.Equal(t, export.ScanRow{ID: "s00000", DeviceID: "dev", DeviceName: "Ingresso nord", TicketID: "tk", BookingCode: "A0000000",
		ResourceName: "Anagrafe", TimeZone: "Europe/Rome", Direction: gate.Entry, Verdict: gate.Refused, Reason: gate.ReasonAlreadyInside,
		LocalVerdict: gate.Accepted, Offline: true, Conflict: true, Seats: 2, ScannedAt: now, ReceivedAt: now}, last)
	forged := got[n-2]
	require.Equal(t, "forged", forged.TicketID)
	require.Empty(t, forged.BookingCode)
	require.Empty(t, forged.ResourceName, "unknown resource: no name, the plan's zone")

	got = got[:0]
	require.NoError(t, db.ExportScans(ctx, export.Query{OrganizationID: r.OrganizationID, ResourceIDs: []string{r.ID}, From: now.Add(-time.Hour), To: now.Add(time.Second)},
		func(s *export.ScanRow) error {
			got = append(got, *s)
			return nil
		}))
	require.Len(t, got, n-1, "the forged scan names no resource of ours")
}
