package api

import (
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/varco-gate/varco/internal/catalog"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

func contactsPB(c catalog.Contacts) *varcov1.Contacts {
	return &varcov1.Contacts{Phone: c.Phone, Email: c.Email, Website: c.Website}
}

func organizationPB(o catalog.Organization) *varcov1.Organization {
	return &varcov1.Organization{
		Id: o.ID, Name: o.Name, Kind: varcov1.OrganizationKind(o.Kind), Description: o.Description,
		Contacts: contactsPB(o.Contacts), TaxCode: o.TaxCode,
	}
}

func placePB(p catalog.Place) *varcov1.Place {
	out := &varcov1.Place{
		Id: p.ID, OrganizationId: p.OrganizationID, Name: p.Name,
		Address: &varcov1.Address{
			Street: p.Address.Street, PostalCode: p.Address.PostalCode, City: p.Address.City,
			Province: p.Address.Province, Country: p.Address.Country,
		},
		Contacts: contactsPB(p.Contacts), TimeZone: p.TimeZone, Description: p.Description,
	}
	if p.Location != nil {
		out.Location = &varcov1.GeoPoint{Latitude: p.Location.Latitude, Longitude: p.Location.Longitude}
	}
	return out
}

func resourcePB(r catalog.Resource) *varcov1.Resource {
	out := &varcov1.Resource{
		Id: r.ID, OrganizationId: r.OrganizationID, PlaceId: r.PlaceID, ParentId: r.ParentID, Depth: int32(r.Depth),
		Kind: varcov1.ResourceKind(r.Kind), Name: r.Name, Description: r.Description,
		DocumentsToBring: r.DocumentsToBring, OperatorChoice: r.OperatorChoice, Ticketed: r.Ticketed,
		Position: int32(r.Position), Active: r.Active,
	}
	for _, a := range r.Acknowledgements {
		out.Acknowledgements = append(out.Acknowledgements, &varcov1.Acknowledgement{Id: a.ID, Text: a.Text})
	}
	for _, m := range r.Modes {
		out.Modes = append(out.Modes, varcov1.Mode(m))
	}
	for _, op := range r.Operators {
		out.Operators = append(out.Operators, &varcov1.Operator{Id: op.ID, DisplayName: op.DisplayName})
	}
	if r.Kind.Bookable() {
		out.Policy = policyPB(r.Policy)
	}
	out.GuestBooking = varcov1.GuestBooking(r.Guests)
	if r.Meeting.Kind != catalog.MeetingNone {
		out.Meeting = &varcov1.Meeting{Kind: varcov1.MeetingKind(r.Meeting.Kind), Url: r.Meeting.URL}
	}
	return out
}

func policyPB(p catalog.Policy) *varcov1.BookingPolicy {
	out := &varcov1.BookingPolicy{
		OpensDaysAhead: int32(p.OpensDaysAhead), MinNotice: durationpb.New(p.MinNotice), SameDayCutoff: p.SameDayCutoff,
		HoldDuration: durationpb.New(p.HoldDuration), MaxConsecutiveSlots: int32(p.MaxConsecutiveSlots),
		MaxSeatsPerBooking: int32(p.MaxSeatsPerBooking), MaxActiveBookingsPerPerson: int32(p.MaxActivePerPerson),
		CancelCutoff: durationpb.New(p.CancelCutoff),
		Tickets: &varcov1.TicketPolicy{
			ValidBeforeStart: durationpb.New(p.Tickets.ValidBeforeStart), ValidAfterEnd: durationpb.New(p.Tickets.ValidAfterEnd),
			AllowReentry: p.Tickets.AllowReentry, MaxInside: int32(p.Tickets.MaxInside),
		},
	}
	if p.ReminderLead > 0 {
		out.ReminderLead = durationpb.New(p.ReminderLead)
	}
	if p.WaitlistOffer > 0 {
		out.WaitlistOfferDuration = durationpb.New(p.WaitlistOffer)
	}
	if p.Tickets.OfflineMaxAge > 0 {
		out.Tickets.OfflineMaxAge = durationpb.New(p.Tickets.OfflineMaxAge)
	}
	if p.Tickets.MaxStay > 0 {
		out.Tickets.MaxStay = durationpb.New(p.Tickets.MaxStay)
		out.Tickets.WarningLead = durationpb.New(p.Tickets.WarningLead)
	}
	return out
}
