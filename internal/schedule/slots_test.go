package schedule

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/catalog"
)

func rome(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	return loc
}

func date(t *testing.T, s string) Date {
	t.Helper()
	d, err := ParseDate(s)
	require.NoError(t, err)
	return d
}

func weekly(wd int, start, end string, length time.Duration, seats int) catalog.WeeklyRule {
	return catalog.WeeklyRule{Weekday: wd, Start: start, End: end, SlotLength: length, SeatsPerSlot: seats}
}

func starts(day Day) []string {
	var out []string
	for _, s := range day.Slots {
		out = append(out, s.LocalStart.String())
	}
	return out
}

func TestDays(t *testing.T) {
	t.Parallel()
	loc := rome(t)
	cie := Plan{ // the demo's ID card office: two operators, 15-minute slots.
		Location: loc, Kind: catalog.KindAppointment, Operators: []string{"laura", "marco"},
		Rules: []catalog.WeeklyRule{
			weekly(1, "08:30", "09:30", 15*time.Minute, 0), weekly(2, "08:30", "09:30", 15*time.Minute, 0),
			weekly(2, "15:00", "16:00", 30*time.Minute, 0),
		},
	}
	tests := []struct {
		name       string
		plan       Plan
		day        string
		wantStarts []string
		wantSeats  []int
		wantClosed string
		check      func(t *testing.T, d Day)
	}{
		{name: "weekly rule on a Monday", plan: cie, day: "2026-11-23",
			wantStarts: []string{"08:30", "08:45", "09:00", "09:15"}, wantSeats: []int{2, 2, 2, 2}},
		{name: "two rules on a Tuesday", plan: cie, day: "2026-11-24",
			wantStarts: []string{"08:30", "08:45", "09:00", "09:15", "15:00", "15:30"}},
		{name: "no rule on Sunday", plan: cie, day: "2026-11-22", wantStarts: nil},
		{name: "last slot must fit before closing", day: "2026-11-23",
			plan:       Plan{Location: loc, Kind: catalog.KindEvent, Rules: []catalog.WeeklyRule{weekly(1, "10:00", "11:50", 30*time.Minute, 30)}},
			wantStarts: []string{"10:00", "10:30", "11:00"}, wantSeats: []int{30, 30, 30}},
		{name: "one-off closure for the whole day", day: "2026-11-23",
			plan:       with(cie, catalog.Exception{Kind: catalog.ExceptionClosure, StartDate: "2026-11-23", Reason: "Sciopero"}),
			wantClosed: "Sciopero"},
		{name: "closure over several days covers the middle", day: "2026-11-24",
			plan:       with(cie, catalog.Exception{Kind: catalog.ExceptionClosure, StartDate: "2026-11-23", EndDate: "2026-11-25", Reason: "Trasloco"}),
			wantClosed: "Trasloco"},
		{name: "yearly holiday in another year", day: "2026-12-08",
			plan: Plan{Location: loc, Kind: catalog.KindEvent, Rules: []catalog.WeeklyRule{weekly(2, "10:00", "11:00", time.Hour, 5)},
				Exceptions: []catalog.Exception{{Kind: catalog.ExceptionClosure, StartDate: "2000-12-08", Yearly: true, Reason: "Immacolata"}}},
			wantClosed: "Immacolata"},
		{name: "yearly range wrapping the new year", day: "2027-01-04",
			plan:       with(cie, catalog.Exception{Kind: catalog.ExceptionClosure, StartDate: "2000-12-24", EndDate: "2001-01-06", Yearly: true, Reason: "Feste"}),
			wantClosed: "Feste"},
		{name: "yearly range does not leak outside", day: "2027-01-11",
			plan:       with(cie, catalog.Exception{Kind: catalog.ExceptionClosure, StartDate: "2000-12-24", EndDate: "2001-01-06", Yearly: true, Reason: "Feste"}),
			wantStarts: []string{"08:30", "08:45", "09:00", "09:15"}},
		{name: "partial closure removes overlapping slots", day: "2026-11-23",
			plan:       with(cie, catalog.Exception{Kind: catalog.ExceptionClosure, StartDate: "2026-11-23", StartTime: "08:40", EndTime: "09:00"}),
			wantStarts: []string{"09:00", "09:15"}}, // 08:30-08:45 overlaps 08:40.
		{name: "operator unavailable lowers seats, keeps slots", day: "2026-11-23",
			plan: with(cie, catalog.Exception{Kind: catalog.ExceptionOperatorUnavailable, StartDate: "2026-11-23",
				StartTime: "09:00", EndTime: "10:00", OperatorID: "marco"}),
			wantStarts: []string{"08:30", "08:45", "09:00", "09:15"}, wantSeats: []int{2, 2, 1, 1},
			check: func(t *testing.T, d Day) { require.Equal(t, []string{"laura"}, d.Slots[2].OperatorIDs) }},
		{name: "every operator away closes the slot", day: "2026-11-23",
			plan: with(cie,
				catalog.Exception{Kind: catalog.ExceptionOperatorUnavailable, StartDate: "2026-11-23", OperatorID: "marco"},
				catalog.Exception{Kind: catalog.ExceptionOperatorUnavailable, StartDate: "2026-11-23", StartTime: "08:30", EndTime: "09:00", OperatorID: "laura"}),
			wantStarts: []string{"09:00", "09:15"}, wantSeats: []int{1, 1}},
		{name: "extra opening on a Saturday", day: "2026-11-28",
			plan: with(cie, catalog.Exception{Kind: catalog.ExceptionExtraOpening, StartDate: "2026-11-28",
				StartTime: "09:00", EndTime: "10:00", SlotLength: 20 * time.Minute, SeatsPerSlot: 1}),
			wantStarts: []string{"09:00", "09:20", "09:40"}, wantSeats: []int{2, 2, 2}},
		{name: "rule validity window excludes the date", day: "2026-11-23",
			plan: Plan{Location: loc, Kind: catalog.KindEvent, Rules: []catalog.WeeklyRule{
				{Weekday: 1, Start: "10:00", End: "11:00", SlotLength: time.Hour, SeatsPerSlot: 5, ValidFrom: "2026-12-01"}}},
			wantStarts: nil},
		{name: "rule validity window includes its last day", day: "2026-11-30",
			plan: Plan{Location: loc, Kind: catalog.KindEvent, Rules: []catalog.WeeklyRule{
				{Weekday: 1, Start: "10:00", End: "11:00", SlotLength: time.Hour, SeatsPerSlot: 5, ValidUntil: "2026-11-30"}}},
			wantStarts: []string{"10:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := date(t, tt.day)
			days, err := tt.plan.Days(d, d)
			require.NoError(t, err)
			require.Len(t, days, 1)
			require.Equal(t, tt.wantClosed, days[0].ClosedReason)
			require.Equal(t, tt.wantStarts, starts(days[0]))
			if tt.wantSeats != nil {
				var seats []int
				for _, s := range days[0].Slots {
					seats = append(seats, s.Seats)
				}
				require.Equal(t, tt.wantSeats, seats)
			}
			if tt.check != nil {
				tt.check(t, days[0])
			}
		})
	}
}

func with(p Plan, e ...catalog.Exception) Plan {
	p.Exceptions = append(append([]catalog.Exception(nil), p.Exceptions...), e...)
	return p
}

// Office hours across the DST switches: same local times, instants one
// hour apart, nothing duplicated or missing.
func TestDSTOfficeHours(t *testing.T) {
	t.Parallel()
	loc := rome(t)
	p := Plan{Location: loc, Kind: catalog.KindEvent, Rules: []catalog.WeeklyRule{
		weekly(6, "10:00", "12:00", time.Hour, 30), weekly(7, "10:00", "12:00", time.Hour, 30)}}
	days, err := p.Days(date(t, "2026-03-28"), date(t, "2026-03-29"))
	require.NoError(t, err)
	require.Equal(t, "2026-03-28T09:00:00Z", days[0].Slots[0].Start.Format(time.RFC3339)) // CET, +01:00
	require.Equal(t, "2026-03-29T08:00:00Z", days[1].Slots[0].Start.Format(time.RFC3339)) // CEST, +02:00
	days, err = p.Days(date(t, "2026-10-24"), date(t, "2026-10-25"))
	require.NoError(t, err)
	require.Equal(t, "2026-10-24T08:00:00Z", days[0].Slots[0].Start.Format(time.RFC3339))
	require.Equal(t, "2026-10-25T09:00:00Z", days[1].Slots[0].Start.Format(time.RFC3339))
	for _, d := range days {
		require.Equal(t, []string{"10:00", "11:00"}, starts(d))
	}
}

// A round-the-clock rule on the switch days: the skipped hour has no
// slots, the repeated hour has its slots once, instants strictly increase.
func TestDSTAroundTheClock(t *testing.T) {
	t.Parallel()
	loc := rome(t)
	p := Plan{Location: loc, Kind: catalog.KindEvent, Rules: []catalog.WeeklyRule{weekly(7, "00:00", "24:00", 30*time.Minute, 10)}}
	tests := []struct {
		day          string
		wantSlots    int
		missing      []string
		realDuration time.Duration
	}{
		{"2026-03-22", 48, nil, 24 * time.Hour},                        // an ordinary Sunday
		{"2026-03-29", 46, []string{"02:00", "02:30"}, 23 * time.Hour}, // clocks go forward at 02:00
		{"2026-10-25", 48, nil, 25 * time.Hour},                        // clocks go back at 03:00
	}
	for _, tt := range tests {
		t.Run(tt.day, func(t *testing.T) {
			t.Parallel()
			days, err := p.Days(date(t, tt.day), date(t, tt.day))
			require.NoError(t, err)
			slots := days[0].Slots
			require.Len(t, slots, tt.wantSlots)
			got := starts(days[0])
			for _, m := range tt.missing {
				require.NotContains(t, got, m)
			}
			seen := map[string]bool{}
			for i, s := range slots {
				require.False(t, seen[s.LocalStart.String()], "local time %s twice", s.LocalStart)
				seen[s.LocalStart.String()] = true
				require.Equal(t, 30*time.Minute, s.End.Sub(s.Start))
				require.Equal(t, s.LocalStart.String(), s.Start.In(loc).Format("15:04"))
				if i > 0 {
					require.True(t, slots[i-1].Start.Before(s.Start), "instants must increase")
					require.False(t, slots[i-1].End.After(s.Start), "slots must not overlap")
				}
			}
			midnight, _ := Clock(0).At(date(t, tt.day), loc)
			next, _ := Clock(0).At(date(t, tt.day).AddDays(1), loc)
			require.Equal(t, tt.realDuration, next.Sub(midnight))
		})
	}
	// On the day clocks go back, 02:00 local is offered once, at its first
	// occurrence (CEST, 00:00 UTC).
	days, err := p.Days(date(t, "2026-10-25"), date(t, "2026-10-25"))
	require.NoError(t, err)
	for _, s := range days[0].Slots {
		if s.LocalStart.String() == "02:00" {
			require.Equal(t, "2026-10-25T00:00:00Z", s.Start.Format(time.RFC3339))
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"8:30", "24:01", "12:60", "ab:cd", "12-30", ""} {
		_, err := ParseClock(s)
		require.Error(t, err, s)
	}
	for _, s := range []string{"2026-02-30", "26-01-01", "2026/01/01", ""} {
		_, err := ParseDate(s)
		require.Error(t, err, s)
	}
	_, err := Plan{Location: time.UTC, Rules: []catalog.WeeklyRule{weekly(1, "9:00", "10:00", time.Hour, 1)}}.Days(Date{2026, 1, 5}, Date{2026, 1, 5})
	require.Error(t, err)
}
