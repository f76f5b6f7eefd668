package availability

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/schedule"
)

// A cached grid is served until the first instant at which time alone may
// change it, and the grid computed just before that instant is the one
// computed at the start: one Monday slot 10:00-11:00 Rome (09:00Z on
// 2026-11-23) seen from a "now" chosen per case.
func TestValidUntil(t *testing.T) {
	t.Parallel()
	loc := mustRome(t)
	plan := schedule.Plan{Location: loc, Kind: catalog.KindAppointment, Operators: []string{"laura"},
		Rules: []catalog.WeeklyRule{{Weekday: 1, Start: "10:00", End: "11:00", SlotLength: time.Hour}}}
	slotStart := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		policy catalog.Policy
		now    time.Time
		busy   []Busy
		want   time.Time
	}{
		{"the slot starts", catalog.Policy{}, slotStart.Add(-30 * time.Second), nil, slotStart},
		{"the minimum notice begins", catalog.Policy{MinNotice: time.Hour}, slotStart.Add(-time.Hour - 30*time.Second), nil,
			slotStart.Add(-time.Hour)},
		{"the same-day cutoff", catalog.Policy{SameDayCutoff: "09:00"}, time.Date(2026, 11, 23, 7, 59, 30, 0, time.UTC), nil,
			time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC)},
		{"local midnight opens another day", catalog.Policy{OpensDaysAhead: 2}, time.Date(2026, 11, 20, 22, 59, 30, 0, time.UTC), nil,
			time.Date(2026, 11, 20, 23, 0, 0, 0, time.UTC)},
		{"the operator's hold elsewhere lapses", catalog.Policy{}, time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC),
			[]Busy{{OperatorID: "laura", Start: slotStart, End: slotStart.Add(time.Hour), Expires: time.Date(2026, 11, 20, 12, 0, 10, 0, time.UTC)},
				{OperatorID: "laura", Start: slotStart, End: slotStart.Add(time.Hour)}}, // a booking never lapses
			time.Date(2026, 11, 20, 12, 0, 10, 0, time.UTC)},
		{"nothing near: the safety bound", catalog.Policy{}, time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC), nil,
			time.Date(2026, 11, 20, 12, 1, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			days, err := plan.Days(schedule.DateOf(slotStart.In(loc)), schedule.DateOf(slotStart.In(loc)))
			require.NoError(t, err)
			got := validUntil(plan, tt.policy, days, tt.busy, tt.now)
			require.True(t, tt.want.Equal(got), "want %v, got %v", tt.want, got)
			at := func(now time.Time) State {
				usage := BusyUsage(days, liveAt(tt.busy, now))
				return Compute(plan, tt.policy, days, usage, now, "", 1)[0].Slots[0].State
			}
			require.Equal(t, at(tt.now), at(got.Add(-time.Millisecond)), "the answer holds until then")
		})
	}
}

// liveAt drops the holds lapsed at now, as the store does.
func liveAt(busy []Busy, now time.Time) []Busy {
	var out []Busy
	for _, b := range busy {
		if b.Expires.IsZero() || b.Expires.After(now) {
			out = append(out, b)
		}
	}
	return out
}
