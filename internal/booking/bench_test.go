package booking_test

import (
	"context"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/availability"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/person"
	"github.com/varco-gate/varco/internal/store/sqlite"
)

type benchEnv struct {
	db    *sqlite.DB
	svc   *booking.Service
	avail *availability.Service
	clk   *clock.Fake
}

func newBenchEnv(b *testing.B) benchEnv {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, b.TempDir()+"/varco.db", sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(b, err)
	b.Cleanup(func() { db.Close() })
	now := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	_, err = demo.Load(ctx, db, now)
	require.NoError(b, err)
	clk := clock.NewFake(now)
	avail := availability.New(db, clk)
	return benchEnv{db: db, svc: booking.New(booking.Config{MaxLiveHolds: 1 << 30}, db, avail, db, clk), avail: avail, clk: clk}
}

func (e benchEnv) account(b *testing.B, i int) authz.Principal {
	b.Helper()
	a := identity.Account{ID: uuid.NewString(), Email: fmt.Sprintf("b%d@example.it", i), GivenName: "Bench", FamilyName: "Mark",
		CodiceFiscale: person.CompleteCodiceFiscale(fmt.Sprintf("BNCMRK85T10A%03d", i%1000)), Language: "it", PasswordHash: "x",
		PrivacyConsentAt: e.clk.Now(), CreatedAt: e.clk.Now(), UpdatedAt: e.clk.Now()}
	a.Email = fmt.Sprintf("b%d@example.it", i)
	require.NoError(b, e.db.CreateAccount(context.Background(), a))
	return authz.Principal{Kind: authz.Account, AccountID: a.ID}
}

// BenchmarkHoldConfirm books one seat of the demo boat trip per iteration
// (hold, then confirm: two durable write transactions), spreading bookings
// over the trip's slots so none fills.
func BenchmarkHoldConfirm(b *testing.B) {
	e := newBenchEnv(b)
	ctx := context.Background()
	g, err := e.avail.Grid(ctx, availability.Query{ResourceID: demo.BoatTripID, From: "2026-11-25", To: "2027-01-05"})
	require.NoError(b, err)
	var starts []time.Time
	for _, d := range g.Days {
		for _, s := range d.Slots {
			if s.State == availability.Available {
				starts = append(starts, s.Start)
			}
		}
	}
	require.NotEmpty(b, starts)
	caller := e.account(b, 0)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		h, err := e.svc.Hold(ctx, caller.AccountID, booking.HoldRequest{ResourceID: demo.BoatTripID, SlotStart: starts[i%len(starts)]})
		if err != nil {
			b.Fatal(err)
		}
		// Different beneficiaries: the per-person limit is not what is measured.
		cf := person.CompleteCodiceFiscale(fmt.Sprintf("VRDLGU80A01H%03d", i%1000))
		res, err := e.svc.Confirm(ctx, caller, booking.ConfirmRequest{HoldID: h.ID, IdempotencyKey: uuid.NewString(), PrivacyConsent: true,
			Beneficiary: &booking.Person{GivenName: "Luigi", FamilyName: "Verdi", CodiceFiscale: cf, Email: "luigi@example.it"}})
		if err != nil {
			b.Fatal(err)
		}
		// Give the seat back, untimed, so the benchmark never runs out.
		b.StopTimer()
		if _, err := e.svc.CancelByOperator(ctx, booking.SystemActor, res.Booking.ID, "benchmark"); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		i++
	}
}

// BenchmarkWriteTxBaseline is the floor BenchmarkHoldConfirm is read
// against: one durable single-row insert transaction on the same database
// (hold+confirm needs two write transactions).
func BenchmarkWriteTxBaseline(b *testing.B) {
	e := newBenchEnv(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		op := catalog.Operator{ID: uuid.NewString(), DisplayName: "Sportello"}
		if err := e.db.CreateOperator(ctx, demo.ComuneID, op, "", e.clk.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
