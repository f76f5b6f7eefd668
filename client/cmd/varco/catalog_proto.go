package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// The file's specs as API messages. Ids are filled in by the caller once
// it knows them.

func (c contactsSpec) proto() *varcov1.Contacts {
	return &varcov1.Contacts{Phone: c.Phone, Email: c.Email, Website: c.Website}
}

func (o orgSpec) proto() *varcov1.Organization {
	return &varcov1.Organization{
		Name: o.Name, Kind: o.Kind.V, Description: o.Description, TaxCode: o.TaxCode, Contacts: o.Contacts.proto(),
	}
}

func (p placeSpec) proto(orgID string) *varcov1.Place {
	out := &varcov1.Place{
		OrganizationId: orgID, Name: p.Name, TimeZone: p.TimeZone, Description: p.Description,
		Address: &varcov1.Address{
			Street: p.Address.Street, PostalCode: p.Address.PostalCode, City: p.Address.City,
			Province: p.Address.Province, Country: p.Address.Country,
		},
		Contacts: p.Contacts.proto(),
	}
	if p.Location != nil {
		out.Location = &varcov1.GeoPoint{Latitude: p.Location.Latitude, Longitude: p.Location.Longitude}
	}
	return out
}

// operatorRef names an operator by display name: with its id when the
// organization already has one by that name, so it is reused rather than
// created twice.
type operatorRef func(name string) *varcov1.Operator

func (r resourceSpec) proto(orgID, placeID, parentID string, position int, ops operatorRef) *varcov1.Resource {
	out := &varcov1.Resource{
		OrganizationId: orgID, PlaceId: placeID, ParentId: parentID, Kind: r.Kind.V, Name: r.Name,
		Description: r.Description, DocumentsToBring: r.Documents, OperatorChoice: r.OperatorChoice,
		Ticketed: r.Ticketed, Position: int32(position), Active: true,
	}
	if r.Position != nil {
		out.Position = int32(*r.Position)
	}
	for _, text := range r.Acknowledgements {
		out.Acknowledgements = append(out.Acknowledgements, &varcov1.Acknowledgement{Text: text})
	}
	for _, m := range r.Modes {
		out.Modes = append(out.Modes, m.V)
	}
	out.GuestBooking = r.GuestBooking.V
	if m := r.Meeting; m != nil {
		out.Meeting = &varcov1.Meeting{Kind: m.Kind.V, Url: m.URL}
	}
	for _, name := range r.Operators {
		out.Operators = append(out.Operators, ops(name))
	}
	if p := r.Policy; p != nil {
		out.Policy = &varcov1.BookingPolicy{
			OpensDaysAhead: int32(p.OpensDaysAhead), MinNotice: dur(p.MinNotice), SameDayCutoff: p.SameDayCutoff,
			HoldDuration: dur(p.HoldDuration), MaxConsecutiveSlots: int32(p.MaxConsecutiveSlots),
			MaxSeatsPerBooking: int32(p.MaxSeatsPerBooking), MaxActiveBookingsPerPerson: int32(p.MaxActiveBookingsPerPerson),
			CancelCutoff: dur(p.CancelCutoff), ReminderLead: dur(p.ReminderLead),
		}
		if t := p.Tickets; t != nil {
			out.Policy.Tickets = &varcov1.TicketPolicy{
				ValidBeforeStart: dur(t.ValidBeforeStart), ValidAfterEnd: dur(t.ValidAfterEnd),
				MaxStay: dur(t.MaxStay), WarningLead: dur(t.WarningLead), AllowReentry: t.AllowReentry,
				MaxInside: t.MaxInside, OfflineMaxAge: dur(t.OfflineMaxAge),
			}
		}
	}
	return out
}

// dur leaves zero unset, as the server does for optional durations.
func dur(d duration) *durationpb.Duration {
	if d == 0 {
		return nil
	}
	return durationpb.New(time.Duration(d))
}

// operatorIDs resolves display names against the resource's operators.
func operatorIDs(r *varcov1.Resource, names []string, at string) ([]string, error) {
	var ids []string
	for _, name := range names {
		i := slices.IndexFunc(r.GetOperators(), func(op *varcov1.Operator) bool {
			return strings.TrimSpace(op.GetDisplayName()) == strings.TrimSpace(name)
		})
		if i < 0 {
			return nil, fmt.Errorf("%s: %q is not an operator of this resource (list it under operators)", at, name)
		}
		ids = append(ids, r.GetOperators()[i].GetId())
	}
	return ids, nil
}

// rulesProto expands the file's rules into one WeeklyRule per weekday.
func rulesProto(specs []ruleSpec, r *varcov1.Resource) ([]*varcov1.WeeklyRule, error) {
	var out []*varcov1.WeeklyRule
	for i, s := range specs {
		ids, err := operatorIDs(r, s.Operators, fmt.Sprintf("rules[%d].operators", i))
		if err != nil {
			return nil, err
		}
		for _, group := range s.Weekdays {
			for _, day := range group {
				out = append(out, &varcov1.WeeklyRule{
					Weekday: day, StartTime: s.StartTime, EndTime: s.EndTime, SlotLength: dur(s.SlotLength),
					SeatsPerSlot: int32(s.SeatsPerSlot), OperatorIds: ids, ValidFrom: s.ValidFrom, ValidUntil: s.ValidUntil,
				})
			}
		}
	}
	return out, nil
}

func (e exceptionSpec) proto(r *varcov1.Resource, at string) (*varcov1.ScheduleException, error) {
	out := &varcov1.ScheduleException{
		Kind: e.Kind.V, StartDate: e.StartDate, EndDate: e.EndDate, StartTime: e.StartTime, EndTime: e.EndTime,
		Yearly: e.Yearly, Reason: e.Reason, SlotLength: dur(e.SlotLength), SeatsPerSlot: int32(e.SeatsPerSlot),
	}
	if e.Operator != "" {
		ids, err := operatorIDs(r, []string{e.Operator}, at+".operator")
		if err != nil {
			return nil, err
		}
		out.OperatorId = ids[0]
	}
	return out, nil
}
