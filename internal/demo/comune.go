package demo

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/varco-gate/varco/internal/catalog"
)

// loadComune creates the Comune, its registry office with the electronic ID
// card service, and the guided tour of the town hall.
func loadComune(ctx context.Context, s Store, now time.Time) error {
	org := catalog.Organization{
		ID: ComuneID, Name: "Comune di Borgo Varco", Kind: catalog.OrgPublicOffice,
		Description: "Comune dimostrativo: servizi anagrafici ed eventi culturali.",
		Contacts:    catalog.Contacts{Phone: "+390376000000", Email: "urp@comune.borgovarco.example", Website: "https://comune.borgovarco.example"},
		CreatedAt:   now, UpdatedAt: now,
	}
	if err := s.CreateOrganization(ctx, org); err != nil {
		return err
	}
	office := catalog.Place{
		ID: ID("place/anagrafe"), OrganizationID: org.ID, Name: "Ufficio Anagrafe",
		Address:  catalog.Address{Street: "Piazza del Municipio 1", PostalCode: "46010", City: "Borgo Varco", Province: "MN", Country: "IT"},
		Location: &catalog.GeoPoint{Latitude: 45.1553, Longitude: 10.7473},
		Contacts: catalog.Contacts{Phone: "+390376000001", Email: "anagrafe@comune.borgovarco.example"},
		TimeZone: catalog.DefaultTimeZone, Description: "Piano terra, accessibile. Parcheggio in piazza.",
		CreatedAt: now, UpdatedAt: now,
	}
	hall := catalog.Place{
		ID: ID("place/palazzo"), OrganizationID: org.ID, Name: "Palazzo Comunale - Sala degli Affreschi",
		Address:  catalog.Address{Street: "Piazza del Municipio 1", PostalCode: "46010", City: "Borgo Varco", Province: "MN", Country: "IT"},
		Location: &catalog.GeoPoint{Latitude: 45.1555, Longitude: 10.7470},
		TimeZone: catalog.DefaultTimeZone, CreatedAt: now, UpdatedAt: now,
	}
	for _, p := range []catalog.Place{office, hall} {
		if err := s.CreatePlace(ctx, p); err != nil {
			return err
		}
	}
	ops := []catalog.Operator{{ID: ID("operator/laura"), DisplayName: "Sportello 1 - Laura"}, {ID: ID("operator/marco"), DisplayName: "Sportello 2 - Marco"}}
	for _, op := range ops {
		if err := s.CreateOperator(ctx, org.ID, op, "", now); err != nil {
			return err
		}
	}
	group := catalog.Resource{
		ID: ID("resource/anagrafe"), OrganizationID: org.ID, PlaceID: office.ID, Kind: catalog.KindGroup,
		Name: "Servizi anagrafici", Description: "Documenti d'identità, certificati, residenza.", Active: true,
		CreatedAt: now, UpdatedAt: now,
	}
	cie := catalog.Resource{
		ID: CIEID, OrganizationID: org.ID, PlaceID: office.ID, ParentID: group.ID, Kind: catalog.KindAppointment,
		Name:        "Carta d'identità elettronica",
		Description: "Rilascio o rinnovo della carta d'identità elettronica (CIE). Durata 15 minuti.",
		DocumentsToBring: []string{
			"Una fototessera recente (formato ICAO)",
			"La vecchia carta d'identità o denuncia di smarrimento",
			"Tessera sanitaria (codice fiscale)",
			"Ricevuta del pagamento di 22,21 euro",
		},
		Acknowledgements: []catalog.Acknowledgement{{ID: ID("ack/cie-documents"), Text: "Ho letto cosa portare per la carta d'identità"}},
		Modes:            []catalog.Mode{catalog.ModeInPerson},
		Operators:        ops, OperatorChoice: true, Position: 1, Active: true,
		Policy: catalog.Policy{
			OpensDaysAhead: 60, MinNotice: 2 * time.Hour, SameDayCutoff: "12:00", HoldDuration: catalog.DefaultHoldDuration,
			MaxConsecutiveSlots: 2, MaxSeatsPerBooking: 1, MaxActivePerPerson: 1, CancelCutoff: 24 * time.Hour, ReminderLead: 24 * time.Hour,
		},
		CreatedAt: now, UpdatedAt: now,
	}
	opIDs := []string{ops[0].ID, ops[1].ID}
	tour := catalog.Resource{
		ID: TourID, OrganizationID: org.ID, PlaceID: hall.ID, Kind: catalog.KindEvent,
		Name:        "Visita guidata al Palazzo Comunale",
		Description: "Visita guidata agli affreschi del Palazzo. Il biglietto vale 90 minuti dal primo ingresso.",
		Ticketed:    true, Position: 2, Active: true,
		Policy: catalog.Policy{
			OpensDaysAhead: 30, MinNotice: 30 * time.Minute, HoldDuration: catalog.DefaultHoldDuration,
			MaxConsecutiveSlots: 1, MaxSeatsPerBooking: 6, MaxActivePerPerson: 2, CancelCutoff: 2 * time.Hour, ReminderLead: 3 * time.Hour,
			Tickets: catalog.TicketPolicy{ValidBeforeStart: 15 * time.Minute, ValidAfterEnd: 0, MaxStay: 90 * time.Minute, WarningLead: 10 * time.Minute},
		},
		CreatedAt: now, UpdatedAt: now,
	}
	for _, r := range []catalog.Resource{group, cie, tour} {
		if err := s.CreateResource(ctx, r); err != nil {
			return err
		}
	}
	mornings := weekdays([]int{1, 2, 3, 4, 5}, "08:30", "12:30", 15*time.Minute, 2, opIDs)
	afternoons := weekdays([]int{2, 4}, "15:00", "17:00", 15*time.Minute, 2, opIDs)
	if err := s.ReplaceRules(ctx, cie.ID, append(mornings, afternoons...)); err != nil {
		return err
	}
	if err := s.ReplaceRules(ctx, tour.ID, weekdays([]int{6, 7}, "10:00", "18:00", time.Hour, 30, nil)); err != nil {
		return err
	}
	for _, r := range []catalog.Resource{cie, tour} {
		for _, h := range italianHolidays {
			err := s.AddException(ctx, r.ID, catalog.Exception{
				ID: uuid.NewString(), Kind: catalog.ExceptionClosure, StartDate: h.date, EndDate: h.date,
				Yearly: true, Reason: h.name, CreatedAt: now,
			})
			if err != nil {
				return err
			}
		}
	}
	return nil
}
