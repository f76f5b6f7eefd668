package schedule

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
)

func TestValidateRules(t *testing.T) {
	t.Parallel()
	ok := weekly(1, "08:30", "12:30", 15*time.Minute, 0)
	tests := []struct {
		name      string
		kind      catalog.ResourceKind
		rules     []catalog.WeeklyRule
		wantField string
	}{
		{"valid appointment rules", catalog.KindAppointment, []catalog.WeeklyRule{ok, weekly(1, "15:00", "17:00", 15*time.Minute, 0)}, ""},
		{"end before start", catalog.KindAppointment, []catalog.WeeklyRule{weekly(1, "12:00", "08:00", 15*time.Minute, 0)}, "rules[0].end_time"},
		{"zero-length slot", catalog.KindAppointment, []catalog.WeeklyRule{weekly(1, "08:00", "12:00", 0, 0)}, "rules[0].slot_length"},
		{"slot longer than opening", catalog.KindEvent, []catalog.WeeklyRule{weekly(1, "08:00", "08:30", time.Hour, 5)}, "rules[0].slot_length"},
		{"bad weekday", catalog.KindEvent, []catalog.WeeklyRule{weekly(8, "08:00", "09:00", time.Hour, 5)}, "rules[0].weekday"},
		{"bad time", catalog.KindEvent, []catalog.WeeklyRule{weekly(1, "8:00", "09:00", time.Hour, 5)}, "rules[0].start_time"},
		{"overlapping rules", catalog.KindAppointment, []catalog.WeeklyRule{ok, weekly(1, "12:00", "13:00", 15*time.Minute, 0)}, "rules[1].start_time"},
		{"same hours on another weekday", catalog.KindAppointment, []catalog.WeeklyRule{ok, weekly(2, "08:30", "12:30", 15*time.Minute, 0)}, ""},
		{"event without seats", catalog.KindEvent, []catalog.WeeklyRule{weekly(1, "08:00", "09:00", time.Hour, 0)}, "rules[0].seats_per_slot"},
		{"unknown operator", catalog.KindAppointment, []catalog.WeeklyRule{{Weekday: 1, Start: "08:00", End: "09:00", SlotLength: time.Hour, OperatorIDs: []string{"x"}}}, "rules[0].operator_ids"},
		{"overlap in disjoint validity windows is fine", catalog.KindEvent, []catalog.WeeklyRule{
			{Weekday: 1, Start: "08:00", End: "09:00", SlotLength: time.Hour, SeatsPerSlot: 1, ValidUntil: "2026-12-31"},
			{Weekday: 1, Start: "08:00", End: "10:00", SlotLength: time.Hour, SeatsPerSlot: 1, ValidFrom: "2027-01-01"}}, ""},
		{"validity window reversed", catalog.KindEvent, []catalog.WeeklyRule{
			{Weekday: 1, Start: "08:00", End: "09:00", SlotLength: time.Hour, SeatsPerSlot: 1, ValidFrom: "2027-01-01", ValidUntil: "2026-01-01"}}, "rules[0].valid_until"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateRules(tt.kind, []string{"laura", "marco"}, tt.rules)
			requireField(t, err, tt.wantField)
		})
	}
}

func TestValidateException(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		e         catalog.Exception
		wantField string
	}{
		{"closure", catalog.Exception{Kind: catalog.ExceptionClosure, StartDate: "2026-12-24", EndDate: "2026-12-26"}, ""},
		{"closure ending before it starts", catalog.Exception{Kind: catalog.ExceptionClosure, StartDate: "2026-12-24", EndDate: "2026-12-20"}, "exception.end_date"},
		{"half a time range", catalog.Exception{Kind: catalog.ExceptionClosure, StartDate: "2026-12-24", StartTime: "09:00"}, "exception.end_time"},
		{"extra opening without times", catalog.Exception{Kind: catalog.ExceptionExtraOpening, StartDate: "2026-12-24", SlotLength: time.Hour, SeatsPerSlot: 1}, "exception.start_time"},
		{"extra opening without slot length", catalog.Exception{Kind: catalog.ExceptionExtraOpening, StartDate: "2026-12-24", StartTime: "09:00", EndTime: "10:00", SeatsPerSlot: 1}, "exception.slot_length"},
		{"absence of a stranger", catalog.Exception{Kind: catalog.ExceptionOperatorUnavailable, StartDate: "2026-12-24", OperatorID: "x"}, "exception.operator_id"},
		{"absence", catalog.Exception{Kind: catalog.ExceptionOperatorUnavailable, StartDate: "2026-12-24", OperatorID: "laura"}, ""},
		{"no kind", catalog.Exception{StartDate: "2026-12-24"}, "exception.kind"},
		{"bad date", catalog.Exception{Kind: catalog.ExceptionClosure, StartDate: "24/12/2026"}, "exception.start_date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			requireField(t, ValidateException(catalog.KindEvent, []string{"laura"}, tt.e), tt.wantField)
		})
	}
}

func requireField(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		require.NoError(t, err)
		return
	}
	var fe *fault.Error
	require.True(t, errors.As(err, &fe), "want a fault, got %v", err)
	require.Equal(t, fault.Invalid, fe.Kind)
	require.Equal(t, field, fe.Field)
	require.NotEmpty(t, fe.Message("it"))
	require.NotEmpty(t, fe.Message("en"))
}
