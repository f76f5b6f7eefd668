package booking_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/availability"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/person"
	"github.com/varco-gate/varco/internal/store/sqlite"
)

// rerunStore runs every booking transaction twice, the first run rolled
// back, as the PostgreSQL store does with a transaction that lost a
// serialization conflict.
type rerunStore struct{ *sqlite.DB }

var errRunAgain = errors.New("run again")

func (s rerunStore) InTx(ctx context.Context, fn func(booking.Tx) error) error {
	err := s.DB.InTx(ctx, func(tx booking.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return errRunAgain
	})
	if !errors.Is(err, errRunAgain) {
		return err
	}
	return s.DB.InTx(ctx, fn)
}

// The service's transaction functions leave outside only what they set,
// so running one again gives the result of running it once: two bookings
// held, confirmed, then cancelled by a block are two cancellations.
func TestTransactionsRunTwiceGiveOneResult(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	db, err := sqlite.Open(ctx, t.TempDir()+"/varco.db", sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	_, err = demo.Load(ctx, db, now)
	require.NoError(t, err)
	clk := clock.NewFake(now)
	avail := availability.New(db, clk)
	svc := booking.New(booking.Config{}, rerunStore{db}, avail, db, clk)
	e := benchEnv{db: db, svc: svc, avail: avail, clk: clk}
	start := e.boatStarts(t)[0]

	for i := range 2 {
		caller := e.account(t, i)
		h, err := svc.Hold(ctx, caller.AccountID, booking.HoldRequest{ResourceID: demo.BoatTripID, SlotStart: start})
		require.NoError(t, err)
		_, err = svc.Confirm(ctx, caller, booking.ConfirmRequest{HoldID: h.ID, IdempotencyKey: uuid.NewString(), PrivacyConsent: true,
			Beneficiary: &booking.Person{GivenName: "Luigi", FamilyName: "Verdi",
				CodiceFiscale: person.CompleteCodiceFiscale(fmt.Sprintf("VRDLGU80A01H%03d", i)), Email: "luigi@example.it"}})
		require.NoError(t, err)
	}
	res, err := svc.Block(ctx, booking.SystemActor, booking.BlockRequest{ResourceID: demo.BoatTripID,
		From: start, To: start.Add(90 * time.Minute), Reason: "Battello in manutenzione"})
	require.NoError(t, err)
	require.Len(t, res.Cancelled, 2, "each cancelled booking once")
}
