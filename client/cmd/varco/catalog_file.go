package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/reflect/protoreflect"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// catalogFile is the document `varco apply` reads: one organization, its
// places, and its resource tree with opening hours. Keys are the API's
// field names (snake_case); enums are written in lower case without their
// prefix ("appointment", "in_person", "closure"); durations as Go
// durations ("15m", "1h30m", "24h"); dates "YYYY-MM-DD" and times "HH:MM".
// Places, resources and operators are named, never identified: the names
// are what apply matches on. The schema is documented in client/README.md.
type catalogFile struct {
	Organization orgSpec        `yaml:"organization"`
	Places       []placeSpec    `yaml:"places"`
	Resources    []resourceSpec `yaml:"resources"`
}

type contactsSpec struct {
	Phone   string `yaml:"phone"`
	Email   string `yaml:"email"`
	Website string `yaml:"website"`
}

type orgSpec struct {
	Name        string                           `yaml:"name"`
	Kind        enumOf[varcov1.OrganizationKind] `yaml:"kind"`
	Description string                           `yaml:"description"`
	TaxCode     string                           `yaml:"tax_code"`
	Contacts    contactsSpec                     `yaml:"contacts"`
}

type addressSpec struct {
	Street     string `yaml:"street"`
	PostalCode string `yaml:"postal_code"`
	City       string `yaml:"city"`
	Province   string `yaml:"province"`
	Country    string `yaml:"country"`
}

type geoSpec struct {
	Latitude  float64 `yaml:"latitude"`
	Longitude float64 `yaml:"longitude"`
}

type placeSpec struct {
	Name        string       `yaml:"name"`
	TimeZone    string       `yaml:"time_zone"`
	Description string       `yaml:"description"`
	Address     addressSpec  `yaml:"address"`
	Location    *geoSpec     `yaml:"location"`
	Contacts    contactsSpec `yaml:"contacts"`
}

// resourceSpec is a node of the tree. Rules and Exceptions are managed only
// when present: leaving the key out keeps whatever the server has, while
// "rules: []" removes every weekly rule.
type resourceSpec struct {
	Name             string                       `yaml:"name"`
	Kind             enumOf[varcov1.ResourceKind] `yaml:"kind"`
	Place            string                       `yaml:"place"` // default: the parent's
	Description      string                       `yaml:"description"`
	Documents        []string                     `yaml:"documents"`
	Acknowledgements []string                     `yaml:"acknowledgements"`
	Modes            []enumOf[varcov1.Mode]       `yaml:"modes"`
	Operators        []string                     `yaml:"operators"`
	OperatorChoice   bool                         `yaml:"operator_choice"`
	Ticketed         bool                         `yaml:"ticketed"`
	Position         *int                         `yaml:"position"` // default: order in the file
	Policy           *policySpec                  `yaml:"policy"`
	Meeting          *meetingSpec                 `yaml:"meeting"`
	// GuestBooking lets people without an account book: email, or
	// codice_fiscale (also asked); absent: accounts only.
	GuestBooking enumOf[varcov1.GuestBooking] `yaml:"guest_booking"`
	Rules        []ruleSpec                   `yaml:"rules"`
	Exceptions   []exceptionSpec              `yaml:"exceptions"`
	Children     []resourceSpec               `yaml:"children"`
}

// meetingSpec is where video-call bookings meet (kind: fixed_link or
// room_per_booking; url: the meeting, or the rooms' server).
type meetingSpec struct {
	Kind enumOf[varcov1.MeetingKind] `yaml:"kind"`
	URL  string                      `yaml:"url"`
}

type policySpec struct {
	OpensDaysAhead             int         `yaml:"opens_days_ahead"`
	MinNotice                  duration    `yaml:"min_notice"`
	SameDayCutoff              string      `yaml:"same_day_cutoff"`
	HoldDuration               duration    `yaml:"hold_duration"`
	MaxConsecutiveSlots        int         `yaml:"max_consecutive_slots"`
	MaxSeatsPerBooking         int         `yaml:"max_seats_per_booking"`
	MaxActiveBookingsPerPerson int         `yaml:"max_active_bookings_per_person"`
	CancelCutoff               duration    `yaml:"cancel_cutoff"`
	ReminderLead               duration    `yaml:"reminder_lead"`
	Tickets                    *ticketSpec `yaml:"tickets"`
}

type ticketSpec struct {
	ValidBeforeStart duration `yaml:"valid_before_start"`
	ValidAfterEnd    duration `yaml:"valid_after_end"`
	MaxStay          duration `yaml:"max_stay"`
	WarningLead      duration `yaml:"warning_lead"`
	AllowReentry     bool     `yaml:"allow_reentry"`
	MaxInside        int32    `yaml:"max_inside"`
	OfflineMaxAge    duration `yaml:"offline_max_age"`
}

// ruleSpec is one weekly rule for one or more weekdays (it becomes one
// WeeklyRule per weekday).
type ruleSpec struct {
	Weekdays     []weekdays `yaml:"weekdays"`
	StartTime    string     `yaml:"start_time"`
	EndTime      string     `yaml:"end_time"`
	SlotLength   duration   `yaml:"slot_length"`
	SeatsPerSlot int        `yaml:"seats_per_slot"`
	Operators    []string   `yaml:"operators"` // display names; all the resource's when empty
	ValidFrom    string     `yaml:"valid_from"`
	ValidUntil   string     `yaml:"valid_until"`
}

type exceptionSpec struct {
	Kind         enumOf[varcov1.ExceptionKind] `yaml:"kind"`
	StartDate    string                        `yaml:"start_date"`
	EndDate      string                        `yaml:"end_date"`
	StartTime    string                        `yaml:"start_time"`
	EndTime      string                        `yaml:"end_time"`
	Yearly       bool                          `yaml:"yearly"`
	Operator     string                        `yaml:"operator"` // display name, for operator_unavailable
	Reason       string                        `yaml:"reason"`
	SlotLength   duration                      `yaml:"slot_length"`
	SeatsPerSlot int                           `yaml:"seats_per_slot"`
}

// loadCatalog reads and checks a catalog file. Unknown keys are errors: a
// misspelt key silently ignored would be a setting silently lost.
func loadCatalog(path string, stdin io.Reader) (*catalogFile, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f catalogFile
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty file", path)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := f.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &f, nil
}

// check refuses what would make matching by name ambiguous, or what apply
// needs before the server can say anything. Everything else (lengths,
// formats, policy rules) is the server's to check, with its own messages.
func (f *catalogFile) check() error {
	if strings.TrimSpace(f.Organization.Name) == "" {
		return errors.New("organization.name is required")
	}
	places := map[string]bool{}
	for i, p := range f.Places {
		name := strings.TrimSpace(p.Name)
		if name == "" {
			return fmt.Errorf("places[%d].name is required", i)
		}
		if places[name] {
			return fmt.Errorf("places[%d]: place %q appears twice", i, name)
		}
		places[name] = true
	}
	return checkResources(f.Resources, "resources", "")
}

func checkResources(list []resourceSpec, at, parentPlace string) error {
	seen := map[string]bool{}
	for i, r := range list {
		here := fmt.Sprintf("%s[%d]", at, i)
		name := strings.TrimSpace(r.Name)
		if name == "" {
			return fmt.Errorf("%s.name is required", here)
		}
		if seen[name] {
			return fmt.Errorf("%s: %q appears twice under the same parent (names identify resources)", here, name)
		}
		seen[name] = true
		if r.Kind.V == 0 {
			return fmt.Errorf("%s (%s).kind is required: group, appointment or event", here, name)
		}
		place := r.Place
		if place == "" {
			place = parentPlace
		}
		if place == "" {
			return fmt.Errorf("%s (%s).place is required at the top of the tree", here, name)
		}
		group := r.Kind.V == varcov1.ResourceKind_RESOURCE_KIND_GROUP
		if group && (r.Rules != nil || r.Exceptions != nil) {
			return fmt.Errorf("%s (%s): a group is not booked, so it has no rules or exceptions", here, name)
		}
		if !group && len(r.Children) > 0 {
			return fmt.Errorf("%s (%s): only a group has children", here, name)
		}
		for j, rule := range r.Rules {
			if len(rule.Weekdays) == 0 {
				return fmt.Errorf("%s (%s).rules[%d].weekdays is required", here, name, j)
			}
		}
		if err := checkResources(r.Children, here+".children", place); err != nil {
			return err
		}
	}
	return nil
}

// protoEnum is a generated protobuf enum type.
type protoEnum interface {
	~int32
	Descriptor() protoreflect.EnumDescriptor
}

// enumOf is an enum written by name in the file ("appointment" for
// RESOURCE_KIND_APPOINTMENT).
type enumOf[E protoEnum] struct{ V E }

// UnmarshalYAML implements yaml.Unmarshaler.
func (e *enumOf[E]) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	var zero E
	num, err := parseEnum(zero.Descriptor(), s)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	e.V = E(num)
	return nil
}

// duration is a Go duration string ("90m", "1h30m"), or 0.
type duration time.Duration

// UnmarshalYAML implements yaml.Unmarshaler.
func (d *duration) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	if s == "0" {
		*d = 0
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration: write e.g. 15m, 1h30m or 48h", n.Line, s)
	}
	*d = duration(v)
	return nil
}

// weekdays is one weekday ("mon", "monday", "lun", "lunedì", 1) or a
// range of them ("mon-fri", "lun-ven").
type weekdays []varcov1.Weekday

var weekdayNames = map[string]varcov1.Weekday{}

func init() {
	names := [][]string{
		{"mon", "monday", "lun", "lunedì", "lunedi", "1"},
		{"tue", "tuesday", "mar", "martedì", "martedi", "2"},
		{"wed", "wednesday", "mer", "mercoledì", "mercoledi", "3"},
		{"thu", "thursday", "gio", "giovedì", "giovedi", "4"},
		{"fri", "friday", "ven", "venerdì", "venerdi", "5"},
		{"sat", "saturday", "sab", "sabato", "6"},
		{"sun", "sunday", "dom", "domenica", "7"},
	}
	for i, list := range names {
		for _, n := range list {
			weekdayNames[n] = varcov1.Weekday(i + 1)
		}
	}
}

// UnmarshalYAML implements yaml.Unmarshaler.
func (w *weekdays) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	s = strings.ToLower(strings.TrimSpace(s))
	if d, ok := weekdayNames[s]; ok {
		*w = weekdays{d}
		return nil
	}
	if from, to, ok := strings.Cut(s, "-"); ok {
		a, okA := weekdayNames[strings.TrimSpace(from)]
		b, okB := weekdayNames[strings.TrimSpace(to)]
		if okA && okB && a <= b {
			for d := a; d <= b; d++ {
				*w = append(*w, d)
			}
			return nil
		}
	}
	return fmt.Errorf("line %d: %s is not a weekday: write mon…sun (or lun…dom), or a range such as mon-fri", n.Line, strconv.Quote(s))
}
