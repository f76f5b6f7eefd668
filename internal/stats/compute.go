package stats

import (
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/schedule"
)

// Compute derives the figures of period p from its rows, as seen at now
// (which only decides whether a ticket still inside has overstayed), with
// the period day by day and service by service.
func Compute(p Period, rows Rows, now time.Time) Figures {
	f := totals(p, rows, now)
	f.Days = daily(p, rows)
	f.Services = byService(p, rows, now)
	return f
}

// totals computes the figures of the whole period.
func totals(p Period, rows Rows, now time.Time) Figures {
	f := Figures{Period: p}
	countBookings(&f, rows.Bookings)
	capacity(&f, rows.Slots, rows.Bookings)
	gates(&f, rows.Tickets, now)
	return f
}

// percent is 100·n/of, and 0 for an empty period.
func percent(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}

const day = 24 * time.Hour

// countBookings counts bookings by status and averages the wait to the
// first free slot over the bookings that recorded it.
func countBookings(f *Figures, list []Booking) {
	var waited time.Duration
	var measured int
	for _, b := range list {
		f.Bookings++
		switch b.Status {
		case booking.CancelledByUser:
			f.CancelledByUser++
		case booking.CancelledByOperator:
			f.CancelledByOperator++
		case booking.Rescheduled:
			f.Rescheduled++
		case booking.Done:
			f.Done++
		case booking.NoShow:
			f.NoShow++
		}
		if !b.FirstFree.IsZero() {
			// The first free slot may have started between the hold
			// (when it was measured) and the confirmation: no wait.
			waited += max(b.FirstFree.Sub(b.CreatedAt), 0)
			measured++
		}
	}
	f.CancelledByUserPercent = percent(f.CancelledByUser, f.Bookings)
	f.CancelledByOperatorPercent = percent(f.CancelledByOperator, f.Bookings)
	f.RescheduledPercent = percent(f.Rescheduled, f.Bookings)
	f.NoShowPercent = percent(f.NoShow, f.Bookings)
	if measured > 0 {
		f.AvgDaysToFirstAvailability = float64(waited) / float64(day) / float64(measured)
	}
}

// holdsSeats reports whether a booking in this status kept its seats: the
// cancelled and rescheduled ones gave them back; a no-show's seat stayed
// taken, since nobody else could book it.
func holdsSeats(s booking.Status) bool {
	return s == booking.Confirmed || s == booking.Done || s == booking.NoShow
}

type slotKey struct {
	resourceID string
	startMS    int64
}

// capacity sums the offered slots and the part of their seat-time that
// bookings took. A slot's booked seats are capped at its capacity, and
// bookings on slots the schedule no longer offers (stranded by a later
// closure) count for nothing, so saturation never exceeds 100%.
func capacity(f *Figures, slots []Slot, bookings []Booking) {
	booked := map[slotKey]int{}
	for _, b := range bookings {
		if !holdsSeats(b.Status) {
			continue
		}
		for _, s := range b.SlotStarts {
			booked[slotKey{b.ResourceID, s.UnixMilli()}] += b.Seats
		}
	}
	var offered, taken, length time.Duration
	for _, s := range slots {
		l := s.End.Sub(s.Start)
		length += l
		offered += time.Duration(s.Capacity) * l
		taken += time.Duration(min(booked[slotKey{s.ResourceID, s.Start.UnixMilli()}], s.Capacity)) * l
	}
	f.SlotsOffered = len(slots)
	f.CapacityHours = offered.Hours()
	if len(slots) > 0 {
		f.AvgSlotMinutes = length.Minutes() / float64(len(slots))
	}
	if offered > 0 {
		f.SaturationPercent = 100 * float64(taken) / float64(offered)
	}
}

// Offered lists the slots a resource's plan offers on the period's dates,
// closures and absences excluded.
func Offered(resourceID string, plan schedule.Plan, p Period) ([]Slot, error) {
	days, err := plan.Days(p.From, p.To)
	if err != nil {
		return nil, fmt.Errorf("slots of resource %s: %w", resourceID, err)
	}
	var out []Slot
	for _, d := range days {
		for _, s := range d.Slots {
			out = append(out, Slot{ResourceID: resourceID, Start: s.Start, End: s.End, Capacity: s.Seats})
		}
	}
	return out, nil
}
