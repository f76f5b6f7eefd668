package availability

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/schedule"
)

func mustRome(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	return loc
}

// One Monday slot 10:00-11:00 Rome (09:00Z on 2026-11-23), seen from a
// "now" chosen per case.
func TestSlotStates(t *testing.T) {
	t.Parallel()
	loc := mustRome(t)
	event := schedule.Plan{Location: loc, Kind: catalog.KindEvent,
		Rules: []catalog.WeeklyRule{{Weekday: 1, Start: "10:00", End: "11:00", SlotLength: time.Hour, SeatsPerSlot: 10}}}
	counter := schedule.Plan{Location: loc, Kind: catalog.KindAppointment, Operators: []string{"laura", "marco"},
		Rules: []catalog.WeeklyRule{{Weekday: 1, Start: "10:00", End: "11:00", SlotLength: time.Hour}}}
	slotStart := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	friday := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	use := func(op string, taken, held int) Usage {
		return Usage{Start: slotStart, OperatorID: op, Taken: taken, Held: held}
	}
	tests := []struct {
		name      string
		plan      schedule.Plan
		policy    catalog.Policy
		now       time.Time
		usage     []Usage
		operator  string
		seats     int
		wantState State
		wantLeft  int
		wantFree  []string
	}{
		{name: "free event slot", plan: event, now: friday, wantState: Available, wantLeft: 10},
		{name: "partly booked", plan: event, now: friday, usage: []Usage{use("", 7, 0)}, wantState: Available, wantLeft: 3},
		{name: "fewer seats left than needed", plan: event, now: friday, usage: []Usage{use("", 8, 0)}, seats: 3, wantState: Full, wantLeft: 2},
		{name: "full by bookings", plan: event, now: friday, usage: []Usage{use("", 10, 0)}, wantState: Full, wantLeft: 0},
		{name: "full only because of holds", plan: event, now: friday, usage: []Usage{use("", 10, 4)}, wantState: Held, wantLeft: 0},
		{name: "free seats of a slot people wait for are theirs", plan: event, now: friday,
			usage: []Usage{{Start: slotStart, Taken: 7, Held: 2, Waiting: true}}, wantState: Full, wantLeft: 3},
		{name: "holds that would not free enough", plan: event, now: friday, usage: []Usage{use("", 10, 1)}, seats: 2, wantState: Full},
		{name: "started", plan: event, now: slotStart, wantState: Past, wantLeft: 10},
		{name: "ended", plan: event, now: slotStart.Add(2 * time.Hour), wantState: Past, wantLeft: 10},
		{name: "beyond the booking window", plan: event, policy: catalog.Policy{OpensDaysAhead: 2}, now: friday, wantState: NotYetBookable, wantLeft: 10},
		{name: "window opens today", plan: event, policy: catalog.Policy{OpensDaysAhead: 3}, now: friday, wantState: Available, wantLeft: 10},
		{name: "inside the minimum notice", plan: event, policy: catalog.Policy{MinNotice: 2 * time.Hour}, now: slotStart.Add(-time.Hour), wantState: BookingClosed, wantLeft: 10},
		{name: "after the same-day cut-off", plan: event, policy: catalog.Policy{SameDayCutoff: "08:00"}, now: time.Date(2026, 11, 23, 7, 30, 0, 0, time.UTC), wantState: BookingClosed, wantLeft: 10},
		{name: "before the same-day cut-off", plan: event, policy: catalog.Policy{SameDayCutoff: "09:00"}, now: time.Date(2026, 11, 23, 7, 30, 0, 0, time.UTC), wantState: Available, wantLeft: 10},
		{name: "appointment, both free", plan: counter, now: friday, wantState: Available, wantLeft: 2, wantFree: []string{"laura", "marco"}},
		{name: "appointment, one booked", plan: counter, now: friday, usage: []Usage{use("laura", 1, 0)}, wantState: Available, wantLeft: 1, wantFree: []string{"marco"}},
		{name: "appointment, chosen operator booked", plan: counter, now: friday, usage: []Usage{use("laura", 1, 0)}, operator: "laura", wantState: Full, wantLeft: 0},
		{name: "appointment, chosen operator held", plan: counter, now: friday, usage: []Usage{use("laura", 1, 1)}, operator: "laura", wantState: Held, wantLeft: 0},
		{name: "appointment, operator not working", plan: counter, now: friday, operator: "nobody", wantState: Closed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := schedule.Date{Year: 2026, Month: 11, Day: 23}
			days, err := tt.plan.Days(d, d)
			require.NoError(t, err)
			grid := Compute(tt.plan, tt.policy, days, tt.usage, tt.now, tt.operator, tt.seats)
			require.Len(t, grid[0].Slots, 1)
			s := grid[0].Slots[0]
			require.Equal(t, tt.wantState, s.State)
			if tt.wantState != Closed && tt.wantState != Full || tt.wantLeft > 0 {
				require.Equal(t, tt.wantLeft, s.SeatsLeft)
			}
			if tt.wantFree != nil {
				require.Equal(t, tt.wantFree, s.FreeOperatorIDs)
			}
		})
	}
}
