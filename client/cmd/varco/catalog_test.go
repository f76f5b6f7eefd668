package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

func TestLoadExampleCatalog(t *testing.T) {
	t.Parallel()
	f, err := loadCatalog("testdata/comune.yaml", nil)
	require.NoError(t, err)
	require.Equal(t, varcov1.OrganizationKind_ORGANIZATION_KIND_PUBLIC_OFFICE, f.Organization.Kind.V)
	cie := f.Resources[0].Children[0]
	require.Equal(t, []varcov1.Mode{varcov1.Mode_MODE_IN_PERSON}, []varcov1.Mode{cie.Modes[0].V})
	require.Equal(t, duration(2*time.Hour), cie.Policy.MinNotice)
	// Unquoted dates stay as written, not YAML timestamps.
	require.Equal(t, "2026-12-24", cie.Exceptions[0].StartDate)
	require.Equal(t, "Ufficio Anagrafe", f.Resources[0].Place)
	require.Empty(t, cie.Place, "children inherit the place")
	require.Nil(t, f.Resources[0].Children[1].Exceptions, "absent: left as the server has them")

	rules, err := rulesProto(cie.Rules, &varcov1.Resource{Operators: []*varcov1.Operator{
		{Id: "op-g", DisplayName: "Sportello 1 - Giulia"}, {Id: "op-p", DisplayName: "Sportello 2 - Paolo"},
	}})
	require.NoError(t, err)
	require.Len(t, rules, 7, "mon-fri mornings and two afternoons")
	require.Equal(t, []string{"op-g"}, rules[6].GetOperatorIds())
	require.Equal(t, 15*time.Minute, rules[0].GetSlotLength().AsDuration())
}

func TestWeekdays(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]weekdays{
		"mon":       {varcov1.Weekday_WEEKDAY_MONDAY},
		"Domenica":  {varcov1.Weekday_WEEKDAY_SUNDAY},
		"mon-wed":   {varcov1.Weekday_WEEKDAY_MONDAY, varcov1.Weekday_WEEKDAY_TUESDAY, varcov1.Weekday_WEEKDAY_WEDNESDAY},
		"sab - dom": {varcov1.Weekday_WEEKDAY_SATURDAY, varcov1.Weekday_WEEKDAY_SUNDAY},
		"5":         {varcov1.Weekday_WEEKDAY_FRIDAY},
	} {
		var got weekdays
		require.NoError(t, yaml.Unmarshal([]byte(in), &got), in)
		require.Equal(t, want, got, in)
	}
	for _, bad := range []string{"fri-mon", "weekend", "8"} {
		var got weekdays
		require.Error(t, yaml.Unmarshal([]byte(bad), &got), bad)
	}
}

func TestRulesKeyPresence(t *testing.T) {
	t.Parallel()
	var absent, empty resourceSpec
	require.NoError(t, yaml.Unmarshal([]byte("name: x\n"), &absent))
	require.NoError(t, yaml.Unmarshal([]byte("name: x\nrules: []\n"), &empty))
	require.Nil(t, absent.Rules, "no key: rules are not managed")
	require.NotNil(t, empty.Rules, "rules: [] closes the weekly schedule")
}

// The server's defaults and optional-field conventions read as no
// difference; a real change reads as one, with its path.
func TestCanonicalForms(t *testing.T) {
	t.Parallel()
	fromFile := &varcov1.Resource{
		Kind: varcov1.ResourceKind_RESOURCE_KIND_EVENT, Name: "Concerto ", Description: "Testo\n",
		Acknowledgements: []*varcov1.Acknowledgement{{Text: "Letto"}},
		Operators:        nil, Position: 1,
		Policy: &varcov1.BookingPolicy{OpensDaysAhead: 30},
	}
	fromServer := &varcov1.Resource{
		Id: "r1", OrganizationId: "o1", Depth: 1, Active: true,
		Kind: varcov1.ResourceKind_RESOURCE_KIND_EVENT, Name: "Concerto", Description: "Testo",
		Acknowledgements: []*varcov1.Acknowledgement{{Id: "a1", Text: "Letto"}}, Position: 1,
		Policy: &varcov1.BookingPolicy{
			OpensDaysAhead: 30, MinNotice: durationpb.New(0), HoldDuration: durationpb.New(10 * time.Minute),
			MaxConsecutiveSlots: 1, MaxSeatsPerBooking: 1, CancelCutoff: durationpb.New(0),
			Tickets: &varcov1.TicketPolicy{ValidBeforeStart: durationpb.New(0), ValidAfterEnd: durationpb.New(0)},
		},
	}
	require.Empty(t, diffFields(canonResource(fromFile), canonResource(fromServer)))

	fromFile.Policy.MinNotice = durationpb.New(time.Hour)
	fromFile.Acknowledgements[0].Text = "Letto e accettato"
	diff := diffFields(canonResource(fromFile), canonResource(fromServer))
	require.Equal(t, []string{"acknowledgements", "policy.min_notice"}, diffPaths(diff))
	require.Equal(t, "1h0m0s", diff[1].Want)
	require.Equal(t, "(unset)", diff[1].Have)

	// Appointment rules: the seats are the server's to derive; order and
	// operator order do not matter.
	a := []*varcov1.WeeklyRule{
		{Weekday: 2, StartTime: "09:00", EndTime: "12:00", SlotLength: durationpb.New(15 * time.Minute), OperatorIds: []string{"b", "a"}},
		{Weekday: 1, StartTime: "09:00", EndTime: "12:00", SlotLength: durationpb.New(15 * time.Minute)},
	}
	b := []*varcov1.WeeklyRule{
		{Weekday: 1, StartTime: "09:00", EndTime: "12:00", SlotLength: durationpb.New(15 * time.Minute), SeatsPerSlot: 2},
		{Weekday: 2, StartTime: "09:00", EndTime: "12:00", SlotLength: durationpb.New(15 * time.Minute), SeatsPerSlot: 2, OperatorIds: []string{"a", "b"}},
	}
	appointment := varcov1.ResourceKind_RESOURCE_KIND_APPOINTMENT
	require.True(t, proto.Equal(canonRules(appointment, a), canonRules(appointment, b)))
	require.False(t, proto.Equal(canonRules(varcov1.ResourceKind_RESOURCE_KIND_EVENT, a), canonRules(varcov1.ResourceKind_RESOURCE_KIND_EVENT, b)))

	// Exceptions match by content; the server fills the end date.
	require.Equal(t,
		exceptionKey(&varcov1.ScheduleException{Kind: 1, StartDate: "2026-12-25", Yearly: true, Reason: "Natale"}),
		exceptionKey(&varcov1.ScheduleException{Id: "e1", Kind: 1, StartDate: "2026-12-25", EndDate: "2026-12-25", Yearly: true, Reason: "Natale"}))
	require.NotEqual(t,
		exceptionKey(&varcov1.ScheduleException{Kind: 1, StartDate: "2026-12-25", Reason: "Natale"}),
		exceptionKey(&varcov1.ScheduleException{Kind: 1, StartDate: "2026-12-25", Reason: "Natale", Yearly: true}))
}

func TestEnumNames(t *testing.T) {
	t.Parallel()
	require.Equal(t, "no-show", enumName(varcov1.BookingStatus_BOOKING_STATUS_NO_SHOW))
	require.Equal(t, "available", enumName(varcov1.SlotState_SLOT_STATE_AVAILABLE))
	for _, in := range []string{"in_person", "in-person", "IN_PERSON"} {
		n, err := parseEnum(varcov1.Mode(0).Descriptor(), in)
		require.NoError(t, err, in)
		require.Equal(t, varcov1.Mode_MODE_IN_PERSON, varcov1.Mode(n))
	}
	_, err := parseEnum(varcov1.Mode(0).Descriptor(), "unspecified")
	require.EqualError(t, err, `"unspecified" is not one of in-person, phone, video-call`)
}

func TestSplitName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string][2]string{
		"Luigi Rossi":        {"Luigi", "Rossi"},
		"Maria Grazia Rossi": {"Maria Grazia", "Rossi"},
		"De Luca, Anna":      {"Anna", "De Luca"},
	} {
		g, f, err := splitName(in)
		require.NoError(t, err, in)
		require.Equal(t, want, [2]string{g, f}, in)
	}
	for _, bad := range []string{"Luigi", ", Anna", "  "} {
		_, _, err := splitName(bad)
		require.Error(t, err, bad)
		require.True(t, strings.Contains(err.Error(), "--for-name"))
	}
}
