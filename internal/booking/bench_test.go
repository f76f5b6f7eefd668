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

func (e benchEnv) account(b testing.TB, i int) authz.Principal {
	b.Helper()
	a := identity.Account{ID: uuid.NewString(), Email: fmt.Sprintf("b%d@example.it", i), GivenName: "Bench", FamilyName: "Mark",
		CodiceFiscale: person.CompleteCodiceFiscale(fmt.Sprintf("BNCMRK85T10A%03d", i%1000)), Language: "it", PasswordHash: "x",
		PrivacyConsentAt: e.clk.Now(), CreatedAt: e.clk.Now(), UpdatedAt: e.clk.Now()}
	a.Email = fmt.Sprintf("b%d@example.it", i)
	require.NoError(b, e.db.CreateAccount(context.Background(), a))
	return authz.Principal{Kind: authz.Account, AccountID: a.ID}
}

// boatStarts lists the demo boat trip's available slots over six weeks,
// which the booking benchmarks spread their bookings over so none fills.
func (e benchEnv) boatStarts(b testing.TB) []time.Time {
	b.Helper()
	g, err := e.avail.Grid(context.Background(), availability.Query{ResourceID: demo.BoatTripID, From: "2026-11-25", To: "2027-01-05"})
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
	return starts
}

// BenchmarkHoldConfirm books one seat of the demo boat trip per iteration
// (hold, then confirm: two durable write transactions), spreading bookings
// over the trip's slots so none fills.
func BenchmarkHoldConfirm(b *testing.B) {
	e := newBenchEnv(b)
	ctx := context.Background()
	starts := e.boatStarts(b)
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

// firstFreeCases are the two shapes of the first-free search: an office
// with room today (the search ends on its first slots), and one whose
// next week is fully taken, as in a rush (the search reads a week of
// usage and walks every slot of it).
var firstFreeCases = []struct {
	name     string
	fullDays int
}{
	{"room-today", 0},
	{"next-week-full", 7},
}

// firstFreeEnv prepares the ID-card service (15-minute slots, two
// operators) with its first fullDays days taken by holds, and returns a
// free slot ten days ahead to book. The benchmarks' clock stands on a
// Friday at 10:00 in Rome.
func firstFreeEnv(b *testing.B, fullDays int) (benchEnv, authz.Principal, time.Time) {
	b.Helper()
	e := newBenchEnv(b)
	ctx := context.Background()
	caller := e.account(b, 0)
	rome, err := time.LoadLocation("Europe/Rome")
	require.NoError(b, err)
	today := e.clk.Now().In(rome)
	grid := func(from, to time.Time) []availability.Day {
		g, err := e.avail.Grid(ctx, availability.Query{ResourceID: demo.CIEID, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly)})
		require.NoError(b, err)
		return g.Days
	}
	if fullDays > 0 {
		for _, d := range grid(today, today.AddDate(0, 0, fullDays-1)) {
			for _, s := range d.Slots {
				for range s.SeatsLeft {
					if s.State != availability.Available {
						break
					}
					_, err := e.svc.Hold(ctx, caller.AccountID, booking.HoldRequest{ResourceID: demo.CIEID, SlotStart: s.Start})
					require.NoError(b, err)
				}
			}
		}
	}
	for _, d := range grid(today.AddDate(0, 0, 10), today.AddDate(0, 0, 20)) {
		for _, s := range d.Slots {
			if s.State == availability.Available {
				return e, caller, s.Start
			}
		}
	}
	b.Fatal("no free ID-card slot 10 to 20 days ahead")
	return e, caller, time.Time{}
}

// BenchmarkFirstFree times the first-free search a hold runs before its
// write transaction (one usage range read and slot generation), to be
// read against BenchmarkHold in the same run.
func BenchmarkFirstFree(b *testing.B) {
	for _, tc := range firstFreeCases {
		b.Run(tc.name, func(b *testing.B) {
			e, _, start := firstFreeEnv(b, tc.fullDays)
			ctx := context.Background()
			sel, err := e.svc.Select(ctx, booking.HoldRequest{ResourceID: demo.CIEID, SlotStart: start})
			require.NoError(b, err)
			first, err := e.svc.FirstFree(ctx, sel, e.clk.Now())
			require.NoError(b, err)
			if tc.fullDays > 0 {
				require.True(b, first.After(e.clk.Now().Add(time.Duration(tc.fullDays-1)*24*time.Hour)), "the full week is skipped: %v", first)
			} else {
				require.True(b, first.Before(e.clk.Now().Add(24*time.Hour)), "room today: %v", first)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := e.svc.FirstFree(ctx, sel, e.clk.Now()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHold times a whole hold (validation, first-free search, one
// durable write transaction) on the same data as BenchmarkFirstFree; the
// hold is released untimed so every iteration finds the slot free.
func BenchmarkHold(b *testing.B) {
	for _, tc := range firstFreeCases {
		b.Run(tc.name, func(b *testing.B) {
			e, caller, start := firstFreeEnv(b, tc.fullDays)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				h, err := e.svc.Hold(ctx, caller.AccountID, booking.HoldRequest{ResourceID: demo.CIEID, SlotStart: start})
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if err := e.svc.ReleaseHold(ctx, caller.AccountID, h.ID); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}
