package catalog

import (
	"errors"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/person"
)

// Limits on what organizers may write. They keep pages readable on a phone
// and rows small; none is a storage limit.
const (
	MaxNameLength            = 200
	MaxDescriptionLength     = 4000
	MaxDocuments             = 30
	MaxDocumentLength        = 300
	MaxAcknowledgements      = 10
	MaxAcknowledgementLength = 500
	MaxOperators             = 100
	MaxOperatorNameLength    = 100
	MaxHoldDuration          = 60 * time.Minute
	MinHoldDuration          = time.Minute
	MinWaitlistOffer         = 5 * time.Minute
	MaxWaitlistOffer         = 24 * time.Hour
	MaxConsecutiveSlots      = 16
	MaxSeatsPerBooking       = 100
	MaxActivePerPerson       = 100
	MaxOpensDaysAhead        = 730
	// MaxInside bounds a resource's occupancy cap (TicketPolicy.MaxInside).
	MaxInside = 1_000_000
	// MaxOfflineMaxAge bounds TicketPolicy.OfflineMaxAge.
	MaxOfflineMaxAge = 30 * 24 * time.Hour
	// MaxPolicyDuration bounds every other policy duration: two years, the
	// longest booking window, so no lead time can outlast the window.
	MaxPolicyDuration = MaxOpensDaysAhead * 24 * time.Hour

	maxStreetLength     = 200
	maxPostalCodeLength = 16
	maxCityLength       = 100
	maxProvinceLength   = 100
	maxWebsiteLength    = 2000
)

// The field prefixes are the request fields that carry the object in both
// the create and the update request (CreatePlaceRequest.place,
// UpdatePlaceRequest.place, ...), so error paths match the request as sent.
const (
	orgField      = "organization"
	placeField    = "place"
	resourceField = "resource"
)

func required(field string) error {
	return fault.InvalidField(field, "required")
}

// personField turns a person.ValidationError into a fault naming the full
// request path, so callers see one kind of validation error whatever
// checked the value.
func personField(field string, err error) error {
	var ve *person.ValidationError
	if errors.As(err, &ve) {
		return fault.InvalidField(field, ve.Code).Text(ve.Key())
	}
	return err
}

// text trims s and checks its length in characters (not bytes: Italian
// texts are full of accented letters).
func text(field, s string, minLen, maxLen int) (string, error) {
	s = strings.TrimSpace(s)
	n := utf8.RuneCountInString(s)
	if n < minLen {
		return s, required(field)
	}
	if n > maxLen {
		return s, fault.InvalidField(field, "too_long").Text("error.too_long.4", maxLen)
	}
	return s, nil
}

// line is text that must fit on one line (names, list items): a line break
// or control character would break lists, e-mails and CSV exports.
func line(field, s string, minLen, maxLen int) (string, error) {
	s, err := text(field, s, minLen, maxLen)
	if err != nil {
		return s, err
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return s, fault.InvalidField(field, "control_characters")
	}
	return s, nil
}

// ValidateOrganization checks an organization as sent in CreateOrganization
// or UpdateOrganization and returns it normalized (trimmed texts, e-mail
// domain in lower case, phone in E.164, tax code in upper case). Errors are
// fault.Invalid naming the request field, e.g. "organization.contacts.email".
// ID and timestamps are not looked at.
func ValidateOrganization(o Organization) (Organization, error) {
	var err error
	if o.Name, err = line(orgField+".name", o.Name, 1, MaxNameLength); err != nil {
		return o, err
	}
	switch o.Kind {
	case OrgPublicOffice, OrgBusiness, OrgAssociation:
	case 0:
		return o, required(orgField + ".kind")
	default:
		return o, fault.InvalidField(orgField+".kind", "invalid_kind")
	}
	if o.Description, err = text(orgField+".description", o.Description, 0, MaxDescriptionLength); err != nil {
		return o, err
	}
	if o.Contacts, err = validateContacts(orgField+".contacts", o.Contacts); err != nil {
		return o, err
	}
	if o.TaxCode, err = validateTaxCode(orgField+".tax_code", o.TaxCode); err != nil {
		return o, err
	}
	return o, nil
}

// validateTaxCode accepts the 11-digit codice fiscale of companies and
// public bodies (the same number as their partita IVA) or, for sole
// traders, the 16-character personal codice fiscale.
func validateTaxCode(field, s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	if strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) < 0 {
		code, err := person.ParseCompanyCode(s)
		return code, personField(field, err)
	}
	if utf8.RuneCountInString(s) != 16 {
		// Neither shape: say both, rather than the personal code's length
		// rule to someone who typed a VAT number with its "IT" prefix.
		return s, fault.InvalidField(field, "tax_code_format")
	}
	cf, err := person.ParseCodiceFiscale(s)
	if err != nil {
		return s, personField(field, err)
	}
	return cf.String(), nil
}

func validateContacts(prefix string, c Contacts) (Contacts, error) {
	if c.Email = strings.TrimSpace(c.Email); c.Email != "" {
		email, err := person.ParseEmail(c.Email)
		if err != nil {
			return c, personField(prefix+".email", err)
		}
		c.Email = email
	}
	if c.Phone = strings.TrimSpace(c.Phone); c.Phone != "" {
		phone, err := person.ParsePhone(c.Phone)
		if err != nil {
			return c, personField(prefix+".phone", err)
		}
		c.Phone = phone
	}
	if c.Website = strings.TrimSpace(c.Website); c.Website != "" {
		if err := validateWebsite(prefix+".website", c.Website); err != nil {
			return c, err
		}
	}
	return c, nil
}

// validateWebsite requires an absolute https URL: the address is shown to
// citizens as a link, and a plain-http or credential-bearing one is never
// what an office means to publish.
func validateWebsite(field, s string) error {
	if len(s) > maxWebsiteLength {
		return fault.InvalidField(field, "too_long").Text("error.too_long.2")
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Hostname() == "" || u.User != nil {
		return fault.InvalidField(field, "website_https")
	}
	return nil
}

// ValidatePlace checks a place as sent in CreatePlace or UpdatePlace and
// returns it normalized: trimmed texts, country upper case ("IT" when
// empty), time zone "Europe/Rome" when empty. Errors name the request field,
// e.g. "place.time_zone".
func ValidatePlace(p Place) (Place, error) {
	var err error
	if p.Name, err = line(placeField+".name", p.Name, 1, MaxNameLength); err != nil {
		return p, err
	}
	if p.Address, err = validateAddress(placeField+".address", p.Address); err != nil {
		return p, err
	}
	if p.Location != nil {
		loc := *p.Location
		// NaN compares false with everything, hence the explicit checks.
		if math.IsNaN(loc.Latitude) || loc.Latitude < -90 || loc.Latitude > 90 {
			return p, fault.InvalidField(placeField+".location.latitude", "latitude")
		}
		if math.IsNaN(loc.Longitude) || loc.Longitude < -180 || loc.Longitude > 180 {
			return p, fault.InvalidField(placeField+".location.longitude", "longitude")
		}
		p.Location = &loc // not aliasing the caller's point
	}
	if p.Contacts, err = validateContacts(placeField+".contacts", p.Contacts); err != nil {
		return p, err
	}
	if p.TimeZone, err = validateTimeZone(placeField+".time_zone", p.TimeZone); err != nil {
		return p, err
	}
	if p.Description, err = text(placeField+".description", p.Description, 0, MaxDescriptionLength); err != nil {
		return p, err
	}
	return p, nil
}

func validateAddress(prefix string, a Address) (Address, error) {
	var err error
	for _, f := range []struct {
		name string
		v    *string
		max  int
	}{
		{"street", &a.Street, maxStreetLength},
		{"postal_code", &a.PostalCode, maxPostalCodeLength},
		{"city", &a.City, maxCityLength},
		{"province", &a.Province, maxProvinceLength},
	} {
		if *f.v, err = line(prefix+"."+f.name, *f.v, 0, f.max); err != nil {
			return a, err
		}
	}
	a.Country = strings.ToUpper(strings.TrimSpace(a.Country))
	if a.Country == "" {
		a.Country = "IT"
	}
	if len(a.Country) != 2 || a.Country[0] < 'A' || a.Country[0] > 'Z' || a.Country[1] < 'A' || a.Country[1] > 'Z' {
		return a, fault.InvalidField(prefix+".country", "country")
	}
	return a, nil
}

// validateTimeZone requires a zone name the server can load. "Local" is
// refused: it would mean whatever zone the server happens to run in.
func validateTimeZone(field, tz string) (string, error) {
	tz = strings.TrimSpace(tz)
	if tz == "" {
		return DefaultTimeZone, nil
	}
	if _, err := time.LoadLocation(tz); err != nil || tz == "Local" {
		return tz, fault.InvalidField(field, "time_zone")
	}
	return tz, nil
}

// ValidateResource checks a resource as sent in CreateResource or
// UpdateResource, as far as that can be done without storage (whether the
// place, parent and operators exist is the store's check, made in the
// writing transaction). It returns the resource normalized: trimmed texts,
// modes without duplicates, policy defaults applied (hold 10 minutes, one
// slot, one seat). Errors name the request field, e.g.
// "resource.acknowledgements[2].text" or "resource.policy.hold_duration".
func ValidateResource(r Resource) (Resource, error) {
	var err error
	switch r.Kind {
	case KindGroup, KindAppointment, KindEvent:
	case 0:
		return r, required(resourceField + ".kind")
	default:
		return r, fault.InvalidField(resourceField+".kind", "invalid_kind").Text("error.invalid_kind.2")
	}
	if r.PlaceID == "" {
		return r, required(resourceField + ".place_id")
	}
	if r.Name, err = line(resourceField+".name", r.Name, 1, MaxNameLength); err != nil {
		return r, err
	}
	if r.Description, err = text(resourceField+".description", r.Description, 0, MaxDescriptionLength); err != nil {
		return r, err
	}
	if r.DocumentsToBring, err = validateDocuments(r.DocumentsToBring); err != nil {
		return r, err
	}
	if r.Acknowledgements, err = validateAcknowledgements(r.Acknowledgements); err != nil {
		return r, err
	}
	if r.Modes, err = validateModes(r.Modes); err != nil {
		return r, err
	}
	if r.Operators, err = validateOperators(r.Operators); err != nil {
		return r, err
	}
	switch r.Kind {
	case KindGroup:
		return r, validateGroup(r)
	case KindAppointment:
		if len(r.Operators) == 0 {
			return r, fault.InvalidField(resourceField+".operators", "required").Text("error.required.2")
		}
	case KindEvent:
		if r.OperatorChoice {
			return r, fault.InvalidField(resourceField+".operator_choice", "operator_choice_appointment")
		}
	}
	if r.Meeting, err = validateMeeting(resourceField+".meeting", r.Meeting); err != nil {
		return r, err
	}
	if err := validateGuests(resourceField+".guest_booking", r.Guests); err != nil {
		return r, err
	}
	r.Policy, err = validatePolicy(r.Kind, r.Ticketed, r.Policy)
	return r, err
}

func validateDocuments(docs []string) ([]string, error) {
	field := resourceField + ".documents_to_bring"
	if len(docs) > MaxDocuments {
		return docs, fault.InvalidField(field, "too_many").Text("error.too_many.2", MaxDocuments)
	}
	out := make([]string, len(docs))
	for i, d := range docs {
		var err error
		if out[i], err = line(fmt.Sprintf("%s[%d]", field, i), d, 1, MaxDocumentLength); err != nil {
			return docs, err
		}
	}
	return out, nil
}

func validateAcknowledgements(acks []Acknowledgement) ([]Acknowledgement, error) {
	field := resourceField + ".acknowledgements"
	if len(acks) > MaxAcknowledgements {
		return acks, fault.InvalidField(field, "too_many").Text("error.too_many.3", MaxAcknowledgements)
	}
	out := make([]Acknowledgement, len(acks))
	seen := make(map[string]bool, len(acks))
	for i, a := range acks {
		item := fmt.Sprintf("%s[%d]", field, i)
		if a.ID != "" && seen[a.ID] {
			return acks, duplicateID(item + ".id")
		}
		seen[a.ID] = true
		var err error
		if a.Text, err = text(item+".text", a.Text, 1, MaxAcknowledgementLength); err != nil {
			return acks, err
		}
		out[i] = a
	}
	return out, nil
}

func duplicateID(field string) error {
	return fault.InvalidField(field, "duplicate").Text("error.duplicate.2")
}

// validateModes drops repeated modes rather than refusing them: a mode
// offered twice means the same as once.
func validateModes(modes []Mode) ([]Mode, error) {
	var out []Mode
	for i, m := range modes {
		switch m {
		case ModeInPerson, ModePhone, ModeVideoCall:
		default:
			return modes, fault.InvalidField(fmt.Sprintf("%s.modes[%d]", resourceField, i), "invalid_mode")
		}
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out, nil
}

// validateOperators checks the operator list: an item with an id names an
// existing operator (its display name is ignored: the stored one wins); an
// item without id is a new operator and needs a display name.
func validateOperators(ops []Operator) ([]Operator, error) {
	field := resourceField + ".operators"
	if len(ops) > MaxOperators {
		return ops, fault.InvalidField(field, "too_many").Text("error.too_many.4", MaxOperators)
	}
	out := make([]Operator, len(ops))
	seen := make(map[string]bool, len(ops))
	for i, op := range ops {
		item := fmt.Sprintf("%s[%d]", field, i)
		if op.ID != "" {
			if seen[op.ID] {
				return ops, duplicateID(item + ".id")
			}
			seen[op.ID] = true
			out[i] = Operator{ID: op.ID}
			continue
		}
		var err error
		if op.DisplayName, err = line(item+".display_name", op.DisplayName, 1, MaxOperatorNameLength); err != nil {
			return ops, err
		}
		out[i] = op
	}
	return out, nil
}

// validateGroup refuses on a group whatever only a booking would use: a
// group is a tree node, never booked, so operators, tickets or a policy on
// it would be silently ignored, and the organizer should learn that now.
func validateGroup(r Resource) error {
	groupOnly := func(field string) error {
		return fault.InvalidField(resourceField+"."+field, "group_not_bookable")
	}
	switch {
	case len(r.Operators) > 0:
		return groupOnly("operators")
	case r.OperatorChoice:
		return groupOnly("operator_choice")
	case r.Ticketed:
		return groupOnly("ticketed")
	case len(r.Acknowledgements) > 0:
		return groupOnly("acknowledgements")
	case r.Policy != (Policy{}):
		return groupOnly("policy")
	}
	return nil
}

func validatePolicy(kind ResourceKind, ticketed bool, p Policy) (Policy, error) {
	f := func(name string) string { return resourceField + ".policy." + name }
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"min_notice", p.MinNotice}, {"hold_duration", p.HoldDuration}, {"cancel_cutoff", p.CancelCutoff},
		{"reminder_lead", p.ReminderLead},
		{"tickets.valid_before_start", p.Tickets.ValidBeforeStart}, {"tickets.valid_after_end", p.Tickets.ValidAfterEnd},
		{"tickets.max_stay", p.Tickets.MaxStay}, {"tickets.warning_lead", p.Tickets.WarningLead},
	} {
		if err := checkDuration(f(d.name), d.v); err != nil {
			return p, err
		}
	}
	if p.OpensDaysAhead < 0 || p.OpensDaysAhead > MaxOpensDaysAhead {
		return p, fault.InvalidField(f("opens_days_ahead"), "out_of_range").Text("error.out_of_range.4", MaxOpensDaysAhead)
	}
	if p.SameDayCutoff != "" && !validClock(p.SameDayCutoff) {
		return p, fault.InvalidField(f("same_day_cutoff"), "time_format")
	}
	if p.HoldDuration == 0 {
		p.HoldDuration = DefaultHoldDuration
	}
	if p.HoldDuration < MinHoldDuration || p.HoldDuration > MaxHoldDuration {
		return p, fault.InvalidField(f("hold_duration"), "out_of_range")
	}
	if p.WaitlistOffer != 0 && (p.WaitlistOffer < MinWaitlistOffer || p.WaitlistOffer > MaxWaitlistOffer) {
		return p, fault.InvalidField(f("waitlist_offer_duration"), "out_of_range").Text("error.out_of_range.2")
	}
	var err error
	if p.MaxConsecutiveSlots, err = count(f("max_consecutive_slots"), p.MaxConsecutiveSlots, MaxConsecutiveSlots); err != nil {
		return p, err
	}
	if p.MaxSeatsPerBooking, err = count(f("max_seats_per_booking"), p.MaxSeatsPerBooking, MaxSeatsPerBooking); err != nil {
		return p, err
	}
	// An appointment is one citizen with one operator: a second seat would
	// need a second operator, which one booking never takes.
	if kind == KindAppointment && p.MaxSeatsPerBooking != 1 {
		return p, fault.InvalidField(f("max_seats_per_booking"), "appointment_one_seat")
	}
	if p.MaxActivePerPerson < 0 || p.MaxActivePerPerson > MaxActivePerPerson {
		return p, fault.InvalidField(f("max_active_bookings_per_person"), "out_of_range").Text("error.out_of_range.5", MaxActivePerPerson)
	}
	t := p.Tickets
	if t != (TicketPolicy{}) && kind != KindEvent && !ticketed {
		return p, fault.InvalidField(f("tickets"), "not_ticketed")
	}
	if t.MaxInside < 0 || t.MaxInside > MaxInside {
		return p, fault.InvalidField(f("tickets.max_inside"), "out_of_range").Text("error.out_of_range.6", MaxInside)
	}
	if t.OfflineMaxAge != 0 && (t.OfflineMaxAge < time.Minute || t.OfflineMaxAge > MaxOfflineMaxAge || t.OfflineMaxAge%time.Minute != 0) {
		return p, fault.InvalidField(f("tickets.offline_max_age"), "out_of_range").Text("error.out_of_range.3")
	}
	if t.WarningLead > 0 && t.MaxStay == 0 {
		return p, fault.InvalidField(f("tickets.warning_lead"), "warning_without_max_stay")
	}
	if t.MaxStay > 0 && t.WarningLead > t.MaxStay {
		return p, fault.InvalidField(f("tickets.warning_lead"), "warning_after_max_stay")
	}
	return p, nil
}

// checkDuration refuses negative, over-long and fractional-second
// durations; storage keeps whole seconds, and silently rounding a value the
// organizer typed would store something else than they see.
func checkDuration(field string, d time.Duration) error {
	switch {
	case d < 0:
		return fault.InvalidField(field, "negative")
	case d > MaxPolicyDuration:
		return fault.InvalidField(field, "too_long").Text("error.too_long.3")
	case d%time.Second != 0:
		return fault.InvalidField(field, "whole_seconds")
	}
	return nil
}

// count applies "1 when unset" and bounds a per-booking count.
func count(field string, v, maxV int) (int, error) {
	if v == 0 {
		return 1, nil
	}
	if v < 1 || v > maxV {
		return v, fault.InvalidField(field, "out_of_range").Text("error.out_of_range.7", maxV)
	}
	return v, nil
}

// validClock reports whether s is "HH:MM" between 00:00 and 23:59 (a
// cut-off at 24:00 would be no cut-off at all).
func validClock(s string) bool {
	if len(s) != 5 || s[2] != ':' {
		return false
	}
	for _, i := range []int{0, 1, 3, 4} {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	h := int(s[0]-'0')*10 + int(s[1]-'0')
	m := int(s[3]-'0')*10 + int(s[4]-'0')
	return h < 24 && m < 60
}
