package availability

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/schedule"
)

// The first free slot is the first the grid shows as Available for one
// seat with any operator: full and held slots, and slots inside the
// minimum notice, are skipped; the search stops at the limit.
func TestFirstFree(t *testing.T) {
	t.Parallel()
	loc := mustRome(t)
	// Monday 2026-11-23 and Tuesday, 09:00-11:00 Rome: four hourly slots
	// with two operators; 08:00Z is 09:00 in Rome.
	plan := schedule.Plan{Location: loc, Kind: catalog.KindAppointment, Operators: []string{"laura", "marco"},
		Rules: []catalog.WeeklyRule{
			{Weekday: 1, Start: "09:00", End: "11:00", SlotLength: time.Hour},
			{Weekday: 2, Start: "09:00", End: "11:00", SlotLength: time.Hour},
		}}
	mon9, mon10 := time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tue9, tue10 := mon9.Add(24*time.Hour), mon10.Add(24*time.Hour)
	friday := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	both := func(at time.Time, held int) []Usage {
		return []Usage{{Start: at, OperatorID: "laura", Taken: 1, Held: held}, {Start: at, OperatorID: "marco", Taken: 1}}
	}
	days, err := plan.Days(schedule.Date{Year: 2026, Month: 11, Day: 23}, schedule.Date{Year: 2026, Month: 11, Day: 24})
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		policy catalog.Policy
		now    time.Time
		usage  []Usage
		busy   []Busy
		limit  time.Time
		want   time.Time // zero: none before the limit
	}{
		{"nothing booked", catalog.Policy{}, friday, nil, nil, tue10, mon9},
		{"one operator free is enough", catalog.Policy{}, friday, []Usage{{Start: mon9, OperatorID: "laura", Taken: 1}}, nil, tue10, mon9},
		{"full slots skipped", catalog.Policy{}, friday, both(mon9, 0), nil, tue10, mon10},
		{"a held slot is not free", catalog.Policy{}, friday, append(both(mon9, 0), both(mon10, 1)...), nil, tue10, tue9},
		{"inside the minimum notice", catalog.Policy{MinNotice: 90 * time.Minute}, mon9.Add(-time.Hour), nil, nil, tue10, mon10},
		{"past slots skipped", catalog.Policy{}, mon9.Add(time.Minute), nil, nil, tue10, mon10},
		{"an operator busy in another service", catalog.Policy{}, friday, []Usage{{Start: mon9, OperatorID: "laura", Taken: 1}},
			[]Busy{{OperatorID: "marco", Start: mon9.Add(-30 * time.Minute), End: mon9.Add(30 * time.Minute)}}, tue10, mon10},
		{"nothing before the limit", catalog.Policy{}, friday, append(both(mon9, 0), both(mon10, 0)...), nil, tue9, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := NewFirstFree(plan, tc.policy, tc.usage, tc.busy, tc.now).In(days, tc.limit)
			require.Equal(t, !tc.want.IsZero(), ok)
			require.Equal(t, tc.want, got)
		})
	}
}
