package stats

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/gate"
)

// The period day by day and service by service: bookings on the local date
// of their slot in their place's zone, passages on their ticket's slot
// date even after midnight, days and services adding up to the totals.
func TestBreakdowns(t *testing.T) {
	t.Parallel()
	rome := rome(t)
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	p := Period{From: date(t, "2026-03-28"), To: date(t, "2026-03-29")}
	at := func(loc *time.Location, day, hour, minute int) time.Time {
		return time.Date(2026, 3, day, hour, minute, 0, 0, loc)
	}
	rows := Rows{
		Services: []ServiceInfo{
			{ID: "night", Name: "Visita notturna", Kind: catalog.KindEvent, Location: rome},
			{ID: "desk", Name: "Anagrafe", Kind: catalog.KindAppointment, Location: ny},
		},
		Bookings: []Booking{
			// 23:30 in Rome on Saturday 28 is 22:30 UTC: Saturday.
			{ResourceID: "night", Status: booking.Confirmed, Seats: 2, SlotStarts: []time.Time{at(rome, 28, 23, 30)}},
			// 20:00 in New York on Sunday 29 is Monday 00:00 UTC: Sunday.
			{ResourceID: "desk", Status: booking.NoShow, Seats: 1, SlotStarts: []time.Time{at(ny, 29, 20, 0)}},
			{ResourceID: "desk", Status: booking.CancelledByUser, Seats: 1, SlotStarts: []time.Time{at(ny, 28, 9, 0)}},
		},
		Tickets: []Ticket{{
			ID: "t", ResourceID: "night", SlotStart: at(rome, 28, 23, 30), Seats: 2, State: gate.Exited,
			ValidUntil: at(rome, 29, 1, 0),
			Passages: []Passage{
				{At: at(rome, 28, 23, 25), Direction: gate.Entry, Seats: 2},
				{At: at(rome, 29, 0, 40), Direction: gate.Exit, Seats: 2}, // after midnight: still Saturday's
			},
		}},
	}
	f := Compute(p, rows, at(rome, 30, 12, 0))
	require.Equal(t, []Day{
		{Date: date(t, "2026-03-28"), Bookings: 2, CancelledByUser: 1, Entries: 2, Exits: 2, PeakOccupancy: 2},
		{Date: date(t, "2026-03-29"), Bookings: 1, NoShow: 1},
	}, f.Days)
	require.Len(t, f.Services, 2)
	desk, night := f.Services[0], f.Services[1]
	require.Equal(t, "Anagrafe", desk.Name, "name order")
	require.Equal(t, 2, desk.Figures.Bookings)
	require.InDelta(t, 50, desk.Figures.NoShowPercent, 1e-9)
	require.Zero(t, desk.Figures.Entries)
	require.Nil(t, desk.Figures.Days)
	require.Equal(t, 1, night.Figures.Bookings)
	require.Equal(t, 2, night.Figures.Entries)
	require.Equal(t, 2, night.Figures.PeakOccupancy)
	require.Equal(t, f.Bookings, desk.Figures.Bookings+night.Figures.Bookings)

	// Rows without services (hand-made, no zones): totals only.
	rows.Services = nil
	f = Compute(p, rows, at(rome, 30, 12, 0))
	require.Equal(t, 3, f.Bookings)
	require.Nil(t, f.Days)
	require.Nil(t, f.Services)
}
