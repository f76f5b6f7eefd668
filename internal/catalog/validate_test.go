package catalog

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/fault"
)

// requireInvalid checks that err is an Invalid fault naming field, with a
// message in both languages.
func requireInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var fe *fault.Error
	require.True(t, errors.As(err, &fe), "want a fault for %s, got %v", field, err)
	require.Equal(t, fault.Invalid, fe.Kind)
	require.Equal(t, field, fe.Field)
	require.NotEmpty(t, fe.Code)
	require.NotEmpty(t, fe.Message("it"))
	require.NotEmpty(t, fe.Message("en"))
	require.NotEqual(t, fe.Message("it"), fe.Message("en"), "a real translation")
}

func validOrg() Organization {
	return Organization{
		Name: "Comune di Curtatone", Kind: OrgPublicOffice, Description: "Servizi al cittadino.",
		Contacts: Contacts{Phone: "0376 123456", Email: "urp@Comune.Curtatone.MN.it", Website: "https://www.comune.curtatone.mn.it"},
		TaxCode:  "00314000209",
	}
}

func TestValidateOrganization(t *testing.T) {
	t.Parallel()
	got, err := ValidateOrganization(validOrg())
	require.NoError(t, err)
	require.Equal(t, "+390376123456", got.Contacts.Phone, "E.164")
	require.Equal(t, "urp@comune.curtatone.mn.it", got.Contacts.Email, "domain lower-cased")

	sole := validOrg()
	sole.TaxCode = " rssmra85t10a562s "
	got, err = ValidateOrganization(sole)
	require.NoError(t, err, "a sole trader's personal codice fiscale")
	require.Equal(t, "RSSMRA85T10A562S", got.TaxCode)

	empty := Organization{Name: "Bar Sport", Kind: OrgBusiness}
	_, err = ValidateOrganization(empty)
	require.NoError(t, err, "contacts and tax code are optional")

	tests := []struct {
		name   string
		mutate func(*Organization)
		field  string
	}{
		{"no name", func(o *Organization) { o.Name = "   " }, "organization.name"},
		{"long name", func(o *Organization) { o.Name = strings.Repeat("à", 201) }, "organization.name"},
		{"name on two lines", func(o *Organization) { o.Name = "Comune\ndi Curtatone" }, "organization.name"},
		{"no kind", func(o *Organization) { o.Kind = 0 }, "organization.kind"},
		{"unknown kind", func(o *Organization) { o.Kind = 9 }, "organization.kind"},
		{"long description", func(o *Organization) { o.Description = strings.Repeat("x", 4001) }, "organization.description"},
		{"bad email", func(o *Organization) { o.Contacts.Email = "urp@comune" }, "organization.contacts.email"},
		{"bad phone", func(o *Organization) { o.Contacts.Phone = "12" }, "organization.contacts.phone"},
		{"http website", func(o *Organization) { o.Contacts.Website = "http://comune.example" }, "organization.contacts.website"},
		{"relative website", func(o *Organization) { o.Contacts.Website = "www.comune.example" }, "organization.contacts.website"},
		{"website with credentials", func(o *Organization) { o.Contacts.Website = "https://u:p@comune.example" }, "organization.contacts.website"},
		{"tax code check digit", func(o *Organization) { o.TaxCode = "00314000208" }, "organization.tax_code"},
		{"tax code length", func(o *Organization) { o.TaxCode = "0031400020" }, "organization.tax_code"},
		{"bad codice fiscale", func(o *Organization) { o.TaxCode = "RSSMRA85T10A562X" }, "organization.tax_code"},
		{"VAT prefix", func(o *Organization) { o.TaxCode = "IT00314000209" }, "organization.tax_code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := validOrg()
			tt.mutate(&o)
			_, err := ValidateOrganization(o)
			requireInvalid(t, err, tt.field)
		})
	}
}

func validPlace() Place {
	return Place{
		OrganizationID: "org", Name: "Ufficio Anagrafe",
		Address:  Address{Street: "Piazza Corte Spagnola 1", PostalCode: "46010", City: "Curtatone", Province: "MN"},
		Location: &GeoPoint{Latitude: 45.15, Longitude: 10.74},
		Contacts: Contacts{Email: "anagrafe@comune.example"},
	}
}

func TestValidatePlace(t *testing.T) {
	t.Parallel()
	got, err := ValidatePlace(validPlace())
	require.NoError(t, err)
	require.Equal(t, "Europe/Rome", got.TimeZone, "default zone")
	require.Equal(t, "IT", got.Address.Country, "default country")

	p := validPlace()
	p.TimeZone, p.Address.Country, p.Location = "America/New_York", "us", &GeoPoint{}
	got, err = ValidatePlace(p)
	require.NoError(t, err)
	require.Equal(t, "US", got.Address.Country)
	require.Equal(t, &GeoPoint{}, got.Location, "0,0 is a position like any other")

	tests := []struct {
		name   string
		mutate func(*Place)
		field  string
	}{
		{"no name", func(p *Place) { p.Name = "" }, "place.name"},
		{"long street", func(p *Place) { p.Address.Street = strings.Repeat("x", 201) }, "place.address.street"},
		{"long postal code", func(p *Place) { p.Address.PostalCode = strings.Repeat("1", 17) }, "place.address.postal_code"},
		{"long city", func(p *Place) { p.Address.City = strings.Repeat("x", 101) }, "place.address.city"},
		{"long province", func(p *Place) { p.Address.Province = strings.Repeat("x", 101) }, "place.address.province"},
		{"country name", func(p *Place) { p.Address.Country = "Italia" }, "place.address.country"},
		{"country digits", func(p *Place) { p.Address.Country = "39" }, "place.address.country"},
		{"unknown zone", func(p *Place) { p.TimeZone = "Europe/Atlantis" }, "place.time_zone"},
		{"server zone", func(p *Place) { p.TimeZone = "Local" }, "place.time_zone"},
		{"zone path", func(p *Place) { p.TimeZone = "../../etc/passwd" }, "place.time_zone"},
		{"latitude", func(p *Place) { p.Location = &GeoPoint{Latitude: 90.5} }, "place.location.latitude"},
		{"latitude NaN", func(p *Place) { p.Location = &GeoPoint{Latitude: math.NaN()} }, "place.location.latitude"},
		{"longitude", func(p *Place) { p.Location = &GeoPoint{Longitude: -180.1} }, "place.location.longitude"},
		{"bad email", func(p *Place) { p.Contacts.Email = "anagrafe" }, "place.contacts.email"},
		{"bad phone", func(p *Place) { p.Contacts.Phone = "333+1" }, "place.contacts.phone"},
		{"bad website", func(p *Place) { p.Contacts.Website = "ftp://comune.example" }, "place.contacts.website"},
		{"long description", func(p *Place) { p.Description = strings.Repeat("x", 4001) }, "place.description"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := validPlace()
			tt.mutate(&p)
			_, err := ValidatePlace(p)
			requireInvalid(t, err, tt.field)
		})
	}
}

func validAppointment() Resource {
	return Resource{
		OrganizationID: "org", PlaceID: "place", Kind: KindAppointment, Name: "Carta d'identità elettronica",
		DocumentsToBring: []string{"Fototessera", "Vecchia carta d'identità"},
		Acknowledgements: []Acknowledgement{{Text: "Ho letto cosa portare"}},
		Modes:            []Mode{ModeInPerson},
		Operators:        []Operator{{ID: "op-1"}, {DisplayName: "Sportello 2"}},
		OperatorChoice:   true,
		Policy:           Policy{OpensDaysAhead: 60, MinNotice: 2 * time.Hour, SameDayCutoff: "12:00"},
	}
}

func validEvent() Resource {
	return Resource{
		OrganizationID: "org", PlaceID: "place", Kind: KindEvent, Name: "Visita guidata", Ticketed: true,
		Policy: Policy{MaxSeatsPerBooking: 6, Tickets: TicketPolicy{MaxStay: 90 * time.Minute, WarningLead: 10 * time.Minute}},
	}
}

func TestValidateResourceNormalizes(t *testing.T) {
	t.Parallel()
	r := validAppointment()
	r.Name = "  Carta d'identità  "
	r.Modes = []Mode{ModePhone, ModeInPerson, ModePhone}
	r.Operators[0].DisplayName = "ignored: the stored name wins"
	got, err := ValidateResource(r)
	require.NoError(t, err)
	require.Equal(t, "Carta d'identità", got.Name)
	require.Equal(t, []Mode{ModePhone, ModeInPerson}, got.Modes)
	require.Equal(t, []Operator{{ID: "op-1"}, {DisplayName: "Sportello 2"}}, got.Operators)
	require.Equal(t, DefaultHoldDuration, got.Policy.HoldDuration)
	require.Equal(t, 1, got.Policy.MaxConsecutiveSlots)
	require.Equal(t, 1, got.Policy.MaxSeatsPerBooking)

	got, err = ValidateResource(validEvent())
	require.NoError(t, err)
	require.Equal(t, 6, got.Policy.MaxSeatsPerBooking)

	group := Resource{PlaceID: "place", Kind: KindGroup, Name: "Servizi anagrafici", DocumentsToBring: []string{"Documento"}}
	got, err = ValidateResource(group)
	require.NoError(t, err)
	require.Equal(t, Policy{}, got.Policy, "a group keeps no policy")
}

func TestValidateResource(t *testing.T) {
	t.Parallel()
	tooMany := func(n int, s string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = s
		}
		return out
	}
	tests := []struct {
		name   string
		base   func() Resource
		mutate func(*Resource)
		field  string
	}{
		{"no kind", validAppointment, func(r *Resource) { r.Kind = 0 }, "resource.kind"},
		{"unknown kind", validAppointment, func(r *Resource) { r.Kind = 4 }, "resource.kind"},
		{"no place", validAppointment, func(r *Resource) { r.PlaceID = "" }, "resource.place_id"},
		{"no name", validAppointment, func(r *Resource) { r.Name = " " }, "resource.name"},
		{"long name", validAppointment, func(r *Resource) { r.Name = strings.Repeat("n", 201) }, "resource.name"},
		{"long description", validAppointment, func(r *Resource) { r.Description = strings.Repeat("d", 4001) }, "resource.description"},
		{"too many documents", validAppointment, func(r *Resource) { r.DocumentsToBring = tooMany(31, "doc") }, "resource.documents_to_bring"},
		{"long document", validAppointment, func(r *Resource) { r.DocumentsToBring[1] = strings.Repeat("d", 301) }, "resource.documents_to_bring[1]"},
		{"empty document", validAppointment, func(r *Resource) { r.DocumentsToBring[0] = "" }, "resource.documents_to_bring[0]"},
		{"too many acknowledgements", validAppointment, func(r *Resource) {
			r.Acknowledgements = make([]Acknowledgement, 11)
		}, "resource.acknowledgements"},
		{"empty acknowledgement", validAppointment, func(r *Resource) {
			r.Acknowledgements = []Acknowledgement{{Text: "a"}, {Text: "b"}, {Text: "  "}}
		}, "resource.acknowledgements[2].text"},
		{"long acknowledgement", validAppointment, func(r *Resource) {
			r.Acknowledgements[0].Text = strings.Repeat("a", 501)
		}, "resource.acknowledgements[0].text"},
		{"repeated acknowledgement id", validAppointment, func(r *Resource) {
			r.Acknowledgements = []Acknowledgement{{ID: "a", Text: "a"}, {ID: "a", Text: "b"}}
		}, "resource.acknowledgements[1].id"},
		{"unknown mode", validAppointment, func(r *Resource) { r.Modes = []Mode{ModeInPerson, 7} }, "resource.modes[1]"},
		{"too many operators", validAppointment, func(r *Resource) {
			r.Operators = make([]Operator, 101)
		}, "resource.operators"},
		{"repeated operator", validAppointment, func(r *Resource) {
			r.Operators = []Operator{{ID: "x"}, {ID: "x"}}
		}, "resource.operators[1].id"},
		{"new operator without name", validAppointment, func(r *Resource) {
			r.Operators = []Operator{{ID: "x"}, {DisplayName: " "}}
		}, "resource.operators[1].display_name"},
		{"new operator long name", validAppointment, func(r *Resource) {
			r.Operators = []Operator{{DisplayName: strings.Repeat("o", 101)}}
		}, "resource.operators[0].display_name"},
		{"appointment without operators", validAppointment, func(r *Resource) { r.Operators = nil }, "resource.operators"},
		{"appointment with two seats", validAppointment, func(r *Resource) { r.Policy.MaxSeatsPerBooking = 2 }, "resource.policy.max_seats_per_booking"},
		{"appointment tickets", validAppointment, func(r *Resource) { r.Policy.Tickets.ValidBeforeStart = time.Minute }, "resource.policy.tickets"},
		{"event operator choice", validEvent, func(r *Resource) { r.OperatorChoice = true }, "resource.operator_choice"},
		{"group operators", validGroup, func(r *Resource) { r.Operators = []Operator{{ID: "x"}} }, "resource.operators"},
		{"group operator choice", validGroup, func(r *Resource) { r.OperatorChoice = true }, "resource.operator_choice"},
		{"group tickets", validGroup, func(r *Resource) { r.Ticketed = true }, "resource.ticketed"},
		{"group acknowledgements", validGroup, func(r *Resource) {
			r.Acknowledgements = []Acknowledgement{{Text: "a"}}
		}, "resource.acknowledgements"},
		{"group policy", validGroup, func(r *Resource) { r.Policy.OpensDaysAhead = 30 }, "resource.policy"},
		{"negative notice", validAppointment, func(r *Resource) { r.Policy.MinNotice = -time.Minute }, "resource.policy.min_notice"},
		{"negative cancel cutoff", validAppointment, func(r *Resource) { r.Policy.CancelCutoff = -1 * time.Second }, "resource.policy.cancel_cutoff"},
		{"negative reminder", validAppointment, func(r *Resource) { r.Policy.ReminderLead = -time.Hour }, "resource.policy.reminder_lead"},
		{"huge notice", validAppointment, func(r *Resource) { r.Policy.MinNotice = 1000 * 24 * time.Hour }, "resource.policy.min_notice"},
		{"fractional hold", validAppointment, func(r *Resource) { r.Policy.HoldDuration = 1500 * time.Millisecond }, "resource.policy.hold_duration"},
		{"negative hold", validAppointment, func(r *Resource) { r.Policy.HoldDuration = -time.Minute }, "resource.policy.hold_duration"},
		{"long hold", validAppointment, func(r *Resource) { r.Policy.HoldDuration = 61 * time.Minute }, "resource.policy.hold_duration"},
		{"short hold", validAppointment, func(r *Resource) { r.Policy.HoldDuration = 30 * time.Second }, "resource.policy.hold_duration"},
		{"too many slots", validAppointment, func(r *Resource) { r.Policy.MaxConsecutiveSlots = 17 }, "resource.policy.max_consecutive_slots"},
		{"negative slots", validAppointment, func(r *Resource) { r.Policy.MaxConsecutiveSlots = -1 }, "resource.policy.max_consecutive_slots"},
		{"too many seats", validEvent, func(r *Resource) { r.Policy.MaxSeatsPerBooking = 101 }, "resource.policy.max_seats_per_booking"},
		{"negative active limit", validAppointment, func(r *Resource) { r.Policy.MaxActivePerPerson = -1 }, "resource.policy.max_active_bookings_per_person"},
		{"cutoff format", validAppointment, func(r *Resource) { r.Policy.SameDayCutoff = "12.00" }, "resource.policy.same_day_cutoff"},
		{"cutoff 24:00", validAppointment, func(r *Resource) { r.Policy.SameDayCutoff = "24:00" }, "resource.policy.same_day_cutoff"},
		{"cutoff minutes", validAppointment, func(r *Resource) { r.Policy.SameDayCutoff = "11:60" }, "resource.policy.same_day_cutoff"},
		{"window too far", validAppointment, func(r *Resource) { r.Policy.OpensDaysAhead = 731 }, "resource.policy.opens_days_ahead"},
		{"negative window", validAppointment, func(r *Resource) { r.Policy.OpensDaysAhead = -1 }, "resource.policy.opens_days_ahead"},
		{"negative ticket validity", validEvent, func(r *Resource) { r.Policy.Tickets.ValidBeforeStart = -time.Minute }, "resource.policy.tickets.valid_before_start"},
		{"negative ticket after end", validEvent, func(r *Resource) { r.Policy.Tickets.ValidAfterEnd = -time.Minute }, "resource.policy.tickets.valid_after_end"},
		{"negative max stay", validEvent, func(r *Resource) { r.Policy.Tickets.MaxStay = -time.Minute }, "resource.policy.tickets.max_stay"},
		{"negative occupancy cap", validEvent, func(r *Resource) { r.Policy.Tickets.MaxInside = -1 }, "resource.policy.tickets.max_inside"},
		{"huge occupancy cap", validEvent, func(r *Resource) { r.Policy.Tickets.MaxInside = 1_000_001 }, "resource.policy.tickets.max_inside"},
		{"offline age below a minute", validEvent, func(r *Resource) { r.Policy.Tickets.OfflineMaxAge = time.Second }, "resource.policy.tickets.offline_max_age"},
		{"offline age beyond 30 days", validEvent, func(r *Resource) { r.Policy.Tickets.OfflineMaxAge = 31 * 24 * time.Hour }, "resource.policy.tickets.offline_max_age"},
		{"offline age not in minutes", validEvent, func(r *Resource) { r.Policy.Tickets.OfflineMaxAge = 90 * time.Second }, "resource.policy.tickets.offline_max_age"},
		{"warning beyond stay", validEvent, func(r *Resource) { r.Policy.Tickets.WarningLead = 2 * time.Hour }, "resource.policy.tickets.warning_lead"},
		{"warning without stay", validEvent, func(r *Resource) { r.Policy.Tickets.MaxStay = 0 }, "resource.policy.tickets.warning_lead"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.base()
			tt.mutate(&r)
			_, err := ValidateResource(r)
			requireInvalid(t, err, tt.field)
		})
	}
}

func validGroup() Resource {
	return Resource{OrganizationID: "org", PlaceID: "place", Kind: KindGroup, Name: "Servizi anagrafici"}
}

func TestTicketedAppointmentMayHaveTickets(t *testing.T) {
	t.Parallel()
	r := validAppointment()
	r.Ticketed = true
	r.Policy.Tickets = TicketPolicy{ValidBeforeStart: 10 * time.Minute}
	_, err := ValidateResource(r)
	require.NoError(t, err)
}
