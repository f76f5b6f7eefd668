package stats

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/fault"
)

// fakeStore holds one organization: a group with an appointment service
// in Rome and an event in New York, and records the windows asked for.
type fakeStore struct {
	asked []string
}

func (f *fakeStore) ListResources(context.Context, string, string) ([]catalog.Resource, error) {
	return []catalog.Resource{
		{ID: "g", Kind: catalog.KindGroup, PlaceID: "rome"},
		{ID: "a", ParentID: "g", Kind: catalog.KindAppointment, PlaceID: "rome", Operators: []catalog.Operator{{ID: "op"}}},
		{ID: "e", Kind: catalog.KindEvent, PlaceID: "ny"},
	}, nil
}

func (f *fakeStore) ListPlaces(context.Context, string) ([]catalog.Place, error) {
	return []catalog.Place{{ID: "rome"}, {ID: "ny", TimeZone: "America/New_York"}}, nil
}

func (f *fakeStore) ListRules(_ context.Context, id string) ([]catalog.WeeklyRule, error) {
	return []catalog.WeeklyRule{{Weekday: 1, Start: "09:00", End: "10:00", SlotLength: time.Hour, SeatsPerSlot: 5}}, nil
}

func (f *fakeStore) ListExceptions(context.Context, string) ([]catalog.Exception, error) {
	return nil, nil
}

func (f *fakeStore) StatsBookings(_ context.Context, ids []string, from, to time.Time) ([]Booking, error) {
	f.asked = append(f.asked, from.UTC().Format("01-02T15")+"/"+to.UTC().Format("01-02T15")+" "+ids[0])
	return nil, nil
}

func (f *fakeStore) StatsTickets(context.Context, []string, time.Time, time.Time) ([]Ticket, error) {
	return nil, nil
}

func (f *fakeStore) StatsWaitlist(context.Context, []string, time.Time, time.Time) (Waitlist, error) {
	return Waitlist{}, nil
}

func TestServiceValidation(t *testing.T) {
	t.Parallel()
	svc := New(&fakeStore{}, clock.NewFake(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)))
	for _, tc := range []struct {
		name  string
		q     Query
		field string
		code  string
	}{
		{"organization", Query{From: "2026-03-01", To: "2026-03-01"}, "organization_id", "required"},
		{"from missing", Query{OrganizationID: "o", To: "2026-03-01"}, "from_date", "required"},
		{"from format", Query{OrganizationID: "o", From: "01/03/2026", To: "2026-03-01"}, "from_date", "date_format"},
		{"to missing", Query{OrganizationID: "o", From: "2026-03-01"}, "to_date", "required"},
		{"to format", Query{OrganizationID: "o", From: "2026-03-01", To: "2026-02-29"}, "to_date", "date_format"},
		{"to before from", Query{OrganizationID: "o", From: "2026-03-02", To: "2026-03-01"}, "to_date", "end_before_start"},
		{"367 days", Query{OrganizationID: "o", From: "2026-03-01", To: "2027-03-02"}, "to_date", "range_too_long"},
		{"resource elsewhere", Query{OrganizationID: "o", ResourceID: "x", From: "2026-03-01", To: "2026-03-01"}, "resource_id", "unknown_resource"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.Get(t.Context(), tc.q)
			var fe *fault.Error
			require.True(t, errors.As(err, &fe), "%v", err)
			require.Equal(t, fault.Invalid, fe.Kind)
			require.Equal(t, tc.field, fe.Field)
			require.Equal(t, tc.code, fe.Code)
		})
	}
	res, err := svc.Get(t.Context(), Query{OrganizationID: "o", From: "2026-03-01", To: "2027-02-28"})
	require.NoError(t, err, "365 days")
	require.Equal(t, Period{From: date(t, "2025-03-01"), To: date(t, "2026-02-28")}, res.Previous.Period)
}

// Each zone's resources are asked for with their own local midnights, and
// a subtree keeps only its resources.
func TestServiceScope(t *testing.T) {
	t.Parallel()
	store := &fakeStore{}
	svc := New(store, clock.NewFake(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)))
	res, err := svc.Get(t.Context(), Query{OrganizationID: "o", From: "2026-03-02", To: "2026-03-02"})
	require.NoError(t, err)
	// Monday 2 March: Rome 09:00 (1 seat: one operator) and New York 09:00 (5 seats).
	require.Equal(t, 2, res.Current.SlotsOffered)
	require.InDelta(t, 6, res.Current.CapacityHours, 1e-9)
	require.ElementsMatch(t, []string{
		"03-01T23/03-02T23 a", "03-02T05/03-03T05 e", // Monday 2 March in Rome and New York
		"02-28T23/03-01T23 a", "03-01T05/03-02T05 e", // the previous period, Sunday 1 March
	}, store.asked)

	store.asked = nil
	res, err = svc.Get(t.Context(), Query{OrganizationID: "o", ResourceID: "g", From: "2026-03-02", To: "2026-03-02"})
	require.NoError(t, err)
	require.Equal(t, 1, res.Current.SlotsOffered, "the group holds the appointments only")
	require.ElementsMatch(t, []string{"03-01T23/03-02T23 a", "02-28T23/03-01T23 a"}, store.asked)
}
