package booking_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/availability"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/person"
	"github.com/varco-gate/varco/internal/store/sqlite"
)

// inTxFlag tells whether a booking transaction is running.
type inTxFlag struct{ inside, reads atomic.Int64 }

// flaggingStore marks the time its transactions run.
type flaggingStore struct {
	*sqlite.DB
	f *inTxFlag
}

func (s flaggingStore) InTx(ctx context.Context, fn func(booking.Tx) error) error {
	return s.DB.InTx(ctx, func(tx booking.Tx) error {
		s.f.inside.Add(1)
		defer s.f.inside.Add(-1)
		return fn(tx)
	})
}

// countingCatalog counts the plan's reader reads made while a booking
// transaction runs.
type countingCatalog struct {
	*sqlite.DB
	f *inTxFlag
}

func (c countingCatalog) read() {
	if c.f.inside.Load() > 0 {
		c.f.reads.Add(1)
	}
}

func (c countingCatalog) CatalogVersion(ctx context.Context) (int64, error) {
	c.read()
	return c.DB.CatalogVersion(ctx)
}

func (c countingCatalog) GridVersions(ctx context.Context) (int64, int64, error) {
	c.read()
	return c.DB.GridVersions(ctx)
}

func (c countingCatalog) GetResource(ctx context.Context, id string) (catalog.Resource, error) {
	c.read()
	return c.DB.GetResource(ctx, id)
}

func (c countingCatalog) ListRules(ctx context.Context, id string) ([]catalog.WeeklyRule, error) {
	c.read()
	return c.DB.ListRules(ctx, id)
}

// A confirmation reads nothing from the reader pool inside its write
// transaction, where every booking of the commit batch would wait for the
// read — also the first one after a catalog change, whose plan is not in
// memory yet.
func TestConfirmReadsNoReaderInsideTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	db, err := sqlite.Open(ctx, t.TempDir()+"/varco.db", sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	_, err = demo.Load(ctx, db, now)
	require.NoError(t, err)
	clk := clock.NewFake(now)
	var f inTxFlag
	avail := availability.New(countingCatalog{db, &f}, clk)
	svc := booking.New(booking.Config{}, flaggingStore{db, &f}, avail, db, clk)
	e := benchEnv{db: db, svc: svc, avail: avail, clk: clk}
	start := e.boatStarts(t)[0]

	for i, catalogChange := range []bool{false, true, false} {
		caller := e.account(t, i)
		h, err := svc.Hold(ctx, caller.AccountID, booking.HoldRequest{ResourceID: demo.BoatTripID, SlotStart: start})
		require.NoError(t, err)
		if catalogChange {
			r, err := db.GetResource(ctx, demo.BoatTripID)
			require.NoError(t, err)
			before, err := db.CatalogVersion(ctx)
			require.NoError(t, err)
			r.Description += " (aggiornato)"
			require.NoError(t, db.ReplaceResource(ctx, r, nil))
			after, err := db.CatalogVersion(ctx)
			require.NoError(t, err)
			require.NotEqual(t, before, after, "the plan in memory is out of date")
		}
		res, err := svc.Confirm(ctx, caller, booking.ConfirmRequest{HoldID: h.ID, IdempotencyKey: uuid.NewString(), PrivacyConsent: true,
			Beneficiary: &booking.Person{GivenName: "Luigi", FamilyName: "Verdi",
				CodiceFiscale: person.CompleteCodiceFiscale(fmt.Sprintf("VRDLGU80A01H%03d", i)), Email: "luigi@example.it"}})
		require.NoError(t, err)
		require.Equal(t, booking.Confirmed, res.Booking.Status)
		require.Zero(t, f.reads.Load(), "confirmation %d (catalog changed: %v) read from the reader pool inside its transaction", i, catalogChange)
	}
}
