package sqlite_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/store"
	"github.com/varco-gate/varco/internal/store/sqlite"
)

var (
	anagrafePlace = demo.ID("place/anagrafe")
	anagrafeGroup = demo.ID("resource/anagrafe")
	pierPlace     = demo.ID("place/pontile")
	boatOrg       = demo.ID("org/navigazione")
	laura         = demo.ID("operator/laura")
	marco         = demo.ID("operator/marco")
)

// insertBooking writes a minimal booking row; the catalog only looks at
// resource, operator, start and status.
func insertBooking(t *testing.T, db *sqlite.DB, resourceID, operatorID string, start time.Time, status int) {
	t.Helper()
	orgID, err := db.ResourceOrg(t.Context(), resourceID)
	require.NoError(t, err)
	id := fmt.Sprintf("b-%d-%s-%d", start.UnixMilli(), resourceID, status)
	_, err = db.W.ExecContext(t.Context(), `INSERT INTO bookings (id, code, organization_id, resource_id, operator_id,
		start_ms, end_ms, slot_starts, seats, status, given_name, family_name, codice_fiscale, email,
		privacy_consent_ms, cancel_token_hash, idempotency_key, created_at_ms, updated_at_ms)
		VALUES (?,?,?,?,?,?,?,'[]',1,?,'Mario','Rossi','RSSMRA85T10A562S','mario@example.it',?,?,?,?,?)`,
		id, id, orgID, resourceID, operatorID, start.UnixMilli(), start.Add(15*time.Minute).UnixMilli(), status,
		t0.UnixMilli(), []byte(id), id, t0.UnixMilli(), t0.UnixMilli())
	require.NoError(t, err)
}

func requireField(t *testing.T, err error, field string) {
	t.Helper()
	var fe *fault.Error
	require.True(t, errors.As(err, &fe), "want a fault, got %v", err)
	require.Equal(t, field, fe.Field)
}

func TestCreateOrganizationWithOrganizer(t *testing.T) {
	t.Parallel()
	db := openDemoDB(t)
	ctx := t.Context()
	mustCreateAccount(t, db, testAccount("a1", "mario@example.it", "RSSMRA85T10A562S"))
	o := catalog.Organization{ID: "org-new", Name: "Pro Loco", Kind: catalog.OrgAssociation, CreatedAt: t0, UpdatedAt: t0}

	require.NoError(t, db.CreateOrganizationWithOrganizer(ctx, o, "a1", t0))
	got, err := db.GetOrganization(ctx, "org-new")
	require.NoError(t, err)
	require.Equal(t, o, got)
	roles, err := db.ListAccountRoles(ctx, "a1")
	require.NoError(t, err)
	require.Equal(t, []authz.Role{{OrganizationID: "org-new", Kind: authz.RoleOrganizer}}, roles)

	// Both rows or neither: an unknown organizer leaves no organization.
	o.ID = "org-orphan"
	require.ErrorIs(t, db.CreateOrganizationWithOrganizer(ctx, o, "ghost", t0), store.ErrNotFound)
	_, err = db.GetOrganization(ctx, "org-orphan")
	require.ErrorIs(t, err, store.ErrNotFound)
	o.ID = "org-new"
	require.ErrorIs(t, db.CreateOrganizationWithOrganizer(ctx, o, "a1", t0), store.ErrConflict)
}

func TestReplaceOrganization(t *testing.T) {
	t.Parallel()
	db := openDemoDB(t)
	ctx := t.Context()
	before, err := db.GetOrganization(ctx, demo.ComuneID)
	require.NoError(t, err)
	o := catalog.Organization{
		ID: demo.ComuneID, Name: "Comune di Borgo Varco (MN)", Kind: catalog.OrgPublicOffice,
		Contacts: catalog.Contacts{Email: "protocollo@comune.example"}, UpdatedAt: t0.Add(time.Hour),
	}
	require.NoError(t, db.ReplaceOrganization(ctx, o))
	got, err := db.GetOrganization(ctx, demo.ComuneID)
	require.NoError(t, err)
	o.CreatedAt = before.CreatedAt
	require.Equal(t, o, got, "every descriptive field replaced, creation kept")

	o.ID = "nope"
	require.ErrorIs(t, db.ReplaceOrganization(ctx, o), store.ErrNotFound)
}

func TestReplacePlace(t *testing.T) {
	t.Parallel()
	db := openDemoDB(t)
	ctx := t.Context()
	p, err := db.GetPlace(ctx, anagrafePlace)
	require.NoError(t, err)
	p.Name, p.Location, p.Contacts = "Anagrafe e Stato Civile", nil, catalog.Contacts{}
	p.UpdatedAt = t0
	require.NoError(t, db.ReplacePlace(ctx, p))
	got, err := db.GetPlace(ctx, anagrafePlace)
	require.NoError(t, err)
	require.Equal(t, p, got)

	// Past and cancelled bookings do not hold the zone; a future confirmed
	// one does.
	insertBooking(t, db, demo.CIEID, laura, t0.Add(-time.Hour), 1)
	insertBooking(t, db, demo.CIEID, laura, t0.Add(24*time.Hour), 2)
	p.TimeZone = "Europe/Zurich"
	require.NoError(t, db.ReplacePlace(ctx, p))
	insertBooking(t, db, demo.CIEID, laura, t0.Add(24*time.Hour), 1)
	p.TimeZone = "Europe/Rome"
	require.ErrorIs(t, db.ReplacePlace(ctx, p), catalog.ErrTimeZoneLocked)
	p.TimeZone, p.Name = "Europe/Zurich", "Anagrafe"
	require.NoError(t, db.ReplacePlace(ctx, p), "other fields may change")

	p.ID = "nope"
	require.ErrorIs(t, db.ReplacePlace(ctx, p), store.ErrNotFound)
}

func newLeaf(id string) catalog.Resource {
	return catalog.Resource{
		ID: id, OrganizationID: demo.ComuneID, PlaceID: anagrafePlace, ParentID: anagrafeGroup,
		Kind: catalog.KindAppointment, Name: "Certificati", Active: true,
		Acknowledgements: []catalog.Acknowledgement{{ID: "ack-1", Text: "Ho letto"}},
		Operators:        []catalog.Operator{{ID: laura}, {ID: "op-new", DisplayName: "Sportello 3 - Anna"}},
		Policy:           catalog.Policy{HoldDuration: catalog.DefaultHoldDuration, MaxConsecutiveSlots: 1, MaxSeatsPerBooking: 1},
		CreatedAt:        t0, UpdatedAt: t0,
	}
}

func TestAddResource(t *testing.T) {
	t.Parallel()
	db := openDemoDB(t)
	ctx := t.Context()
	newOp := []catalog.Operator{{ID: "op-new", DisplayName: "Sportello 3 - Anna"}}

	r := newLeaf("r1")
	require.NoError(t, db.AddResource(ctx, r, newOp))
	got, err := db.GetResource(ctx, "r1")
	require.NoError(t, err)
	r.Operators = []catalog.Operator{{ID: laura, DisplayName: "Sportello 1 - Laura"}, newOp[0]}
	r.DocumentsToBring, r.Modes = []string{}, []catalog.Mode{} // read back as "[]"
	require.Equal(t, r, got, "existing operator linked, new one created")

	tests := []struct {
		name   string
		mutate func(*catalog.Resource)
		want   error
	}{
		{"place of another organization", func(r *catalog.Resource) { r.PlaceID = pierPlace }, catalog.ErrPlaceNotInOrganization},
		{"unknown place", func(r *catalog.Resource) { r.PlaceID = "nope" }, catalog.ErrPlaceNotInOrganization},
		{"unknown parent", func(r *catalog.Resource) { r.ParentID = "nope" }, catalog.ErrParentNotFound},
		{"parent of another organization", func(r *catalog.Resource) { r.ParentID = demo.BoatTripID }, catalog.ErrParentNotFound},
		{"bookable parent", func(r *catalog.Resource) { r.ParentID = demo.CIEID }, catalog.ErrParentNotGroup},
	}
	for i, tt := range tests {
		r := newLeaf(fmt.Sprintf("bad-%d", i))
		r.Operators, r.Acknowledgements = []catalog.Operator{{ID: laura}}, nil
		tt.mutate(&r)
		require.ErrorIs(t, db.AddResource(ctx, r, nil), tt.want, tt.name)
		_, err := db.GetResource(ctx, r.ID)
		require.ErrorIs(t, err, store.ErrNotFound, tt.name)
	}

	// The boat company's operators are not the Comune's; the failed insert
	// also rolls back the operator it would have created.
	other := []catalog.Operator{{ID: "boat-op", DisplayName: "Capitano"}}
	require.NoError(t, db.CreateOperator(ctx, boatOrg, other[0], "", t0))
	r = newLeaf("r2")
	r.Acknowledgements = nil
	r.Operators = []catalog.Operator{{ID: "op-brand-new", DisplayName: "Nuovo"}, {ID: "boat-op"}}
	err = db.AddResource(ctx, r, r.Operators[:1])
	requireField(t, err, "resource.operators[1].id")
	r.Operators = []catalog.Operator{{ID: "op-brand-new"}}
	requireField(t, db.AddResource(ctx, r, nil), "resource.operators[0].id")
}

func TestReplaceResource(t *testing.T) {
	t.Parallel()
	db := openDemoDB(t)
	ctx := t.Context()
	later := t0.Add(time.Hour)
	// anagrafe ⊃ sub ⊃ leaf
	sub := catalog.Resource{
		ID: "sub", OrganizationID: demo.ComuneID, PlaceID: anagrafePlace, ParentID: anagrafeGroup,
		Kind: catalog.KindGroup, Name: "Sotto-gruppo", Active: true, CreatedAt: t0, UpdatedAt: t0,
	}
	require.NoError(t, db.AddResource(ctx, sub, nil))
	leaf := newLeaf("leaf")
	leaf.ParentID = "sub"
	require.NoError(t, db.AddResource(ctx, leaf, leaf.Operators[1:]))

	group, err := db.GetResource(ctx, anagrafeGroup)
	require.NoError(t, err)
	group.UpdatedAt = later
	group.ParentID = "sub"
	require.ErrorIs(t, db.ReplaceResource(ctx, group, nil), catalog.ErrParentCycle, "under its own child")
	group.ParentID = anagrafeGroup
	require.ErrorIs(t, db.ReplaceResource(ctx, group, nil), catalog.ErrParentCycle, "under itself")
	group.ParentID = ""
	group.Kind = catalog.KindEvent
	require.ErrorIs(t, db.ReplaceResource(ctx, group, nil), catalog.ErrKindLocked, "a group with children")

	cie, err := db.GetResource(ctx, demo.CIEID)
	require.NoError(t, err)
	cie.UpdatedAt = later
	cie.Kind = catalog.KindEvent
	require.ErrorIs(t, db.ReplaceResource(ctx, cie, nil), catalog.ErrKindLocked, "a resource with weekly rules")
	cie.Kind = catalog.KindAppointment
	cie.Operators = cie.Operators[:1]
	require.ErrorIs(t, db.ReplaceResource(ctx, cie, nil), catalog.ErrOperatorInUse, "Marco works in the weekly rules")

	// The leaf has no rules: its operators change freely until one has a
	// future booking.
	leaf.UpdatedAt = later
	leaf.Name = "Certificati anagrafici"
	leaf.Operators = []catalog.Operator{{ID: marco}, {ID: "op-2", DisplayName: "Sportello 4"}}
	leaf.Acknowledgements = []catalog.Acknowledgement{{ID: "ack-2", Text: "Nuovo"}, {ID: "ack-1", Text: "Ho letto bene"}}
	require.NoError(t, db.ReplaceResource(ctx, leaf, leaf.Operators[1:]))
	got, err := db.GetResource(ctx, "leaf")
	require.NoError(t, err)
	require.Equal(t, "Certificati anagrafici", got.Name)
	require.Equal(t, later, got.UpdatedAt)
	require.Equal(t, t0, got.CreatedAt)
	require.Equal(t, leaf.Acknowledgements, got.Acknowledgements, "kept ids, new order and texts")
	require.Equal(t, []catalog.Operator{{ID: marco, DisplayName: "Sportello 2 - Marco"}, {ID: "op-2", DisplayName: "Sportello 4"}}, got.Operators)

	insertBooking(t, db, "leaf", marco, later.Add(time.Hour), 1)
	leaf.Operators = []catalog.Operator{{ID: "op-2"}}
	require.ErrorIs(t, db.ReplaceResource(ctx, leaf, nil), catalog.ErrOperatorInUse, "Marco has a future booking")
	leaf.Operators = []catalog.Operator{{ID: marco}, {ID: "op-2"}}
	hall := demo.ID("place/palazzo")
	leaf.PlaceID = hall
	require.ErrorIs(t, db.ReplaceResource(ctx, leaf, nil), catalog.ErrPlaceLocked)
	leaf.PlaceID = anagrafePlace
	leaf.Kind = catalog.KindEvent
	require.ErrorIs(t, db.ReplaceResource(ctx, leaf, nil), catalog.ErrKindLocked, "a resource with bookings")

	// Moving the leaf to the root is fine.
	leaf.Kind, leaf.ParentID = catalog.KindAppointment, ""
	require.NoError(t, db.ReplaceResource(ctx, leaf, nil))
	got, err = db.GetResource(ctx, "leaf")
	require.NoError(t, err)
	require.Empty(t, got.ParentID)

	leaf.ID = "nope"
	require.ErrorIs(t, db.ReplaceResource(ctx, leaf, nil), store.ErrNotFound)
	leaf.ID, leaf.OrganizationID = "leaf", boatOrg
	require.ErrorIs(t, db.ReplaceResource(ctx, leaf, nil), store.ErrNotFound, "not in that organization")
}

func TestRemoveResource(t *testing.T) {
	t.Parallel()
	db := openDemoDB(t)
	ctx := t.Context()
	later := t0.Add(time.Hour)

	_, err := db.RemoveResource(ctx, anagrafeGroup, later)
	require.ErrorIs(t, err, catalog.ErrHasChildren)

	// The tour has weekly rules and exceptions; they go with it.
	deactivated, err := db.RemoveResource(ctx, demo.TourID, later)
	require.NoError(t, err)
	require.False(t, deactivated)
	_, err = db.GetResource(ctx, demo.TourID)
	require.ErrorIs(t, err, store.ErrNotFound)
	rules, err := db.ListRules(ctx, demo.TourID)
	require.NoError(t, err)
	require.Empty(t, rules)

	// Past bookings keep the resource, deactivated.
	insertBooking(t, db, demo.CIEID, laura, t0.Add(-48*time.Hour), 4)
	deactivated, err = db.RemoveResource(ctx, demo.CIEID, later)
	require.NoError(t, err)
	require.True(t, deactivated)
	cie, err := db.GetResource(ctx, demo.CIEID)
	require.NoError(t, err)
	require.False(t, cie.Active)
	require.Equal(t, later, cie.UpdatedAt)

	_, err = db.RemoveResource(ctx, "nope", later)
	require.ErrorIs(t, err, store.ErrNotFound)
}
