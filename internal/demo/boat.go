package demo

import (
	"context"
	"time"

	"github.com/varco-gate/varco/internal/catalog"
)

// loadBoatTrip creates a local business offering a ticketed boat trip.
func loadBoatTrip(ctx context.Context, s Store, now time.Time) error {
	org := catalog.Organization{
		ID: ID("org/navigazione"), Name: "Navigazione Laghi di Mantova", Kind: catalog.OrgBusiness,
		Description: "Escursioni in battello sui laghi e sul Mincio.",
		Contacts:    catalog.Contacts{Phone: "+390376000100", Email: "info@navigazione.example"},
		CreatedAt:   now, UpdatedAt: now,
	}
	if err := s.CreateOrganization(ctx, org); err != nil {
		return err
	}
	pier := catalog.Place{
		ID: ID("place/pontile"), OrganizationID: org.ID, Name: "Pontile di Grazie",
		Address:  catalog.Address{Street: "Via del Lago 3", PostalCode: "46010", City: "Borgo Varco", Province: "MN", Country: "IT"},
		Location: &catalog.GeoPoint{Latitude: 45.1610, Longitude: 10.6890},
		TimeZone: catalog.DefaultTimeZone, Description: "Imbarco 10 minuti prima della partenza.",
		CreatedAt: now, UpdatedAt: now,
	}
	if err := s.CreatePlace(ctx, pier); err != nil {
		return err
	}
	boat := catalog.Resource{
		ID: BoatTripID, OrganizationID: org.ID, PlaceID: pier.ID, Kind: catalog.KindEvent,
		Name:        "Gita in battello sul Mincio",
		Description: "Un'ora e mezza tra i fiori di loto. 12 posti per corsa.",
		Ticketed:    true, Active: true,
		Policy: catalog.Policy{
			OpensDaysAhead: 45, MinNotice: time.Hour, HoldDuration: catalog.DefaultHoldDuration,
			MaxConsecutiveSlots: 1, MaxSeatsPerBooking: 4, CancelCutoff: 24 * time.Hour, ReminderLead: 2 * time.Hour,
			Tickets: catalog.TicketPolicy{ValidBeforeStart: 20 * time.Minute, ValidAfterEnd: 0},
		},
		CreatedAt: now, UpdatedAt: now,
	}
	if err := s.CreateResource(ctx, boat); err != nil {
		return err
	}
	rules := append(weekdays([]int{3, 4, 5, 6, 7}, "10:00", "11:30", 90*time.Minute, 12, nil),
		weekdays([]int{3, 4, 5, 6, 7}, "15:00", "16:30", 90*time.Minute, 12, nil)...)
	return s.ReplaceRules(ctx, boat.ID, rules)
}
