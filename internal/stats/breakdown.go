package stats

import (
	"sort"
	"time"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/schedule"
)

// The breakdowns are bounded: one Day per date (MaxDays at most) and one
// Service per bookable service in scope, each computed from the rows
// already loaded for the totals, so they cost no query.

// zones maps each service to its place's zone.
func zones(rows Rows) map[string]*time.Location {
	out := make(map[string]*time.Location, len(rows.Services))
	for _, s := range rows.Services {
		out[s.ID] = s.Location
	}
	return out
}

// dayIndex returns the index in p of the local date of instant t in the
// zone of resource id, and false outside the period or for a resource
// not in Rows.Services.
func dayIndex(p Period, loc map[string]*time.Location, id string, t time.Time) (int, bool) {
	z := loc[id]
	if z == nil {
		return 0, false
	}
	i := p.From.DaysUntil(schedule.DateOf(t.In(z)))
	return i, i >= 0 && i < p.Days()
}

// daily splits the period into its dates. A booking counts on the date of
// its first slot, as the totals count it in the period; a ticket's
// passages count on the date of its slot, so the days add up to the
// totals (a ticket used after midnight stays on its slot's day).
func daily(p Period, rows Rows) []Day {
	if len(rows.Services) == 0 {
		return nil // hand-made rows with no zones: no dates to place them on
	}
	loc := zones(rows)
	days := make([]Day, p.Days())
	for i := range days {
		days[i].Date = p.From.AddDays(i)
	}
	for _, b := range rows.Bookings {
		if len(b.SlotStarts) == 0 {
			continue
		}
		i, ok := dayIndex(p, loc, b.ResourceID, b.SlotStarts[0])
		if !ok {
			continue
		}
		d := &days[i]
		d.Bookings++
		switch b.Status {
		case booking.CancelledByUser:
			d.CancelledByUser++
		case booking.CancelledByOperator:
			d.CancelledByOperator++
		case booking.Rescheduled:
			d.Rescheduled++
		case booking.Done:
			d.Done++
		case booking.NoShow:
			d.NoShow++
		}
	}
	tickets := make([][]Ticket, len(days))
	for _, t := range rows.Tickets {
		if i, ok := dayIndex(p, loc, t.ResourceID, t.SlotStart); ok {
			tickets[i] = append(tickets[i], t)
		}
	}
	for i, list := range tickets {
		if len(list) == 0 {
			continue
		}
		var f Figures
		gates(&f, list, time.Time{})
		days[i].Entries, days[i].Exits, days[i].PeakOccupancy = f.Entries, f.Exits, f.PeakOccupancy
	}
	return days
}

// byService computes each service's figures from its share of the rows.
func byService(p Period, rows Rows, now time.Time) []ServiceFigures {
	if len(rows.Services) == 0 {
		return nil
	}
	// Sized first: a year's rows are copied once, not regrown.
	type counts struct{ slots, bookings, tickets int }
	n := make(map[string]*counts, len(rows.Services))
	for _, s := range rows.Services {
		n[s.ID] = &counts{}
	}
	for _, s := range rows.Slots {
		if c := n[s.ResourceID]; c != nil {
			c.slots++
		}
	}
	for _, b := range rows.Bookings {
		if c := n[b.ResourceID]; c != nil {
			c.bookings++
		}
	}
	for _, t := range rows.Tickets {
		if c := n[t.ResourceID]; c != nil {
			c.tickets++
		}
	}
	share := make(map[string]*Rows, len(rows.Services))
	for _, s := range rows.Services {
		c := n[s.ID]
		share[s.ID] = &Rows{Slots: make([]Slot, 0, c.slots), Bookings: make([]Booking, 0, c.bookings), Tickets: make([]Ticket, 0, c.tickets)}
	}
	for _, s := range rows.Slots {
		if r := share[s.ResourceID]; r != nil {
			r.Slots = append(r.Slots, s)
		}
	}
	for _, b := range rows.Bookings {
		if r := share[b.ResourceID]; r != nil {
			r.Bookings = append(r.Bookings, b)
		}
	}
	for _, t := range rows.Tickets {
		if r := share[t.ResourceID]; r != nil {
			r.Tickets = append(r.Tickets, t)
		}
	}
	out := make([]ServiceFigures, 0, len(rows.Services))
	for _, s := range rows.Services {
		out = append(out, ServiceFigures{ServiceInfo: s, Figures: totals(p, *share[s.ID], now)})
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}
