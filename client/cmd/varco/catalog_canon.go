package main

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/durationpb"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// Canonical forms: what the file says and what the server returns, reduced
// to what the file controls and with the server's defaults applied, so
// that "no difference" means "nothing to send". Ids the file cannot know
// (acknowledgements, operators) are replaced by their texts and names;
// what apply does not manage (a resource paused by the organizer, its
// depth) is left out.

// The server's defaults for a place's zone and a hold's duration.
const (
	defaultTimeZone     = "Europe/Rome"
	defaultHoldDuration = 10 * time.Minute
)

func canonContacts(c *varcov1.Contacts) *varcov1.Contacts {
	out := &varcov1.Contacts{
		Phone: strings.TrimSpace(c.GetPhone()), Email: strings.TrimSpace(c.GetEmail()), Website: strings.TrimSpace(c.GetWebsite()),
	}
	if proto.Equal(out, &varcov1.Contacts{}) {
		return nil
	}
	return out
}

func canonOrg(o *varcov1.Organization) *varcov1.Organization {
	return &varcov1.Organization{
		Name: strings.TrimSpace(o.GetName()), Kind: o.GetKind(), Description: strings.TrimSpace(o.GetDescription()),
		Contacts: canonContacts(o.GetContacts()), TaxCode: strings.ToUpper(strings.TrimSpace(o.GetTaxCode())),
	}
}

func canonPlace(p *varcov1.Place) *varcov1.Place {
	a := p.GetAddress()
	country := strings.ToUpper(strings.TrimSpace(a.GetCountry()))
	if country == "" {
		country = "IT"
	}
	tz := strings.TrimSpace(p.GetTimeZone())
	if tz == "" {
		tz = defaultTimeZone
	}
	out := &varcov1.Place{
		Name: strings.TrimSpace(p.GetName()), TimeZone: tz, Description: strings.TrimSpace(p.GetDescription()),
		Address: &varcov1.Address{
			Street: strings.TrimSpace(a.GetStreet()), PostalCode: strings.TrimSpace(a.GetPostalCode()),
			City: strings.TrimSpace(a.GetCity()), Province: strings.TrimSpace(a.GetProvince()), Country: country,
		},
		Contacts: canonContacts(p.GetContacts()),
	}
	if l := p.GetLocation(); l != nil {
		out.Location = &varcov1.GeoPoint{Latitude: l.GetLatitude(), Longitude: l.GetLongitude()}
	}
	return out
}

func canonResource(r *varcov1.Resource) *varcov1.Resource {
	out := &varcov1.Resource{
		PlaceId: r.GetPlaceId(), ParentId: r.GetParentId(), Kind: r.GetKind(), Name: strings.TrimSpace(r.GetName()),
		Description: strings.TrimSpace(r.GetDescription()), OperatorChoice: r.GetOperatorChoice(),
		Ticketed: r.GetTicketed(), Position: r.GetPosition(),
	}
	for _, d := range r.GetDocumentsToBring() {
		out.DocumentsToBring = append(out.DocumentsToBring, strings.TrimSpace(d))
	}
	for _, a := range r.GetAcknowledgements() {
		out.Acknowledgements = append(out.Acknowledgements, &varcov1.Acknowledgement{Text: strings.TrimSpace(a.GetText())})
	}
	for _, m := range r.GetModes() {
		if !slices.Contains(out.Modes, m) { // the server drops repeats
			out.Modes = append(out.Modes, m)
		}
	}
	for _, op := range r.GetOperators() {
		out.Operators = append(out.Operators, &varcov1.Operator{DisplayName: strings.TrimSpace(op.GetDisplayName())})
	}
	if r.GetKind() != varcov1.ResourceKind_RESOURCE_KIND_GROUP {
		out.Policy = canonPolicy(r.GetPolicy())
	}
	out.GuestBooking = r.GetGuestBooking()
	if m := r.GetMeeting(); m.GetKind() != varcov1.MeetingKind_MEETING_KIND_UNSPECIFIED {
		out.Meeting = &varcov1.Meeting{Kind: m.GetKind(), Url: strings.TrimSpace(m.GetUrl())}
	}
	return out
}

// canonPolicy applies the server's defaults: a 10-minute hold, one slot
// and one seat per booking; unset and zero durations are the same.
func canonPolicy(p *varcov1.BookingPolicy) *varcov1.BookingPolicy {
	out := &varcov1.BookingPolicy{
		OpensDaysAhead: p.GetOpensDaysAhead(), MinNotice: canonDur(p.GetMinNotice()),
		SameDayCutoff: strings.TrimSpace(p.GetSameDayCutoff()), HoldDuration: canonDur(p.GetHoldDuration()),
		MaxConsecutiveSlots: max(p.GetMaxConsecutiveSlots(), 1), MaxSeatsPerBooking: max(p.GetMaxSeatsPerBooking(), 1),
		MaxActiveBookingsPerPerson: p.GetMaxActiveBookingsPerPerson(), CancelCutoff: canonDur(p.GetCancelCutoff()),
		ReminderLead: canonDur(p.GetReminderLead()),
	}
	if out.HoldDuration == nil {
		out.HoldDuration = durationpb.New(defaultHoldDuration)
	}
	t := p.GetTickets()
	tickets := &varcov1.TicketPolicy{
		ValidBeforeStart: canonDur(t.GetValidBeforeStart()), ValidAfterEnd: canonDur(t.GetValidAfterEnd()),
		MaxStay: canonDur(t.GetMaxStay()), WarningLead: canonDur(t.GetWarningLead()), AllowReentry: t.GetAllowReentry(),
		MaxInside: t.GetMaxInside(), OfflineMaxAge: canonDur(t.GetOfflineMaxAge()),
	}
	if !proto.Equal(tickets, &varcov1.TicketPolicy{}) {
		out.Tickets = tickets
	}
	return out
}

func canonDur(d *durationpb.Duration) *durationpb.Duration {
	if d.AsDuration() == 0 {
		return nil
	}
	return durationpb.New(d.AsDuration())
}

// canonRules sorts the rules as the server lists them, and for
// appointments drops the seats, which the server derives from the
// operators working.
func canonRules(kind varcov1.ResourceKind, rules []*varcov1.WeeklyRule) *varcov1.Schedule {
	out := &varcov1.Schedule{}
	for _, r := range rules {
		c := &varcov1.WeeklyRule{
			Weekday: r.GetWeekday(), StartTime: r.GetStartTime(), EndTime: r.GetEndTime(), SlotLength: canonDur(r.GetSlotLength()),
			SeatsPerSlot: r.GetSeatsPerSlot(), OperatorIds: slices.Sorted(slices.Values(r.GetOperatorIds())),
			ValidFrom: r.GetValidFrom(), ValidUntil: r.GetValidUntil(),
		}
		if kind == varcov1.ResourceKind_RESOURCE_KIND_APPOINTMENT {
			c.SeatsPerSlot = 0
		}
		out.Rules = append(out.Rules, c)
	}
	slices.SortFunc(out.Rules, func(a, b *varcov1.WeeklyRule) int {
		return cmp.Or(cmp.Compare(a.GetWeekday(), b.GetWeekday()), cmp.Compare(a.GetStartTime(), b.GetStartTime()),
			cmp.Compare(a.GetValidFrom(), b.GetValidFrom()), cmp.Compare(a.GetEndTime(), b.GetEndTime()))
	})
	return out
}

// canonException drops the id and applies "end date = start date".
func canonException(e *varcov1.ScheduleException) *varcov1.ScheduleException {
	out := &varcov1.ScheduleException{
		Kind: e.GetKind(), StartDate: e.GetStartDate(), EndDate: e.GetEndDate(), StartTime: e.GetStartTime(),
		EndTime: e.GetEndTime(), Yearly: e.GetYearly(), OperatorId: e.GetOperatorId(), Reason: strings.TrimSpace(e.GetReason()),
		SlotLength: canonDur(e.GetSlotLength()), SeatsPerSlot: e.GetSeatsPerSlot(),
	}
	if out.EndDate == "" {
		out.EndDate = out.StartDate
	}
	return out
}

// exceptionKey identifies an exception by content: two exceptions are the
// same when every field the organizer writes is.
func exceptionKey(e *varcov1.ScheduleException) string {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(canonException(e))
	if err != nil {
		panic(err) // a message built here always marshals
	}
	return string(b)
}

// fieldDiff is one field that differs, with both values for messages.
type fieldDiff struct {
	Path       string
	Want, Have string
}

// diffFields lists the leaf fields where want and have differ, as paths
// such as "policy.min_notice".
func diffFields(want, have proto.Message) []fieldDiff {
	var out []fieldDiff
	diffMessages("", want.ProtoReflect(), have.ProtoReflect(), &out)
	return out
}

func diffMessages(prefix string, a, b protoreflect.Message, out *[]fieldDiff) {
	fields := a.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		path := prefix + string(fd.Name())
		va, vb := a.Get(fd), b.Get(fd)
		if va.Equal(vb) {
			continue
		}
		if fd.Message() != nil && !fd.IsList() && !fd.IsMap() && a.Has(fd) && b.Has(fd) &&
			fd.Message().FullName() != "google.protobuf.Duration" {
			diffMessages(path+".", va.Message(), vb.Message(), out)
			continue
		}
		*out = append(*out, fieldDiff{Path: path, Want: showValue(fd, va, a.Has(fd)), Have: showValue(fd, vb, b.Has(fd))})
	}
}

// showValue renders a value for a warning: scalars as written, the rest
// as compact JSON.
func showValue(fd protoreflect.FieldDescriptor, v protoreflect.Value, set bool) string {
	switch {
	case !set && fd.Message() != nil && !fd.IsList():
		return "(unset)"
	case fd.IsList():
		parts := make([]string, v.List().Len())
		for i := range parts {
			parts[i] = showScalar(fd, v.List().Get(i))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return showScalar(fd, v)
}

func showScalar(fd protoreflect.FieldDescriptor, v protoreflect.Value) string {
	switch {
	case fd.Message() != nil:
		if d, ok := v.Message().Interface().(*durationpb.Duration); ok {
			return d.AsDuration().String()
		}
		b, _ := protojson.Marshal(v.Message().Interface())
		return string(b)
	case fd.Enum() != nil:
		if ev := fd.Enum().Values().ByNumber(v.Enum()); ev != nil {
			return strings.ToLower(strings.TrimPrefix(string(ev.Name()), enumPrefix(fd.Enum())))
		}
	case fd.Kind() == protoreflect.StringKind:
		return fmt.Sprintf("%q", v.String())
	}
	return fmt.Sprint(v.Interface())
}

func diffPaths(d []fieldDiff) []string {
	out := make([]string, len(d))
	for i, f := range d {
		out[i] = f.Path
	}
	return out
}
