package catalog_test

import (
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/store/sqlite"
)

var t0 = time.Date(2026, 3, 2, 9, 30, 0, 123456789, time.UTC)

func newService(t *testing.T) (*catalog.Service, *sqlite.DB, *clock.Fake) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), t.TempDir()+"/x.db", sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	_, err = demo.Load(t.Context(), db, t0)
	require.NoError(t, err)
	clk := clock.NewFake(t0)
	return catalog.NewService(db, clk), db, clk
}

// The service strings the pieces together: ids, timestamps, the organizer
// role, operator and acknowledgement ids across an update, depth.
func TestServiceResourceLifecycle(t *testing.T) {
	t.Parallel()
	svc, db, clk := newService(t)
	ctx := t.Context()
	require.NoError(t, db.CreateAccount(ctx, identity.Account{
		ID: "admin", Email: "admin@example.it", CodiceFiscale: "RSSMRA85T10A562S", GivenName: "Anna", FamilyName: "Verdi",
		Language: "it", PasswordHash: "x", PrivacyConsentAt: t0, CreatedAt: t0, UpdatedAt: t0,
	}))

	org, err := svc.CreateOrganization(ctx, "admin", catalog.Organization{Name: " Pro Loco ", Kind: catalog.OrgAssociation})
	require.NoError(t, err)
	require.NotEmpty(t, org.ID)
	require.Equal(t, "Pro Loco", org.Name)
	require.Equal(t, t0.Truncate(time.Millisecond), org.CreatedAt, "stored precision")
	roles, err := db.ListAccountRoles(ctx, "admin")
	require.NoError(t, err)
	require.Equal(t, []authz.Role{{OrganizationID: org.ID, Kind: authz.RoleOrganizer}}, roles)

	place, err := svc.CreatePlace(ctx, catalog.Place{OrganizationID: org.ID, Name: "Sede"})
	require.NoError(t, err)
	require.Equal(t, catalog.DefaultTimeZone, place.TimeZone)

	group, err := svc.CreateResource(ctx, catalog.Resource{
		OrganizationID: org.ID, PlaceID: place.ID, Kind: catalog.KindGroup, Name: "Sportelli",
	})
	require.NoError(t, err)
	require.True(t, group.Active)
	leaf, err := svc.CreateResource(ctx, catalog.Resource{
		OrganizationID: org.ID, PlaceID: place.ID, ParentID: group.ID, Kind: catalog.KindAppointment, Name: "Tessere",
		Acknowledgements: []catalog.Acknowledgement{{ID: "made-up", Text: "Ho letto"}},
		Operators:        []catalog.Operator{{DisplayName: "Sportello 1"}},
	})
	require.NoError(t, err)
	require.Equal(t, 1, leaf.Depth)
	require.Len(t, leaf.Operators, 1)
	require.Equal(t, "Sportello 1", leaf.Operators[0].DisplayName)
	require.NotEmpty(t, leaf.Operators[0].ID)
	kept := leaf.Acknowledgements[0].ID
	require.NotEqual(t, "made-up", kept, "ids are chosen by the server on create")
	require.Equal(t, catalog.DefaultHoldDuration, leaf.Policy.HoldDuration)

	clk.Advance(time.Minute)
	leaf.Name = "Tessere associative"
	leaf.Acknowledgements = append(leaf.Acknowledgements, catalog.Acknowledgement{ID: "made-up", Text: "Accetto"})
	leaf.Operators = append(leaf.Operators, catalog.Operator{DisplayName: "Sportello 2"})
	leaf.OrganizationID = "" // optional on update
	updated, err := svc.UpdateResource(ctx, leaf)
	require.NoError(t, err)
	require.Equal(t, "Tessere associative", updated.Name)
	require.Equal(t, 1, updated.Depth)
	require.Equal(t, kept, updated.Acknowledgements[0].ID, "existing id kept")
	require.NotEqual(t, "made-up", updated.Acknowledgements[1].ID, "unknown id replaced")
	require.Len(t, updated.Operators, 2)
	require.Equal(t, t0.Add(time.Minute).Truncate(time.Millisecond), updated.UpdatedAt)
	require.Equal(t, leaf.CreatedAt, updated.CreatedAt)

	updated.OrganizationID = demo.ComuneID
	_, err = svc.UpdateResource(ctx, updated)
	requireFault(t, err, "resource.organization_id")

	_, err = svc.DeleteResource(ctx, group.ID)
	require.ErrorIs(t, err, catalog.ErrHasChildren)
	deactivated, err := svc.DeleteResource(ctx, leaf.ID)
	require.NoError(t, err)
	require.False(t, deactivated)
	_, err = svc.DeleteResource(ctx, leaf.ID)
	require.ErrorIs(t, err, catalog.ErrResourceNotFound)
	_, err = svc.UpdateResource(ctx, updated)
	require.ErrorIs(t, err, catalog.ErrResourceNotFound)
}

func TestServiceUpdates(t *testing.T) {
	t.Parallel()
	svc, db, _ := newService(t)
	ctx := t.Context()

	o, err := db.GetOrganization(ctx, demo.ComuneID)
	require.NoError(t, err)
	o.Description, o.TaxCode = "Nuova descrizione", "" // the demo's placeholder code would not validate
	got, err := svc.UpdateOrganization(ctx, o)
	require.NoError(t, err)
	require.Equal(t, "Nuova descrizione", got.Description)
	require.Equal(t, o.CreatedAt, got.CreatedAt)
	o.ID = "nope"
	_, err = svc.UpdateOrganization(ctx, o)
	require.ErrorIs(t, err, catalog.ErrOrganizationNotFound)

	p, err := db.GetPlace(ctx, demo.ID("place/anagrafe"))
	require.NoError(t, err)
	p.TimeZone = ""
	p.OrganizationID = ""
	gotPlace, err := svc.UpdatePlace(ctx, p)
	require.NoError(t, err)
	require.Equal(t, catalog.DefaultTimeZone, gotPlace.TimeZone)
	require.Equal(t, demo.ComuneID, gotPlace.OrganizationID)
	p.OrganizationID = demo.ID("org/navigazione")
	_, err = svc.UpdatePlace(ctx, p)
	requireFault(t, err, "place.organization_id")
	p.ID, p.OrganizationID = "nope", ""
	_, err = svc.UpdatePlace(ctx, p)
	require.ErrorIs(t, err, catalog.ErrPlaceNotFound)
	p.TimeZone = "Mars/Olympus"
	_, err = svc.UpdatePlace(ctx, p)
	requireFault(t, err, "place.time_zone")
}

func requireFault(t *testing.T, err error, field string) {
	t.Helper()
	var fe *fault.Error
	require.True(t, errors.As(err, &fe), "want a fault, got %v", err)
	require.Equal(t, fault.Invalid, fe.Kind)
	require.Equal(t, field, fe.Field)
}
