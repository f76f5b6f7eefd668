package export

import (
	"context"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/i18n"
	"github.com/varco-gate/varco/internal/schedule"
)

// MaxDays bounds one export's period: a year, leap day included. Longer
// periods are several files, which is also what an office archives.
const MaxDays = 366

// Field separators.
const (
	Semicolon = ';'
	Comma     = ','
)

// Format is how the file is written.
type Format struct {
	// Delimiter separates fields: Semicolon (the default, for Excel in
	// Italy, where the comma is the decimal separator) or Comma.
	Delimiter rune
	// Lang is the language of the header and labels: "it", "en" or "de".
	Lang string
}

// Request is an export as asked, before validation. Field names in errors
// are those of the RPC requests (and of the GET link's parameters).
type Request struct {
	Kind           Kind
	OrganizationID string
	// ResourceID narrows the export to a resource and its subtree.
	ResourceID       string
	FromDate, ToDate string
	Format           Format
}

// Plan is a validated export, ready to write.
type Plan struct {
	Kind             Kind
	Query            Query
	Format           Format
	FromDate, ToDate schedule.Date
	// Zone interprets the dates and formats rows whose place has none.
	Zone *time.Location
}

// ReasonText describes a scan reason code in a language.
type ReasonText func(reason, lang string) string

// Service plans and writes exports.
type Service struct {
	store      Store
	reasonText ReasonText
}

// New returns the export service. reasonText labels scan reasons (the same
// texts the gate operators read); nil leaves the label column empty.
func New(s Store, reasonText ReasonText) *Service {
	if reasonText == nil {
		reasonText = func(string, string) string { return "" }
	}
	return &Service{store: s, reasonText: reasonText}
}

// Plan validates r and resolves what it selects: the resource's subtree and
// the time zone whose local dates the period names — the resource's place,
// else the organization's places when they share one zone, else
// Europe/Rome. The caller has already checked that the caller may export
// the organization and that the resource belongs to it.
func (s *Service) Plan(ctx context.Context, r Request) (Plan, error) {
	p := Plan{Kind: r.Kind, Format: r.Format}
	if r.Kind != Bookings && r.Kind != Scans {
		return p, fault.InvalidField("kind", "required").Text("error.required.kind")
	}
	if r.OrganizationID == "" {
		return p, fault.InvalidField("organization_id", "required")
	}
	if err := validateFormat(&p.Format); err != nil {
		return p, err
	}
	var err error
	if p.FromDate, err = parseDate("from_date", r.FromDate); err != nil {
		return p, err
	}
	if p.ToDate, err = parseDate("to_date", r.ToDate); err != nil {
		return p, err
	}
	if p.ToDate.Before(p.FromDate) {
		return p, fault.InvalidField("to_date", "end_before_start")
	}
	if p.FromDate.DaysUntil(p.ToDate)+1 > MaxDays {
		return p, fault.InvalidField("to_date", "range_too_long").Text("error.range_too_long.to_date", MaxDays)
	}
	p.Query.OrganizationID = r.OrganizationID
	if p.Zone, p.Query.ResourceIDs, err = s.scope(ctx, r.OrganizationID, r.ResourceID); err != nil {
		return p, err
	}
	from, _ := schedule.Clock(0).At(p.FromDate, p.Zone)
	to, _ := schedule.Clock(0).At(p.ToDate.AddDays(1), p.Zone)
	p.Query.From, p.Query.To = from.UTC(), to.UTC()
	return p, nil
}

func validateFormat(f *Format) error {
	switch f.Delimiter {
	case 0:
		f.Delimiter = Semicolon
	case Semicolon, Comma:
	default:
		return fault.InvalidField("delimiter", "delimiter")
	}
	switch f.Lang {
	case "":
		f.Lang = "it"
	case i18n.IT, i18n.EN, i18n.DE:
	default:
		// The column headers exist in the catalog's languages only.
		return fault.InvalidField("language", "language").Text("error.language.export")
	}
	return nil
}

func parseDate(field, s string) (schedule.Date, error) {
	if s == "" {
		return schedule.Date{}, fault.InvalidField(field, "required")
	}
	d, err := schedule.ParseDate(s)
	if err != nil {
		return d, fault.InvalidField(field, "date_format")
	}
	return d, nil
}

// scope returns the zone of the period and the resources selected: the
// resource and its descendants (a group such as "Anagrafe" exports all its
// services, as statistics count them), or nil for the whole organization.
func (s *Service) scope(ctx context.Context, orgID, resourceID string) (*time.Location, []string, error) {
	if resourceID == "" {
		places, err := s.store.ListPlaces(ctx, orgID)
		if err != nil {
			return nil, nil, fmt.Errorf("export places: %w", err)
		}
		zone := catalog.DefaultTimeZone
		for i, pl := range places {
			tz := pl.TimeZone
			if tz == "" {
				tz = catalog.DefaultTimeZone
			}
			if i > 0 && tz != zone {
				zone = catalog.DefaultTimeZone
				break
			}
			zone = tz
		}
		loc, err := time.LoadLocation(zone)
		return loc, nil, err
	}
	all, err := s.store.ListResources(ctx, orgID, "")
	if err != nil {
		return nil, nil, fmt.Errorf("export resources: %w", err)
	}
	ids := subtree(all, resourceID)
	if len(ids) == 0 {
		return nil, nil, fault.New(fault.NotFound, "resource_not_found")
	}
	var placeID string
	for _, r := range all {
		if r.ID == resourceID {
			placeID = r.PlaceID
		}
	}
	pl, err := s.store.GetPlace(ctx, placeID)
	if err != nil {
		return nil, nil, fmt.Errorf("export place: %w", err)
	}
	loc, err := pl.Zone()
	return loc, ids, err
}

// subtree returns root and the ids of its descendants, or nil when root is
// not in the list.
func subtree(all []catalog.Resource, root string) []string {
	children := map[string][]string{}
	found := false
	for _, r := range all {
		children[r.ParentID] = append(children[r.ParentID], r.ID)
		found = found || r.ID == root
	}
	if !found {
		return nil
	}
	out := []string{root}
	seen := map[string]bool{root: true}
	for i := 0; i < len(out); i++ { // breadth-first; out grows as we go
		for _, c := range children[out[i]] {
			if !seen[c] { // a damaged tree must not loop forever
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

// FileName is the name offered for the downloaded file, e.g.
// "prenotazioni_2026-01-01_2026-01-31.csv".
func (p Plan) FileName() string {
	name := map[Kind]label{Bookings: "export.file.bookings", Scans: "export.file.scans"}[p.Kind]
	return fmt.Sprintf("%s_%s_%s.csv", name.in(p.Format.Lang), p.FromDate, p.ToDate)
}
