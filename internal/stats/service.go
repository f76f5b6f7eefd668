package stats

import (
	"context"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/schedule"
)

// Store is what the statistics read. Every read goes to the reader pool:
// statistics never wait for, or hold up, the single writer.
type Store interface {
	ListResources(ctx context.Context, orgID, placeID string) ([]catalog.Resource, error)
	ListPlaces(ctx context.Context, orgID string) ([]catalog.Place, error)
	ListRules(ctx context.Context, resourceID string) ([]catalog.WeeklyRule, error)
	ListExceptions(ctx context.Context, resourceID string) ([]catalog.Exception, error)
	// StatsBookings lists the bookings of the resources whose slot starts
	// in [from, to), in every status.
	StatsBookings(ctx context.Context, resourceIDs []string, from, to time.Time) ([]Booking, error)
	// StatsTickets lists the tickets of the resources' slots starting in
	// [from, to) with the passages their gates let through.
	StatsTickets(ctx context.Context, resourceIDs []string, from, to time.Time) ([]Ticket, error)
	// StatsWaitlist counts the waiting-list entries of the resources'
	// slots starting in [from, to).
	StatsWaitlist(ctx context.Context, resourceIDs []string, from, to time.Time) (Waitlist, error)
}

// Service answers statistics requests.
type Service struct {
	store Store
	clk   clock.Clock
}

// New returns the statistics service.
func New(s Store, clk clock.Clock) *Service { return &Service{store: s, clk: clk} }

// Query asks for the figures of an organization, or of one resource and
// its subtree, over local dates From..To.
type Query struct {
	OrganizationID string
	ResourceID     string
	From, To       string // "YYYY-MM-DD", both included
}

// Result holds the requested period and the one just before it.
type Result struct {
	Current, Previous Figures
}

// scope is the bookable resources asked about, grouped by time zone (a
// period's local dates are instants that depend on the zone).
type scope struct {
	plans    map[string]schedule.Plan // by resource id
	zones    []zoneGroup
	services []ServiceInfo
}

type zoneGroup struct {
	loc *time.Location
	ids []string
}

// Get validates q and computes both periods.
func (s *Service) Get(ctx context.Context, q Query) (Result, error) {
	p, err := parsePeriod(q)
	if err != nil {
		return Result{}, err
	}
	sc, err := s.scope(ctx, q)
	if err != nil {
		return Result{}, err
	}
	now := s.clk.Now()
	var out Result
	if out.Current, err = s.period(ctx, sc, p, now); err != nil {
		return Result{}, err
	}
	if out.Previous, err = s.period(ctx, sc, p.Previous(), now); err != nil {
		return Result{}, err
	}
	return out, nil
}

func invalidDate(field string) error {
	return fault.InvalidField(field, "date_format")
}

func parsePeriod(q Query) (Period, error) {
	if q.OrganizationID == "" {
		return Period{}, fault.InvalidField("organization_id", "required")
	}
	if q.From == "" {
		return Period{}, fault.InvalidField("from_date", "required")
	}
	from, err := schedule.ParseDate(q.From)
	if err != nil {
		return Period{}, invalidDate("from_date")
	}
	if q.To == "" {
		return Period{}, fault.InvalidField("to_date", "required")
	}
	to, err := schedule.ParseDate(q.To)
	if err != nil {
		return Period{}, invalidDate("to_date")
	}
	p := Period{From: from, To: to}
	switch {
	case to.Before(from):
		return Period{}, fault.InvalidField("to_date", "end_before_start")
	case p.Days() > MaxDays:
		return Period{}, fault.InvalidField("to_date", "range_too_long").Text("error.range_too_long", MaxDays)
	}
	return p, nil
}

// scope loads the bookable resources of the organization (or of the
// resource's subtree) with their plans and zones. Deactivated resources
// are included: their bookings are history, and their rules are kept.
func (s *Service) scope(ctx context.Context, q Query) (scope, error) {
	resources, err := s.store.ListResources(ctx, q.OrganizationID, "")
	if err != nil {
		return scope{}, err
	}
	if q.ResourceID != "" {
		if resources = catalog.Subtree(resources, q.ResourceID); resources == nil {
			return scope{}, fault.InvalidField("resource_id", "unknown_resource")
		}
	}
	places, err := s.store.ListPlaces(ctx, q.OrganizationID)
	if err != nil {
		return scope{}, err
	}
	zones := map[string]*time.Location{}
	for _, p := range places {
		loc, err := p.Zone()
		if err != nil {
			return scope{}, fmt.Errorf("place %s time zone: %w", p.ID, err)
		}
		zones[p.ID] = loc
	}
	sc := scope{plans: map[string]schedule.Plan{}}
	group := map[string]int{} // zone name → index in sc.zones
	for _, r := range resources {
		if !r.Kind.Bookable() {
			continue
		}
		loc, ok := zones[r.PlaceID]
		if !ok {
			return scope{}, fmt.Errorf("resource %s: place %s not in the organization", r.ID, r.PlaceID)
		}
		plan, err := s.plan(ctx, r, loc)
		if err != nil {
			return scope{}, err
		}
		sc.plans[r.ID] = plan
		sc.services = append(sc.services, ServiceInfo{ID: r.ID, Name: r.Name, Kind: r.Kind, Location: loc})
		i, ok := group[loc.String()]
		if !ok {
			i = len(sc.zones)
			group[loc.String()] = i
			sc.zones = append(sc.zones, zoneGroup{loc: loc})
		}
		sc.zones[i].ids = append(sc.zones[i].ids, r.ID)
	}
	return sc, nil
}

func (s *Service) plan(ctx context.Context, r catalog.Resource, loc *time.Location) (schedule.Plan, error) {
	rules, err := s.store.ListRules(ctx, r.ID)
	if err != nil {
		return schedule.Plan{}, err
	}
	excs, err := s.store.ListExceptions(ctx, r.ID)
	if err != nil {
		return schedule.Plan{}, err
	}
	ops := make([]string, len(r.Operators))
	for i, op := range r.Operators {
		ops[i] = op.ID
	}
	return schedule.Plan{Location: loc, Kind: r.Kind, Operators: ops, Rules: rules, Exceptions: excs}, nil
}

// period loads the rows of p and computes its figures.
func (s *Service) period(ctx context.Context, sc scope, p Period, now time.Time) (Figures, error) {
	rows := Rows{Services: sc.services}
	var waits Waitlist
	for id, plan := range sc.plans {
		slots, err := Offered(id, plan, p)
		if err != nil {
			return Figures{}, err
		}
		rows.Slots = append(rows.Slots, slots...)
	}
	for _, z := range sc.zones {
		from, to := p.Bounds(z.loc)
		b, err := s.store.StatsBookings(ctx, z.ids, from, to)
		if err != nil {
			return Figures{}, err
		}
		rows.Bookings = append(rows.Bookings, b...)
		t, err := s.store.StatsTickets(ctx, z.ids, from, to)
		if err != nil {
			return Figures{}, err
		}
		rows.Tickets = append(rows.Tickets, t...)
		w, err := s.store.StatsWaitlist(ctx, z.ids, from, to)
		if err != nil {
			return Figures{}, err
		}
		waits = waits.add(w)
	}
	f := Compute(p, rows, now)
	f.Waitlist = waits
	return f, nil
}
