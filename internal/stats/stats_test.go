package stats

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/schedule"
)

func date(t *testing.T, s string) schedule.Date {
	t.Helper()
	d, err := schedule.ParseDate(s)
	require.NoError(t, err)
	return d
}

func rome(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	return loc
}

func TestPeriod(t *testing.T) {
	t.Parallel()
	loc := rome(t)
	for _, tc := range []struct {
		name, from, to     string
		days               int
		prevFrom, prevTo   string
		hours              float64 // length of the period in real time
		startUTC, finalUTC string
	}{
		{"one ordinary day", "2026-03-10", "2026-03-10", 1, "2026-03-09", "2026-03-09", 24, "2026-03-09T23:00:00Z", "2026-03-10T23:00:00Z"},
		{"clocks go forward: 23 hours", "2026-03-29", "2026-03-29", 1, "2026-03-28", "2026-03-28", 23, "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z"},
		{"clocks go back: 25 hours", "2026-10-25", "2026-10-25", 1, "2026-10-24", "2026-10-24", 25, "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"},
		{"a week over the change", "2026-03-23", "2026-03-29", 7, "2026-03-16", "2026-03-22", 7*24 - 1, "2026-03-22T23:00:00Z", "2026-03-29T22:00:00Z"},
		{"over the new year", "2026-01-01", "2026-01-31", 31, "2025-12-01", "2025-12-31", 31 * 24, "2025-12-31T23:00:00Z", "2026-01-31T23:00:00Z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := Period{From: date(t, tc.from), To: date(t, tc.to)}
			require.Equal(t, tc.days, p.Days())
			require.Equal(t, Period{From: date(t, tc.prevFrom), To: date(t, tc.prevTo)}, p.Previous())
			from, to := p.Bounds(loc)
			require.Equal(t, tc.startUTC, from.UTC().Format(time.RFC3339))
			require.Equal(t, tc.finalUTC, to.UTC().Format(time.RFC3339))
			require.Equal(t, tc.hours, to.Sub(from).Hours())
		})
	}
}

// Bookings by status, with percentages over all bookings of the period,
// and the average wait to the first free slot over the bookings that
// recorded one.
func TestBookingFigures(t *testing.T) {
	t.Parallel()
	made := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	b := func(s booking.Status, waitHours int) Booking {
		out := Booking{ResourceID: "r", Status: s, Seats: 1, CreatedAt: made}
		if waitHours >= 0 {
			out.FirstFree = made.Add(time.Duration(waitHours) * time.Hour)
		}
		return out
	}
	list := []Booking{
		b(booking.Confirmed, 24),           // waited 1 day
		b(booking.Confirmed, 72),           // 3 days
		b(booking.CancelledByUser, 12),     // 0.5 days
		b(booking.CancelledByOperator, 36), // 1.5 days
		b(booking.Rescheduled, -1),         // made before the figure was recorded: left out
		b(booking.Done, 0),                 // the first free slot was the one booked... now
		b(booking.NoShow, 48),              // 2 days
		b(booking.NoShow, -1),              // not recorded
	}
	// First free slot started between hold and confirmation: no wait, not
	// a negative one.
	early := b(booking.Done, 0)
	early.FirstFree = made.Add(-5 * time.Minute)
	list = append(list, early)

	f := Compute(Period{}, Rows{Bookings: list}, made)
	// 9 bookings: 1 by user, 1 by operator, 1 rescheduled, 2 done, 2 no-shows.
	require.Equal(t, 9, f.Bookings)
	require.Equal(t, 1, f.CancelledByUser)
	require.Equal(t, 1, f.CancelledByOperator)
	require.Equal(t, 1, f.Rescheduled)
	require.Equal(t, 2, f.Done)
	require.Equal(t, 2, f.NoShow)
	require.InDelta(t, 100.0/9, f.CancelledByUserPercent, 1e-9)
	require.InDelta(t, 100.0/9, f.CancelledByOperatorPercent, 1e-9)
	require.InDelta(t, 100.0/9, f.RescheduledPercent, 1e-9)
	require.InDelta(t, 200.0/9, f.NoShowPercent, 1e-9)
	// (1 + 3 + 0.5 + 1.5 + 0 + 2 + 0) / 7 recorded = 8/7 days.
	require.InDelta(t, 8.0/7, f.AvgDaysToFirstAvailability, 1e-9)

	empty := Compute(Period{}, Rows{}, made)
	require.Equal(t, Figures{}, empty, "no bookings: every figure 0, no division by zero")
}

// Offered seat-time from the slots, booked seat-time from the bookings that
// kept their seats, capped per slot.
func TestCapacityFigures(t *testing.T) {
	t.Parallel()
	at := func(h, m int) time.Time { return time.Date(2026, 3, 7, h, m, 0, 0, time.UTC) }
	slots := []Slot{
		// An event: 3 slots of 1.5 h with 30 seats = 3 × 30 × 1.5 = 135 seat-hours.
		{ResourceID: "tour", Start: at(9, 0), End: at(10, 30), Capacity: 30},
		{ResourceID: "tour", Start: at(10, 30), End: at(12, 0), Capacity: 30},
		{ResourceID: "tour", Start: at(12, 0), End: at(13, 30), Capacity: 30},
		// Appointments: 2 slots of 15 min with 2 operators = 2 × 2 × 0.25 = 1 seat-hour.
		{ResourceID: "cie", Start: at(9, 0), End: at(9, 15), Capacity: 2},
		{ResourceID: "cie", Start: at(9, 15), End: at(9, 30), Capacity: 2},
	}
	bk := func(res string, s booking.Status, seats int, starts ...time.Time) Booking {
		return Booking{ResourceID: res, Status: s, Seats: seats, SlotStarts: starts}
	}
	bookings := []Booking{
		bk("tour", booking.Confirmed, 10, at(9, 0)),
		bk("tour", booking.Done, 6, at(9, 0)),
		bk("tour", booking.NoShow, 4, at(9, 0)),              // 9:00 booked 20 seats
		bk("tour", booking.CancelledByUser, 5, at(9, 0)),     // gave its seats back
		bk("tour", booking.Rescheduled, 5, at(10, 30)),       // gave its seats back
		bk("tour", booking.Confirmed, 30, at(12, 0)),         // 12:00 full
		bk("tour", booking.Confirmed, 2, at(15, 0)),          // a slot no longer offered: not counted
		bk("cie", booking.Confirmed, 1, at(9, 0), at(9, 15)), // two consecutive slots
		bk("cie", booking.Confirmed, 1, at(9, 0)),
		bk("cie", booking.Confirmed, 1, at(9, 0)), // stranded third one: capped at 2 operators
	}
	f := Compute(Period{}, Rows{Slots: slots, Bookings: bookings}, at(20, 0))
	require.Equal(t, 5, f.SlotsOffered)
	// 135 + 1 = 136 seat-hours offered.
	require.InDelta(t, 136, f.CapacityHours, 1e-9)
	// (3 × 90 + 2 × 15) / 5 = 60 minutes.
	require.InDelta(t, 60, f.AvgSlotMinutes, 1e-9)
	// Booked: tour 20 × 1.5 + 30 × 1.5 = 75; cie 9:00 min(3, 2) × 0.25 +
	// 9:15 1 × 0.25 = 0.75; 75.75 / 136.
	require.InDelta(t, 100*75.75/136, f.SaturationPercent, 1e-9)
}

// Offered slots follow the schedule: closures remove slots, absences lower
// an appointment slot's capacity, and the day clocks go forward has no
// 02:00 slot.
func TestOffered(t *testing.T) {
	t.Parallel()
	loc := rome(t)
	plan := schedule.Plan{Location: loc, Kind: catalog.KindEvent, Rules: []catalog.WeeklyRule{
		{Weekday: 7, Start: "01:00", End: "04:00", SlotLength: time.Hour, SeatsPerSlot: 10},
		{Weekday: 6, Start: "10:00", End: "12:00", SlotLength: time.Hour, SeatsPerSlot: 10},
	}, Exceptions: []catalog.Exception{
		{Kind: catalog.ExceptionClosure, StartDate: "2026-03-28", EndDate: "2026-03-28", StartTime: "11:00", EndTime: "12:00"},
	}}
	slots, err := Offered("night", plan, Period{From: date(t, "2026-03-28"), To: date(t, "2026-03-29")})
	require.NoError(t, err)
	var got []string
	for _, s := range slots {
		got = append(got, s.Start.In(loc).Format("01-02 15:04")+"+"+s.End.Sub(s.Start).String())
	}
	// Saturday 10:00 (11:00 closed); Sunday 01:00, no 02:00 (skipped by
	// the clocks), 03:00.
	require.Equal(t, []string{"03-28 10:00+1h0m0s", "03-29 01:00+1h0m0s", "03-29 03:00+1h0m0s"}, got)

	office := schedule.Plan{Location: loc, Kind: catalog.KindAppointment, Operators: []string{"laura", "marco"},
		Rules: []catalog.WeeklyRule{{Weekday: 1, Start: "09:00", End: "10:00", SlotLength: 30 * time.Minute}},
		Exceptions: []catalog.Exception{{Kind: catalog.ExceptionOperatorUnavailable, OperatorID: "marco",
			StartDate: "2026-03-23", EndDate: "2026-03-23", StartTime: "09:30", EndTime: "10:00"}}}
	slots, err = Offered("cie", office, Period{From: date(t, "2026-03-23"), To: date(t, "2026-03-23")})
	require.NoError(t, err)
	require.Len(t, slots, 2)
	require.Equal(t, 2, slots[0].Capacity)
	require.Equal(t, 1, slots[1].Capacity, "Marco is away from 09:30")
}

// The gates count people, not beeps, and occupancy is the most people in
// at once.
func TestGateFigures(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 28, 9, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	in := func(min, seats int) Passage { return Passage{At: at(min), Direction: gate.Entry, Seats: seats} }
	out := func(min, seats int) Passage { return Passage{At: at(min), Direction: gate.Exit, Seats: seats} }
	tickets := []Ticket{
		// 2 people, in at 0, out at 60 within their 90-minute stay.
		{ID: "a", Seats: 2, State: gate.Exited, ExpiresAt: at(90), ExitedAt: at(60), ValidUntil: at(150),
			Passages: []Passage{in(0, 2), out(60, 2)}},
		// 3 people, in at 10, out at 120: past their stay (flagged exit).
		{ID: "b", Seats: 3, State: gate.Exited, ExpiresAt: at(100), ExitedAt: at(120), ValidUntil: at(150),
			Passages: []Passage{in(10, 3), out(120, 3)}},
		// 1 person through two offline gates at once (one entry), out at 60
		// exactly when "d" enters: not inside together.
		{ID: "c", Seats: 1, State: gate.Exited, ExpiresAt: at(110), ExitedAt: at(60), ValidUntil: at(150),
			Passages: []Passage{in(20, 1), in(21, 1), out(60, 1)}},
		// 4 people still inside long after their stay ran out (now = 200),
		// counted inside until the ticket's end at 150.
		{ID: "d", Seats: 4, State: gate.Inside, ExpiresAt: at(150), ValidUntil: at(150),
			Passages: []Passage{in(60, 4)}},
		// An exit without an entry moves nobody; no stay limit.
		{ID: "e", Seats: 5, State: gate.Issued, ValidUntil: at(150), Passages: []Passage{out(30, 5)}},
		// Re-entry: out at 30, in again at 40, out at 50; within the stay.
		{ID: "f", Seats: 1, State: gate.Exited, ExpiresAt: at(95), ExitedAt: at(50), ValidUntil: at(150),
			Passages: []Passage{in(5, 1), out(30, 1), in(40, 1), out(50, 1)}},
	}
	f := Compute(Period{}, Rows{Tickets: tickets}, at(200))
	// Entries: a 2 + b 3 + c 1 + d 4 + f 1 + 1 = 12; exits: 2 + 3 + 1 + 1 + 1 = 8.
	require.Equal(t, 12, f.Entries)
	require.Equal(t, 8, f.Exits)
	// Inside over time: 0→2, 5→3, 10→6, 20→7, 30→6, 40→7, 50→6,
	// 60: a and c leave (6→3) before d enters (3→7), 120→4, 150→0.
	require.Equal(t, 7, f.PeakOccupancy)
	// b left after its stay; d is still inside after it.
	require.Equal(t, 2, f.Overstays)

	f = Compute(Period{}, Rows{Tickets: tickets[3:4]}, at(140))
	require.Equal(t, 0, f.Overstays, "d's stay has not run out at 140")
}
