package sqlite_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/store"
	"github.com/varco-gate/varco/internal/store/sqlite"
)

// openDemoDB is openIdentityDB with the demo organizations and resources,
// which staff roles and devices refer to.
func openDemoDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db := openIdentityDB(t)
	_, err := demo.Load(t.Context(), db, t0)
	require.NoError(t, err)
	return db
}

var navigazioneID = demo.ID("org/navigazione")

func TestStaffRoles(t *testing.T) {
	t.Parallel()
	db := openDemoDB(t)
	ctx := t.Context()
	mustCreateAccount(t, db, testAccount("a1", "mario@example.it", "RSSMRA85T10A562S"))
	b := testAccount("a2", "laura@example.it", "BNCLRA92E52F205Y")
	b.GivenName, b.FamilyName = "Laura", "Bianchi"
	mustCreateAccount(t, db, b)

	organizer := authz.Role{OrganizationID: demo.ComuneID, Kind: authz.RoleOrganizer}
	operator := authz.Role{OrganizationID: demo.ComuneID, Kind: authz.RoleOperator, ResourceIDs: []string{demo.CIEID}}
	boat := authz.Role{OrganizationID: navigazioneID, Kind: authz.RoleOperator}
	require.NoError(t, db.PutStaffRole(ctx, "a1", organizer, t0))
	require.NoError(t, db.PutStaffRole(ctx, "a1", boat, t0))
	require.NoError(t, db.PutStaffRole(ctx, "a2", operator, t0))

	roles, err := db.ListAccountRoles(ctx, "a1")
	require.NoError(t, err)
	require.ElementsMatch(t, []authz.Role{organizer, boat}, roles)
	roles, err = db.ListAccountRoles(ctx, "nobody")
	require.NoError(t, err)
	require.Empty(t, roles)

	staff, err := db.ListStaff(ctx, demo.ComuneID)
	require.NoError(t, err)
	require.Equal(t, []identity.StaffMember{
		{AccountID: "a2", GivenName: "Laura", FamilyName: "Bianchi", Email: "laura@example.it", Role: operator, GrantedAt: t0},
		{AccountID: "a1", GivenName: "Mario", FamilyName: "Rossi", Email: "mario@example.it", Role: organizer, GrantedAt: t0},
	}, staff, "ordered by family name")

	// A second grant replaces the role: one per account and organization.
	promoted := authz.Role{OrganizationID: demo.ComuneID, Kind: authz.RoleOrganizer}
	require.NoError(t, db.PutStaffRole(ctx, "a2", promoted, t0.Add(time.Hour)))
	roles, err = db.ListAccountRoles(ctx, "a2")
	require.NoError(t, err)
	require.Equal(t, []authz.Role{promoted}, roles)

	require.NoError(t, db.DeleteStaffRole(ctx, demo.ComuneID, "a2"))
	require.ErrorIs(t, db.DeleteStaffRole(ctx, demo.ComuneID, "a2"), store.ErrNotFound)
}

func TestStaffRoleChecks(t *testing.T) {
	t.Parallel()
	db := openDemoDB(t)
	ctx := t.Context()
	mustCreateAccount(t, db, testAccount("a1", "mario@example.it", "RSSMRA85T10A562S"))
	mustCreateAccount(t, db, testAccount("a2", "laura@example.it", "BNCLRA92E52F205Y"))

	err := db.PutStaffRole(ctx, "a1", authz.Role{OrganizationID: "nope", Kind: authz.RoleOrganizer}, t0)
	require.ErrorIs(t, err, identity.ErrOrganizationNotFound)
	require.ErrorIs(t, err, store.ErrNotFound)

	err = db.PutStaffRole(ctx, "ghost", authz.Role{OrganizationID: demo.ComuneID, Kind: authz.RoleOrganizer}, t0)
	require.ErrorIs(t, err, store.ErrNotFound)

	for _, id := range []string{demo.BoatTripID, "nope"} {
		err = db.PutStaffRole(ctx, "a1", authz.Role{OrganizationID: demo.ComuneID, Kind: authz.RoleOperator, ResourceIDs: []string{demo.CIEID, id}}, t0)
		require.ErrorIs(t, err, identity.ErrResourceNotInOrganization, id)
	}
	roles, err := db.ListAccountRoles(ctx, "a1")
	require.NoError(t, err)
	require.Empty(t, roles, "failed grants leave nothing behind")

	// The last organizer can be neither demoted nor removed.
	require.NoError(t, db.PutStaffRole(ctx, "a1", authz.Role{OrganizationID: demo.ComuneID, Kind: authz.RoleOrganizer}, t0))
	require.ErrorIs(t, db.PutStaffRole(ctx, "a1", authz.Role{OrganizationID: demo.ComuneID, Kind: authz.RoleOperator}, t0), identity.ErrLastOrganizer)
	require.ErrorIs(t, db.DeleteStaffRole(ctx, demo.ComuneID, "a1"), identity.ErrLastOrganizer)
	// With a second organizer, the first may go.
	require.NoError(t, db.PutStaffRole(ctx, "a2", authz.Role{OrganizationID: demo.ComuneID, Kind: authz.RoleOrganizer}, t0))
	require.NoError(t, db.DeleteStaffRole(ctx, demo.ComuneID, "a1"))
	require.ErrorIs(t, db.DeleteStaffRole(ctx, demo.ComuneID, "a2"), identity.ErrLastOrganizer)
}
