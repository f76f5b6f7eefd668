package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/availability"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clock"

	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
)

func openTestDB(tb testing.TB) *DB {
	tb.Helper()
	db, err := Open(context.Background(), pgtest.Or(tb, tb.TempDir()+"/varco.db"), Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(tb, err)
	tb.Cleanup(func() { require.NoError(tb, db.Close()) })
	return db
}

// gridFixture creates an appointment resource with 10-minute slots
// 08:00-20:00 every day and three operators, as in the benchmark.
func gridFixture(tb testing.TB, db *DB, now time.Time) catalog.Resource {
	tb.Helper()
	ctx := context.Background()
	org := catalog.Organization{ID: uuid.NewString(), Name: "Comune", Kind: catalog.OrgPublicOffice, CreatedAt: now, UpdatedAt: now}
	require.NoError(tb, db.CreateOrganization(ctx, org))
	place := catalog.Place{ID: uuid.NewString(), OrganizationID: org.ID, Name: "Ufficio", TimeZone: "Europe/Rome", CreatedAt: now, UpdatedAt: now}
	require.NoError(tb, db.CreatePlace(ctx, place))
	var ops []catalog.Operator
	for i := range 3 {
		op := catalog.Operator{ID: uuid.NewString(), DisplayName: fmt.Sprintf("Sportello %d", i+1)}
		require.NoError(tb, db.CreateOperator(ctx, org.ID, op, "", now))
		ops = append(ops, op)
	}
	r := catalog.Resource{ID: uuid.NewString(), OrganizationID: org.ID, PlaceID: place.ID, Kind: catalog.KindAppointment,
		Name: "Anagrafe", Operators: ops, Active: true, Policy: catalog.Policy{HoldDuration: 10 * time.Minute, MaxConsecutiveSlots: 1},
		CreatedAt: now, UpdatedAt: now}
	require.NoError(tb, db.CreateResource(ctx, r))
	var rules []catalog.WeeklyRule
	for wd := 1; wd <= 7; wd++ {
		rules = append(rules, catalog.WeeklyRule{ID: uuid.NewString(), Weekday: wd, Start: "08:00", End: "20:00", SlotLength: 10 * time.Minute, SeatsPerSlot: 3})
	}
	require.NoError(tb, db.ReplaceRules(ctx, r.ID, rules))
	return r
}

// fillUsage books every other (slot, operator) pair of the week: 50% taken.
func fillUsage(tb testing.TB, db *DB, svc *availability.Service, r catalog.Resource, from, to string) {
	tb.Helper()
	ctx := context.Background()
	g, err := svc.Grid(ctx, availability.Query{ResourceID: r.ID, From: from, To: to})
	require.NoError(tb, err)
	i := 0
	require.NoError(tb, db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, d := range g.Days {
			for _, s := range d.Slots {
				for _, op := range s.OperatorIDs {
					i++
					if i%2 == 0 {
						continue
					}
					if _, err := tx.ExecContext(ctx, `INSERT INTO slot_usage (resource_id, start_ms, operator_id, capacity, taken)
						VALUES (?,?,?,1,1)`, r.ID, ms(s.Start), op); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}))
}

func TestUsageIgnoresExpiredHolds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	db := openTestDB(t)
	clk := clock.NewFake(now)
	r := gridFixture(t, db, now)
	svc := availability.New(db, clk)
	slot := time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC) // Monday 08:00 Rome
	op := r.Operators[0].ID
	require.NoError(t, db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO accounts (id, email, codice_fiscale, given_name, family_name, password_hash, privacy_consent_ms, created_at_ms, updated_at_ms)
			VALUES ('acc', 'a@example.it', 'RSSMRA85T10A562S', 'Mario', 'Rossi', 'x', 0, 0, 0)`)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO slot_usage (resource_id, start_ms, operator_id, capacity, taken, held) VALUES (?,?,?,1,1,1)`,
			r.ID, ms(slot), op); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO holds (id, resource_id, account_id, operator_id, start_ms, end_ms, slot_starts, seats, expires_at_ms, created_at_ms)
			VALUES ('h1', ?, 'acc', ?, ?, ?, ?, 1, ?, ?)`, r.ID, op, ms(slot), ms(slot.Add(10*time.Minute)),
			fmt.Sprintf("[%d]", ms(slot)), ms(now.Add(10*time.Minute)), ms(now))
		return err
	}))
	first := func() availability.Slot {
		g, err := svc.Grid(ctx, availability.Query{ResourceID: r.ID, From: "2026-11-23", OperatorID: op})
		require.NoError(t, err)
		return g.Days[0].Slots[0]
	}
	require.Equal(t, availability.Held, first().State, "a live hold fills the operator's slot")
	clk.Advance(10 * time.Minute)
	require.Equal(t, availability.Available, first().State, "an expired hold frees the seat without any sweep")
}

// BenchmarkAvailabilityWeek computes a week of the fixture (504 slots,
// half taken) without the grid cache ("uncached", as every grid was
// before it) and with it ("cached": the versions read and the grid of an
// unchanged database served again), in the same run.
func BenchmarkAvailabilityWeek(b *testing.B) {
	for _, cached := range []bool{false, true} {
		name := "uncached"
		if cached {
			name = "cached"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
			db := openTestDB(b)
			r := gridFixture(b, db, now)
			svc := availability.New(db, clock.NewFake(now))
			if !cached {
				svc.WithoutGridCache()
			}
			fillUsage(b, db, svc, r, "2026-11-23", "2026-11-29")
			q := availability.Query{ResourceID: r.ID, From: "2026-11-23", To: "2026-11-29"}
			g, err := svc.Grid(ctx, q)
			require.NoError(b, err)
			slots := 0
			for _, d := range g.Days {
				slots += len(d.Slots)
			}
			require.Equal(b, 7*72, slots)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if _, err := svc.Grid(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(slots), "slots/op")
		})
	}
}

// BenchmarkPointQuery is the baseline the availability benchmark is read
// against: one indexed single-row read through the same reader pool.
func BenchmarkPointQuery(b *testing.B) {
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	db := openTestDB(b)
	r := gridFixture(b, db, now)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.ResourceOrg(ctx, r.ID); err != nil {
			b.Fatal(err)
		}
	}
}

// A cached plan is reused while the catalog is unchanged and reloaded after
// any change to what it is built from, including writes that bypass the
// catalog service.
func TestPlanCacheFollowsCatalogChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	db := openTestDB(t)
	r := gridFixture(t, db, now)
	svc := availability.New(db, clock.NewFake(now))
	slotsOn := func(date string) int {
		t.Helper()
		g, err := svc.Grid(ctx, availability.Query{ResourceID: r.ID, From: date})
		require.NoError(t, err)
		return len(g.Days[0].Slots)
	}
	require.Equal(t, 72, slotsOn("2026-11-23"))

	v0, err := db.CatalogVersion(ctx)
	require.NoError(t, err)
	require.NoError(t, db.AddException(ctx, r.ID, catalog.Exception{ID: uuid.NewString(), Kind: catalog.ExceptionClosure,
		StartDate: "2026-11-23", EndDate: "2026-11-23", Reason: "Santo patrono", CreatedAt: now}))
	require.Equal(t, 0, slotsOn("2026-11-23"), "the closure is seen at once")

	for _, stmt := range []string{
		`UPDATE places SET time_zone = 'Europe/Rome' WHERE id = '` + r.PlaceID + `'`,
		`UPDATE resources SET name = 'Anagrafe centrale' WHERE id = '` + r.ID + `'`,
		`INSERT INTO acknowledgements (id, resource_id, position, text) VALUES ('ack', '` + r.ID + `', 0, 'Porto il documento')`,
		`UPDATE operators SET display_name = 'Sportello A' WHERE id = '` + r.Operators[0].ID + `'`,
		`DELETE FROM resource_operators WHERE operator_id = '` + r.Operators[2].ID + `'`,
		`UPDATE schedule_rules SET seats_per_slot = 2 WHERE resource_id = '` + r.ID + `'`,
		`DELETE FROM schedule_exceptions WHERE resource_id = '` + r.ID + `'`,
	} {
		before, err := db.CatalogVersion(ctx)
		require.NoError(t, err)
		require.NoError(t, db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, stmt)
			return err
		}), stmt)
		after, err := db.CatalogVersion(ctx)
		require.NoError(t, err)
		require.Greater(t, after, before, stmt)
	}
	got, plan, err := svc.Plan(ctx, r.ID)
	require.NoError(t, err)
	require.Equal(t, "Anagrafe centrale", got.Name)
	require.Len(t, got.Acknowledgements, 1)
	require.Len(t, plan.Operators, 2)
	require.Equal(t, 72, slotsOn("2026-11-23"), "the closure is gone again")
	v1, err := db.CatalogVersion(ctx)
	require.NoError(t, err)
	require.Greater(t, v1, v0)
}
