package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/identity"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

const adminPassword = "password-amministratore"

// setupWithOrganizer starts the demo server and bootstraps an installation
// administrator who is organizer of the demo Comune; it returns their token.
func setupWithOrganizer(t *testing.T) (*bundle, string) {
	t.Helper()
	return bootstrapOrganizer(t, setup(t))
}

// bootstrapOrganizer makes an organizer of the demo Comune on a running
// server and logs them in.
func bootstrapOrganizer(t testing.TB, b *bundle) (*bundle, string) {
	t.Helper()
	ctx := context.Background()
	res, err := app.Bootstrap(ctx, b.dbPath, identity.BootstrapInput{
		Email: "admin@comune.example", Password: adminPassword, GivenName: "Anna", FamilyName: "Verdi",
		CodiceFiscale: "VRDGPP13R10B293P",
	}, demo.ComuneID, slog.New(slog.NewTextHandler(io.Discard, nil)), clock.Real{})
	require.NoError(t, err)
	require.True(t, res.Organizer)
	login, err := varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL).
		Login(ctx, connect.NewRequest(&varcov1.LoginRequest{Login: "admin@comune.example", Password: adminPassword}))
	require.NoError(t, err)
	return b, login.Msg.GetSession().GetToken()
}

// An organizer grants a citizen the operator role on one service; the role
// opens exactly that service's back office, and revoking it closes it again.
func TestStaffRolesEndToEnd(t *testing.T) {
	t.Parallel()
	b, organizer := setupWithOrganizer(t)
	ctx := context.Background()
	auth := varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL)
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)

	reg, err := auth.Register(ctx, connect.NewRequest(&varcov1.RegisterRequest{
		GivenName: "Mario", FamilyName: "Rossi", Email: "mario.rossi@example.it", CodiceFiscale: "RSSMRA85T10A562S",
		Phone: "3331234567", Password: "una password lunga", PrivacyConsent: true,
	}))
	require.NoError(t, err)
	mario := reg.Msg.GetSession().GetToken()
	schedule := func(token, resource string) connect.Code {
		_, err := admin.GetSchedule(ctx, authBearer(&varcov1.GetScheduleRequest{ResourceId: resource}, token))
		if err == nil {
			return 0 // connect.CodeOf(nil) is CodeUnknown
		}
		return connect.CodeOf(err)
	}
	require.Equal(t, connect.CodePermissionDenied, schedule(mario, demo.CIEID), "a citizen has no back office")

	granted, err := admin.GrantRole(ctx, authBearer(&varcov1.GrantRoleRequest{
		OrganizationId: demo.ComuneID, Login: "RSSMRA85T10A562S",
		Kind: varcov1.StaffRoleKind_STAFF_ROLE_KIND_OPERATOR, ResourceIds: []string{demo.CIEID},
	}, organizer))
	require.NoError(t, err)
	require.Equal(t, reg.Msg.GetAccount().GetId(), granted.Msg.GetMember().GetAccountId())

	who, err := auth.WhoAmI(ctx, authBearer(&varcov1.WhoAmIRequest{}, mario))
	require.NoError(t, err)
	require.Len(t, who.Msg.GetRoles(), 1)
	require.Equal(t, []string{demo.CIEID}, who.Msg.GetRoles()[0].GetResourceIds())

	// Authorized now: the operator reads the service's opening hours.
	require.Equal(t, connect.Code(0), schedule(mario, demo.CIEID))
	require.Equal(t, connect.CodePermissionDenied, schedule(mario, demo.TourID), "limited to the ID card service")
	_, err = admin.ListStaff(ctx, authBearer(&varcov1.ListStaffRequest{OrganizationId: demo.ComuneID}, mario))
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "operators do not manage staff")

	staff, err := admin.ListStaff(ctx, authBearer(&varcov1.ListStaffRequest{OrganizationId: demo.ComuneID}, organizer))
	require.NoError(t, err)
	require.Len(t, staff.Msg.GetMembers(), 2)

	// The Comune's organizer has no say over the boat business.
	_, err = admin.GrantRole(ctx, authBearer(&varcov1.GrantRoleRequest{
		OrganizationId: demo.ID("org/navigazione"), Login: "RSSMRA85T10A562S", Kind: varcov1.StaffRoleKind_STAFF_ROLE_KIND_ORGANIZER,
	}, organizer))
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err))

	_, err = admin.GrantRole(ctx, authBearer(&varcov1.GrantRoleRequest{
		OrganizationId: demo.ComuneID, Login: "nessuno@example.it", Kind: varcov1.StaffRoleKind_STAFF_ROLE_KIND_OPERATOR,
	}, organizer))
	require.Equal(t, connect.CodeNotFound, connect.CodeOf(err), "granting to an unknown login")

	_, err = admin.RevokeRole(ctx, authBearer(&varcov1.RevokeRoleRequest{
		OrganizationId: demo.ComuneID, AccountId: reg.Msg.GetAccount().GetId(),
	}, organizer))
	require.NoError(t, err)
	require.Equal(t, connect.CodePermissionDenied, schedule(mario, demo.CIEID), "revoked at once")
}
