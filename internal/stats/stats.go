// Package stats computes an organization's figures over a period of local
// dates: bookings and what became of them, days to the first availability,
// the capacity the schedules offered and how much of it was booked, and for
// ticketed events the people through the gates. The figures are pure
// functions of rows the store returns (Compute), so they are tested on
// hand-made data; Service loads the rows and applies the period rules.
// docs/stats.md defines every figure.
package stats

import (
	"time"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/schedule"
)

// MaxDays is the longest period one request may ask for: a year, leap
// day included. The previous period doubles the work.
const MaxDays = 366

// Period is a range of local dates, both included.
type Period struct {
	From, To schedule.Date
}

// Days returns the number of dates in the period.
func (p Period) Days() int { return p.From.DaysUntil(p.To) + 1 }

// Previous returns the period of the same number of days just before p.
func (p Period) Previous() Period {
	n := p.Days()
	return Period{From: p.From.AddDays(-n), To: p.From.AddDays(-1)}
}

// Bounds returns the instants [start of From, start of the day after To)
// in loc: a booking belongs to the period when its slot starts in them.
func (p Period) Bounds(loc *time.Location) (time.Time, time.Time) {
	from, _ := schedule.Clock(0).At(p.From, loc)
	to, _ := schedule.Clock(0).At(p.To.AddDays(1), loc)
	return from, to
}

// Booking is what statistics read of a booking whose slot starts in the
// period.
type Booking struct {
	ResourceID string
	Status     booking.Status
	Seats      int
	SlotStarts []time.Time
	CreatedAt  time.Time
	// FirstFree is the first free slot when the booking was made; zero
	// for bookings made before it was recorded.
	FirstFree time.Time
}

// Slot is a slot a resource's schedule offered in the period, with its
// capacity: seats for events, operators working for appointments.
type Slot struct {
	ResourceID string
	Start, End time.Time
	Capacity   int
}

// Passage is one time a gate let a ticket's holders through: an online
// scan the server accepted (or flagged), or an offline scan the scanner
// let through, whatever the server later thought of it.
type Passage struct {
	At        time.Time
	Direction gate.Direction
	Seats     int
}

// Ticket is an entry ticket of a booked slot in the period, with its gate
// state and its passages in time order.
type Ticket struct {
	ID         string
	ResourceID string
	SlotStart  time.Time
	Seats      int
	State      gate.State
	ExpiresAt  time.Time // end of the maximum stay; zero when unlimited or not entered
	ExitedAt   time.Time
	ValidUntil time.Time
	Passages   []Passage
}

// Rows are the data of one period.
type Rows struct {
	Slots    []Slot
	Bookings []Booking
	Tickets  []Ticket
	// Services are the bookable services in scope: each gets its own
	// figures, and their zones place bookings on local dates. Without
	// them Compute gives the totals only.
	Services []ServiceInfo
}

// ServiceInfo names a bookable service in scope.
type ServiceInfo struct {
	ID       string
	Name     string
	Kind     catalog.ResourceKind
	Location *time.Location
}

// Figures are the statistics of one period; they mirror varco.v1.Stats.
type Figures struct {
	Period                     Period
	Bookings                   int
	CancelledByUser            int
	CancelledByOperator        int
	Rescheduled                int
	Done                       int
	NoShow                     int
	CancelledByUserPercent     float64
	CancelledByOperatorPercent float64
	RescheduledPercent         float64
	NoShowPercent              float64
	AvgDaysToFirstAvailability float64
	SaturationPercent          float64
	CapacityHours              float64
	SlotsOffered               int
	AvgSlotMinutes             float64
	Entries                    int
	Exits                      int
	PeakOccupancy              int
	Overstays                  int
	// Waitlist counts the waiting lists of the period's slots (totals
	// only: not per day or service).
	Waitlist Waitlist
	// Days has one entry per date of the period, in order.
	Days []Day
	// Services has the figures of each service of Rows.Services, in
	// name order; their own Days and Services are empty.
	Services []ServiceFigures
}

// Day is what happened on one local date: bookings on the date of their
// first slot, gate passages on the date of their ticket's slot.
type Day struct {
	Date                                                     schedule.Date
	Bookings, CancelledByUser, CancelledByOperator           int
	Rescheduled, Done, NoShow, Entries, Exits, PeakOccupancy int
}

// ServiceFigures is one service's figures over the period.
type ServiceFigures struct {
	ServiceInfo
	Figures Figures
}

// Waitlist counts waiting-list entries: joined, offered seats, offers
// confirmed into bookings, and offers that lapsed unanswered.
type Waitlist struct {
	Joined, Offered, Converted, Lapsed int
}

func (w Waitlist) add(o Waitlist) Waitlist {
	return Waitlist{w.Joined + o.Joined, w.Offered + o.Offered, w.Converted + o.Converted, w.Lapsed + o.Lapsed}
}
