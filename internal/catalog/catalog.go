// Package catalog models what can be booked: organizations, their places,
// the resource tree with its booking policies, operators, and the weekly
// rules and exceptions that make up a schedule.
package catalog

import (
	"strings"
	"sync"
	"time"
	// The zone database is compiled in: a server on a minimal machine
	// (or container) without /usr/share/zoneinfo still knows Europe/Rome.
	_ "time/tzdata"
)

// DefaultTimeZone is used when a place does not name one.
const DefaultTimeZone = "Europe/Rome"

// DefaultHoldDuration is how long a hold keeps seats unless the resource
// says otherwise (the Maggioli desk's 10-minute countdown).
const DefaultHoldDuration = 10 * time.Minute

// DefaultWaitlistOffer is how long a waiting-list offer holds its seats
// unless the resource says otherwise: long enough to read an e-mail.
const DefaultWaitlistOffer = 30 * time.Minute

// OrgKind classifies organizations; values match varco.v1.OrganizationKind.
type OrgKind int

// Organization kinds.
const (
	OrgPublicOffice OrgKind = 1
	OrgBusiness     OrgKind = 2
	OrgAssociation  OrgKind = 3
)

// ResourceKind says how a resource is booked; values match
// varco.v1.ResourceKind.
type ResourceKind int

// Resource kinds.
const (
	KindGroup       ResourceKind = 1
	KindAppointment ResourceKind = 2
	KindEvent       ResourceKind = 3
)

// Bookable reports whether resources of this kind take bookings.
func (k ResourceKind) Bookable() bool { return k == KindAppointment || k == KindEvent }

// Mode is how an appointment takes place; values match varco.v1.Mode.
type Mode int

// Modes.
const (
	ModeInPerson  Mode = 1
	ModePhone     Mode = 2
	ModeVideoCall Mode = 3
)

// Contacts are how citizens reach an organization or place.
type Contacts struct {
	Phone, Email, Website string
}

// Address is a postal address.
type Address struct {
	Street, PostalCode, City, Province, Country string
}

// Line is the address on one line as messages show it ("Piazza del
// Municipio 1, 46010 Borgo Varco, MN"), empty parts left out.
func (a Address) Line() string {
	return strings.Trim(strings.Join([]string{a.Street, strings.TrimSpace(a.PostalCode + " " + a.City), a.Province}, ", "), ", ")
}

// GeoPoint is a WGS84 position.
type GeoPoint struct {
	Latitude, Longitude float64
}

// Organization is a town office or local business.
type Organization struct {
	ID          string
	Name        string
	Kind        OrgKind
	Description string
	Contacts    Contacts
	TaxCode     string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Place is an office or venue; its time zone governs its schedules.
type Place struct {
	ID             string
	OrganizationID string
	Name           string
	Address        Address
	Location       *GeoPoint
	Contacts       Contacts
	TimeZone       string
	Description    string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Zone returns the place's time zone, falling back to Europe/Rome.
func (p Place) Zone() (*time.Location, error) {
	tz := p.TimeZone
	if tz == "" {
		tz = DefaultTimeZone
	}
	return loadZone(tz)
}

// zones memoizes time.LoadLocation, which reads and parses the zone file on
// every call (tens of microseconds and several system calls), and is on
// every booking response and notification. This is the one package-level
// cache in the code base: a zone's rules cannot change while the process
// runs (the tz database is read from disk or embedded once), so it holds no
// state anyone could observe.
var zones sync.Map // name → *time.Location

func loadZone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}

// Operator is a person serving appointments ("referente").
type Operator struct {
	ID          string
	DisplayName string
}

// Acknowledgement is a statement the citizen must tick to book.
type Acknowledgement struct {
	ID   string
	Text string
}

// TicketPolicy sets when a QR ticket opens the gate and for how long.
type TicketPolicy struct {
	ValidBeforeStart time.Duration
	ValidAfterEnd    time.Duration
	MaxStay          time.Duration // 0: no limit.
	WarningLead      time.Duration
	AllowReentry     bool
	// MaxInside caps the people inside at once, whatever the seats sold;
	// 0: no cap.
	MaxInside int
	// OfflineMaxAge bounds the age of a gate's data for offline decisions;
	// 0: DefaultOfflineMaxAge.
	OfflineMaxAge time.Duration
}

// DefaultOfflineMaxAge is how old a gate's keys and revocations may be for
// it to decide offline when the policy does not say.
const DefaultOfflineMaxAge = 24 * time.Hour

// Policy holds the booking rules of a resource other than opening hours.
type Policy struct {
	OpensDaysAhead      int // 0: no limit.
	MinNotice           time.Duration
	SameDayCutoff       string // "HH:MM" local, or "".
	HoldDuration        time.Duration
	MaxConsecutiveSlots int
	MaxSeatsPerBooking  int
	MaxActivePerPerson  int // 0: no limit.
	CancelCutoff        time.Duration
	ReminderLead        time.Duration
	Tickets             TicketPolicy
	// WaitlistOffer is how long a waiting-list offer holds its seats for
	// the first in line; 0 means DefaultWaitlistOffer.
	WaitlistOffer time.Duration
}

// Resource is a node of the resource tree.
type Resource struct {
	ID               string
	OrganizationID   string
	PlaceID          string
	ParentID         string
	Depth            int // Filled by Tree.
	Kind             ResourceKind
	Name             string
	Description      string
	DocumentsToBring []string
	Acknowledgements []Acknowledgement
	Modes            []Mode
	Operators        []Operator
	OperatorChoice   bool
	Ticketed         bool
	Position         int
	Active           bool
	Policy           Policy
	// Meeting makes the links of video-call bookings.
	Meeting Meeting
	// Guests says whether people without an account may book.
	Guests    GuestBooking
	CreatedAt time.Time
	UpdatedAt time.Time
}

// WeeklyRule opens a resource on an ISO weekday (1 Monday … 7 Sunday)
// between two local times, cut into slots.
type WeeklyRule struct {
	ID           string
	Weekday      int
	Start, End   string // "HH:MM" local.
	SlotLength   time.Duration
	SeatsPerSlot int
	OperatorIDs  []string
	ValidFrom    string // "YYYY-MM-DD" or "".
	ValidUntil   string
}

// ExceptionKind is what a schedule exception does; values match
// varco.v1.ExceptionKind.
type ExceptionKind int

// Exception kinds.
const (
	ExceptionClosure             ExceptionKind = 1
	ExceptionExtraOpening        ExceptionKind = 2
	ExceptionOperatorUnavailable ExceptionKind = 3
)

// Exception changes the weekly rules on some dates.
type Exception struct {
	ID                 string
	Kind               ExceptionKind
	StartDate, EndDate string // "YYYY-MM-DD" local, inclusive.
	StartTime, EndTime string // "HH:MM" local, or "" for the whole day.
	Yearly             bool
	OperatorID         string
	Reason             string
	SlotLength         time.Duration
	SeatsPerSlot       int
	CreatedAt          time.Time
}
