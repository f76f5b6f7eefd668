package booking_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/person"
)

// BenchmarkBookingCycle runs hold, confirm and cancel (three durable write
// transactions) one after the other ("serial") and from 64 goroutines at
// once ("parallel"), in the same run: the ratio of the two is what group
// commit buys when many citizens book together, the way a rush does.
func BenchmarkBookingCycle(b *testing.B) {
	for _, par := range []int{0, 64} {
		name := "serial"
		if par > 0 {
			name = fmt.Sprintf("parallel-%d", par)
		}
		b.Run(name, func(b *testing.B) {
			e := newBenchEnv(b)
			ctx := context.Background()
			starts := e.boatStarts(b)
			caller := e.account(b, 0)
			var seq atomic.Int64
			cycle := func() error {
				i := seq.Add(1)
				h, err := e.svc.Hold(ctx, caller.AccountID, booking.HoldRequest{ResourceID: demo.BoatTripID, SlotStart: starts[int(i)%len(starts)]})
				if err != nil {
					return err
				}
				cf := person.CompleteCodiceFiscale(fmt.Sprintf("VRDLGU80A01H%03d", i%1000))
				res, err := e.svc.Confirm(ctx, caller, booking.ConfirmRequest{HoldID: h.ID, IdempotencyKey: uuid.NewString(), PrivacyConsent: true,
					Beneficiary: &booking.Person{GivenName: "Luigi", FamilyName: "Verdi", CodiceFiscale: cf, Email: "luigi@example.it"}})
				if err != nil {
					return err
				}
				_, err = e.svc.CancelByOperator(ctx, booking.SystemActor, res.Booking.ID, "benchmark")
				return err
			}
			b.ReportAllocs()
			start, cpu0 := time.Now(), cpuTime(b)
			if par == 0 {
				for b.Loop() {
					if err := cycle(); err != nil {
						b.Fatal(err)
					}
				}
			} else {
				b.SetParallelism(par)
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if err := cycle(); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			b.ReportMetric(float64(seq.Load())/time.Since(start).Seconds(), "bookings/s")
			// CPU time of the process per cycle: unlike ns/op, it hardly
			// moves when other processes share the cores or the disk.
			b.ReportMetric(float64((cpuTime(b)-cpu0).Microseconds())/float64(max(seq.Load(), 1)), "cpu-µs/cycle")
			ops, commits := e.db.CommitStats()
			b.ReportMetric(float64(ops)/float64(max(commits, 1)), "tx/commit")
		})
	}
}

// cpuTime is the user and system CPU time the process has used.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
