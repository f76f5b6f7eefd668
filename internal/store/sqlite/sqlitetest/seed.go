// Package sqlitetest fills a Varco SQLite database with large amounts of
// data straight through SQL, for tests and benchmarks that need volume
// (100,000 bookings for an export) faster than the API can make it. Rows
// are valid for the schema but skip the domain's rules: capacity counters,
// history and the outbox are not written.
package sqlitetest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"time"
)

// Bookings describes bookings to insert: N of them, PerSlot per slot start,
// slots Every apart from First.
type Bookings struct {
	OrganizationID, ResourceID string
	First                      time.Time
	Every                      time.Duration
	PerSlot                    int
	N                          int
	// Prefix makes codes and ids unique across several calls (one letter
	// or digit: codes are 8 characters).
	Prefix string
}

// givenNames and familyNames give rows realistic widths, accents included.
var (
	givenNames  = []string{"Mario", "Giulia", "Niccolò", "Francesca", "Luca", "Chiara", "Giovanni", "Anna"}
	familyNames = []string{"Rossi", "Bianchi", "D'Amico", "Esposito", "Colombo", "Ricci", "Marino", "Greco"}
)

// SeedBookings inserts s's bookings in one transaction on w (the
// database's writer pool). Ids are Prefix-%08d in start order. Statuses cycle through confirmed, done, no-show and cancelled by the
// citizen; every tenth booking is anonymized.
func SeedBookings(ctx context.Context, w *sql.DB, s Bookings) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("seed bookings: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO bookings (id, code, organization_id, resource_id, start_ms, end_ms,
		slot_starts, seats, status, given_name, family_name, codice_fiscale, email, phone, reason, notes,
		privacy_consent_ms, cancel_token_hash, idempotency_key, created_at_ms, updated_at_ms, anonymized_at_ms)
		VALUES (?,?,?,?,?,?,'[]',?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return fmt.Errorf("seed bookings: %w", err)
	}
	defer stmt.Close()
	statuses := []int{1, 4, 5, 2}
	perSlot := max(s.PerSlot, 1)
	for i := range s.N {
		start := s.First.Add(time.Duration(i/perSlot) * s.Every)
		given, family := givenNames[i%len(givenNames)], familyNames[(i/len(givenNames))%len(familyNames)]
		tok := sha256.Sum256(fmt.Appendf(nil, "%s-%d", s.Prefix, i))
		cf, email, phone, notes := fmt.Sprintf("RSSMRA85T10A%03dS", i%1000), fmt.Sprintf("%s.%s.%d@example.org", given, family, i),
			"+39 333 "+fmt.Sprintf("%07d", i), "Porta i documenti originali"
		var anonymized sql.NullInt64
		if i%10 == 9 {
			given, family, cf, email, phone, notes = "", "", "", "", "", ""
			anonymized = sql.NullInt64{Int64: start.UnixMilli(), Valid: true}
		}
		_, err := stmt.ExecContext(ctx, fmt.Sprintf("%s-%08d", s.Prefix, i), fmt.Sprintf("%s%07d", s.Prefix, i),
			s.OrganizationID, s.ResourceID, start.UnixMilli(), start.Add(s.Every).UnixMilli(), 1+i%3, statuses[i%len(statuses)],
			given, family, cf, email, phone, "Rinnovo", notes, start.UnixMilli(), tok[:], fmt.Sprintf("seed-%s-%d", s.Prefix, i),
			start.Add(-48*time.Hour).UnixMilli(), start.UnixMilli(), anonymized)
		if err != nil {
			return fmt.Errorf("seed booking %d: %w", i, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("seed bookings: %w", err)
	}
	return nil
}
