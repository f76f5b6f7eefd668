package api

import (
	"time"

	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/varco-gate/varco/internal/catalog"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// Request messages to domain values. These only copy: enum values outside
// the known set and out-of-range numbers pass through unchanged, so that
// catalog validation reports them with the field's path instead of the
// conversion hiding them.

func contactsIn(c *varcov1.Contacts) catalog.Contacts {
	return catalog.Contacts{Phone: c.GetPhone(), Email: c.GetEmail(), Website: c.GetWebsite()}
}

func organizationIn(o *varcov1.Organization) catalog.Organization {
	return catalog.Organization{
		ID: o.GetId(), Name: o.GetName(), Kind: catalog.OrgKind(o.GetKind()), Description: o.GetDescription(),
		Contacts: contactsIn(o.GetContacts()), TaxCode: o.GetTaxCode(),
	}
}

func placeIn(p *varcov1.Place) catalog.Place {
	a := p.GetAddress()
	out := catalog.Place{
		ID: p.GetId(), OrganizationID: p.GetOrganizationId(), Name: p.GetName(),
		Address: catalog.Address{
			Street: a.GetStreet(), PostalCode: a.GetPostalCode(), City: a.GetCity(),
			Province: a.GetProvince(), Country: a.GetCountry(),
		},
		Contacts: contactsIn(p.GetContacts()), TimeZone: p.GetTimeZone(), Description: p.GetDescription(),
	}
	// A location message that is present, even at 0,0, is a position; only
	// its absence means "not on the map".
	if l := p.GetLocation(); l != nil {
		out.Location = &catalog.GeoPoint{Latitude: l.GetLatitude(), Longitude: l.GetLongitude()}
	}
	return out
}

func resourceIn(r *varcov1.Resource) catalog.Resource {
	out := catalog.Resource{
		ID: r.GetId(), OrganizationID: r.GetOrganizationId(), PlaceID: r.GetPlaceId(), ParentID: r.GetParentId(),
		Kind: catalog.ResourceKind(r.GetKind()), Name: r.GetName(), Description: r.GetDescription(),
		DocumentsToBring: r.GetDocumentsToBring(), OperatorChoice: r.GetOperatorChoice(), Ticketed: r.GetTicketed(),
		Position: int(r.GetPosition()), Active: r.GetActive(), Policy: policyIn(r.GetPolicy()),
		Meeting: catalog.Meeting{Kind: catalog.MeetingKind(r.GetMeeting().GetKind()), URL: r.GetMeeting().GetUrl()},
		Guests:  catalog.GuestBooking(r.GetGuestBooking()),
	}
	for _, a := range r.GetAcknowledgements() {
		out.Acknowledgements = append(out.Acknowledgements, catalog.Acknowledgement{ID: a.GetId(), Text: a.GetText()})
	}
	for _, m := range r.GetModes() {
		out.Modes = append(out.Modes, catalog.Mode(m))
	}
	for _, op := range r.GetOperators() {
		out.Operators = append(out.Operators, catalog.Operator{ID: op.GetId(), DisplayName: op.GetDisplayName()})
	}
	return out
}

// policyIn maps an absent policy to the zero Policy, which validation
// fills with the defaults (and which is the only policy a group may have).
func policyIn(p *varcov1.BookingPolicy) catalog.Policy {
	t := p.GetTickets()
	return catalog.Policy{
		OpensDaysAhead: int(p.GetOpensDaysAhead()), MinNotice: durationIn(p.GetMinNotice()),
		SameDayCutoff: p.GetSameDayCutoff(), HoldDuration: durationIn(p.GetHoldDuration()),
		MaxConsecutiveSlots: int(p.GetMaxConsecutiveSlots()), MaxSeatsPerBooking: int(p.GetMaxSeatsPerBooking()),
		MaxActivePerPerson: int(p.GetMaxActiveBookingsPerPerson()), CancelCutoff: durationIn(p.GetCancelCutoff()),
		ReminderLead: durationIn(p.GetReminderLead()), WaitlistOffer: durationIn(p.GetWaitlistOfferDuration()),
		Tickets: catalog.TicketPolicy{
			ValidBeforeStart: durationIn(t.GetValidBeforeStart()), ValidAfterEnd: durationIn(t.GetValidAfterEnd()),
			MaxStay: durationIn(t.GetMaxStay()), WarningLead: durationIn(t.GetWarningLead()),
			AllowReentry: t.GetAllowReentry(), MaxInside: int(t.GetMaxInside()),
			OfflineMaxAge: durationIn(t.GetOfflineMaxAge()),
		},
	}
}

// durationIn reads an unset duration as zero. AsDuration saturates values
// beyond ±292 years, which validation then refuses as too long or
// negative.
func durationIn(d *durationpb.Duration) time.Duration {
	if d == nil {
		return 0
	}
	return d.AsDuration()
}
