package stats_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/admission"
	"github.com/varco-gate/varco/internal/availability"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/schedule"
	"github.com/varco-gate/varco/internal/stats"
	"github.com/varco-gate/varco/internal/store/sqlite"
)

// statsData is a year (2026) of the demo Comune's activity: 10,000
// bookings, 70% ID-card appointments and 30% guided-tour groups of 1–4
// with their tickets, most scanned in and out.
func statsData(b *testing.B) (*stats.Service, int) {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, b.TempDir()+"/varco.db", sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(b, err)
	b.Cleanup(func() { db.Close() })
	now := time.Date(2025, 12, 1, 9, 0, 0, 0, time.UTC)
	_, err = demo.Load(ctx, db, now)
	require.NoError(b, err)
	avail := availability.New(db, clock.NewFake(now))
	slots := func(id string) []schedule.Slot {
		_, plan, err := avail.Plan(ctx, id)
		require.NoError(b, err)
		days, err := plan.Days(schedule.Date{Year: 2026, Month: 1, Day: 1}, schedule.Date{Year: 2026, Month: 12, Day: 31})
		require.NoError(b, err)
		var out []schedule.Slot
		for _, d := range days {
			out = append(out, d.Slots...)
		}
		return out
	}
	cie, tour := slots(demo.CIEID), slots(demo.TourID)
	device := identity.Device{ID: uuid.NewString(), OrganizationID: demo.ComuneID, Name: "Ingresso", Direction: 3,
		ResourceIDs: []string{demo.TourID}, CreatedAt: now}
	require.NoError(b, db.CreateDevice(ctx, device))
	statuses := []booking.Status{booking.CancelledByUser, booking.CancelledByOperator, booking.Rescheduled, booking.NoShow, booking.NoShow}
	const n = 10_000
	var scans []admission.Record
	err = db.InTx(ctx, func(tx booking.Tx) error {
		ops := []string{demo.ID("operator/laura"), demo.ID("operator/marco")}
		for i := range n {
			bk := booking.Booking{ID: uuid.NewString(), Code: fmt.Sprintf("B%07d", i), OrganizationID: demo.ComuneID,
				Mode: 1, Status: booking.Done, Seats: 1, Language: "it", IdempotencyKey: uuid.NewString(),
				Beneficiary: booking.Person{GivenName: "Anna", FamilyName: "Rossi", CodiceFiscale: "RSSNNA80A41H501U", Email: "a@example.it"}}
			bk.CancelTokenHash = sha256.Sum256([]byte(bk.ID))
			if k := i % 20; k < len(statuses) {
				bk.Status = statuses[k]
			} else if k >= 15 {
				bk.Status = booking.Confirmed
			}
			var s schedule.Slot
			if i%10 < 7 {
				k := i * 10 / 7 // spread over the year's slots, two operators each
				s = cie[(k/2)%len(cie)]
				bk.ResourceID, bk.OperatorID = demo.CIEID, ops[k%2]
			} else {
				s = tour[i%len(tour)]
				bk.ResourceID, bk.Seats = demo.TourID, 1+i%4
			}
			bk.Start, bk.End, bk.SlotStarts = s.Start, s.End, []time.Time{s.Start}
			bk.CreatedAt = s.Start.Add(-time.Duration(1+i%30) * 24 * time.Hour)
			bk.UpdatedAt, bk.PrivacyAt, bk.FirstFree = bk.CreatedAt, bk.CreatedAt, bk.CreatedAt.Add(time.Duration(i%72)*time.Hour)
			if err := tx.InsertBooking(ctx, bk); err != nil {
				return err
			}
			if bk.ResourceID != demo.TourID {
				continue
			}
			tk := booking.IssuedTicket{ID: uuid.NewString(), BookingID: bk.ID, ResourceID: bk.ResourceID, Seats: bk.Seats,
				SlotStart: s.Start, ValidFrom: s.Start.Add(-15 * time.Minute), ValidUntil: s.End, MaxStay: 90 * time.Minute, IssuedAt: bk.CreatedAt}
			if err := tx.IssueTicket(ctx, tk); err != nil {
				return err
			}
			if bk.Status == booking.Done {
				for j, dir := range []gate.Direction{gate.Entry, gate.Exit} {
					scans = append(scans, admission.Record{ID: uuid.NewString(), DeviceID: device.ID, OrganizationID: demo.ComuneID,
						TicketID: tk.ID, ResourceID: tk.ResourceID, Direction: dir, Seats: tk.Seats, Verdict: gate.Accepted,
						ScannedAt: s.Start.Add(time.Duration(j*50+i%10) * time.Minute)})
				}
			}
		}
		return nil
	})
	require.NoError(b, err)
	err = db.ScanTx(ctx, func(tx admission.Tx) error {
		for _, r := range scans {
			r.ReceivedAt = r.ScannedAt
			if err := tx.InsertScan(ctx, r); err != nil {
				return err
			}
		}
		return nil
	})
	require.NoError(b, err)
	return stats.New(db, clock.NewFake(time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC))), len(scans)
}

// BenchmarkGetStats computes the demo Comune's figures (current and
// previous period) over 10,000 bookings of 2026.
func BenchmarkGetStats(b *testing.B) {
	svc, scans := statsData(b)
	ctx := context.Background()
	for _, tc := range []struct{ name, from, to string }{
		{"year", "2026-01-01", "2026-12-31"},
		{"month", "2026-06-01", "2026-06-30"},
		{"week", "2026-06-08", "2026-06-14"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			res, err := svc.Get(ctx, stats.Query{OrganizationID: demo.ComuneID, From: tc.from, To: tc.to})
			require.NoError(b, err)
			if tc.name == "year" {
				require.Equal(b, 10_000, res.Current.Bookings)
				require.Positive(b, res.Current.Entries)
				require.Equal(b, res.Current.Entries, res.Current.Exits)
				b.Logf("%d bookings, %d scans, %d slots offered", res.Current.Bookings, scans, res.Current.SlotsOffered)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := svc.Get(ctx, stats.Query{OrganizationID: demo.ComuneID, From: tc.from, To: tc.to}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
