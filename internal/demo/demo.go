// Package demo loads a small, realistic catalog into an empty database so
// that a fresh server can be explored at once: a Comune with its registry
// office, a guided tour with timed tickets, and a local boat trip.
package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/varco-gate/varco/internal/catalog"
)

// Store is what loading the demo needs from storage.
type Store interface {
	CountOrganizations(ctx context.Context) (int, error)
	CreateOrganization(ctx context.Context, o catalog.Organization) error
	CreatePlace(ctx context.Context, p catalog.Place) error
	CreateOperator(ctx context.Context, orgID string, op catalog.Operator, accountID string, at time.Time) error
	CreateResource(ctx context.Context, r catalog.Resource) error
	ReplaceRules(ctx context.Context, resourceID string, rules []catalog.WeeklyRule) error
	AddException(ctx context.Context, resourceID string, e catalog.Exception) error
}

// namespace makes demo ids deterministic, so documentation examples that
// quote them work on every fresh install.
var namespace = uuid.MustParse("6f1c3c1e-0b6a-4a53-9d0e-5a7c2b1d9e01")

// ID returns the deterministic id of a demo object, e.g. ID("resource/cie").
func ID(name string) string { return uuid.NewSHA1(namespace, []byte(name)).String() }

// Well-known demo ids, quoted in the README.
var (
	ComuneID   = ID("org/comune")
	CIEID      = ID("resource/cie")
	TourID     = ID("resource/tour")
	BoatTripID = ID("resource/boat")
)

// italianHolidays are the national holidays with a fixed date: offices are
// closed every year on these days. (Easter Monday moves and is added by
// organizers as a one-off closure.)
var italianHolidays = []struct{ date, name string }{
	{"2000-01-01", "Capodanno"}, {"2000-01-06", "Epifania"}, {"2000-04-25", "Festa della Liberazione"},
	{"2000-05-01", "Festa del Lavoro"}, {"2000-06-02", "Festa della Repubblica"}, {"2000-08-15", "Ferragosto"},
	{"2000-11-01", "Ognissanti"}, {"2000-12-08", "Immacolata Concezione"}, {"2000-12-25", "Natale"},
	{"2000-12-26", "Santo Stefano"},
}

// Load fills an empty database with the demo catalog and reports whether it
// did; a database that already has organizations is left alone.
func Load(ctx context.Context, s Store, now time.Time) (bool, error) {
	n, err := s.CountOrganizations(ctx)
	if err != nil {
		return false, fmt.Errorf("demo: %w", err)
	}
	if n > 0 {
		return false, nil
	}
	steps := []func(context.Context, Store, time.Time) error{loadComune, loadBoatTrip}
	for _, step := range steps {
		if err := step(ctx, s, now); err != nil {
			return false, fmt.Errorf("demo: %w", err)
		}
	}
	return true, nil
}

func weekdays(days []int, start, end string, slot time.Duration, seats int, ops []string) []catalog.WeeklyRule {
	var rules []catalog.WeeklyRule
	for _, d := range days {
		rules = append(rules, catalog.WeeklyRule{
			ID: uuid.NewString(), Weekday: d, Start: start, End: end, SlotLength: slot, SeatsPerSlot: seats, OperatorIDs: ops,
		})
	}
	return rules
}
