package booking

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/schedule"
)

// A blocked period becomes the dates and local times of one exception, or
// is refused when one exception cannot express it.
func TestBlockException(t *testing.T) {
	t.Parallel()
	rome, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04:05", s, rome)
		require.NoError(t, err)
		return v
	}
	for _, tc := range []struct {
		name     string
		from, to string
		want     catalog.Exception
		code     string
	}{
		{"part of a day", "2026-03-10 09:00:00", "2026-03-10 10:30:00",
			catalog.Exception{StartDate: "2026-03-10", EndDate: "2026-03-10", StartTime: "09:00", EndTime: "10:30"}, ""},
		{"until midnight", "2026-03-10 14:00:00", "2026-03-11 00:00:00",
			catalog.Exception{StartDate: "2026-03-10", EndDate: "2026-03-10", StartTime: "14:00", EndTime: "24:00"}, ""},
		{"whole days", "2026-03-10 00:00:00", "2026-03-13 00:00:00",
			catalog.Exception{StartDate: "2026-03-10", EndDate: "2026-03-12"}, ""},
		{"the 23-hour day clocks go forward", "2026-03-29 00:00:00", "2026-03-30 00:00:00",
			catalog.Exception{StartDate: "2026-03-29", EndDate: "2026-03-29"}, ""},
		{"partial days over several days", "2026-03-10 14:00:00", "2026-03-11 10:00:00", catalog.Exception{}, "partial_days"},
		{"seconds", "2026-03-10 09:00:30", "2026-03-10 10:00:00", catalog.Exception{}, "whole_minutes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := blockException(rome, at(tc.from), at(tc.to))
			if tc.code != "" {
				var fe *fault.Error
				require.True(t, errors.As(err, &fe), "got %v", err)
				require.Equal(t, fault.Invalid, fe.Kind)
				require.Equal(t, tc.code, fe.Code)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// The office's view of a resource drops the booking horizon and always
// lets the operator be chosen; everything else is the online policy.
func TestCounterPlannerRelaxesOnlyHorizonAndOperatorChoice(t *testing.T) {
	t.Parallel()
	r := catalog.Resource{ID: "r", Policy: catalog.Policy{OpensDaysAhead: 30, MinNotice: time.Hour, SameDayCutoff: "12:00", MaxActivePerPerson: 1}}
	got, _, err := counterPlanner{fixedPlanner{r}}.Plan(t.Context(), "r")
	require.NoError(t, err)
	want := r
	want.Policy.OpensDaysAhead, want.OperatorChoice = 0, true
	require.Equal(t, want, got)
}

type fixedPlanner struct{ r catalog.Resource }

func (p fixedPlanner) Plan(context.Context, string) (catalog.Resource, schedule.Plan, error) {
	return p.r, schedule.Plan{}, nil
}

func (p fixedPlanner) CatalogVersion(context.Context) (int64, error) { return 1, nil }

func (p fixedPlanner) PlanAt(context.Context, int64, string) (catalog.Resource, schedule.Plan, error) {
	return p.r, schedule.Plan{}, nil
}

func (p fixedPlanner) CachedPlan(int64, string) (catalog.Resource, schedule.Plan, bool) {
	return p.r, schedule.Plan{}, true
}
