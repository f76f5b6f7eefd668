package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// The installation administrator opens a new organization and builds its
// catalog through the AdminService; the public CatalogService shows it at
// once, and the organizer of another organization cannot touch it.
func TestCatalogWritesEndToEnd(t *testing.T) {
	t.Parallel()
	b, admin := setupWithOrganizer(t)
	ctx := context.Background()
	auth := varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL)
	back := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	public := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL)

	created, err := back.CreateOrganization(ctx, authBearer(&varcov1.CreateOrganizationRequest{
		Organization: &varcov1.Organization{
			Name: "Pro Loco di Borgo Varco", Kind: varcov1.OrganizationKind_ORGANIZATION_KIND_ASSOCIATION,
			Contacts: &varcov1.Contacts{Phone: "0376 654321", Email: "info@proloco.example", Website: "https://proloco.example"},
		},
	}, admin))
	require.NoError(t, err)
	org := created.Msg.GetOrganization()
	require.NotEmpty(t, org.GetId())
	require.Equal(t, "+390376654321", org.GetContacts().GetPhone(), "normalized to E.164")

	who, err := auth.WhoAmI(ctx, authBearer(&varcov1.WhoAmIRequest{}, admin))
	require.NoError(t, err)
	require.Contains(t, roleKinds(who.Msg), org.GetId()+"=STAFF_ROLE_KIND_ORGANIZER", "the creator is its organizer")

	placeRes, err := back.CreatePlace(ctx, authBearer(&varcov1.CreatePlaceRequest{Place: &varcov1.Place{
		OrganizationId: org.GetId(), Name: "Sede della Pro Loco",
		Address:  &varcov1.Address{Street: "Via Roma 5", PostalCode: "46010", City: "Borgo Varco", Province: "MN"},
		Location: &varcov1.GeoPoint{Latitude: 45.156, Longitude: 10.748},
	}}, admin))
	require.NoError(t, err)
	place := placeRes.Msg.GetPlace()
	require.Equal(t, "Europe/Rome", place.GetTimeZone(), "default zone")
	require.Equal(t, "IT", place.GetAddress().GetCountry(), "default country")

	_, err = back.CreatePlace(ctx, authBearer(&varcov1.CreatePlaceRequest{Place: &varcov1.Place{
		OrganizationId: org.GetId(), Name: "Altrove", TimeZone: "Europe/Atlantide",
	}}, admin))
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
	requireFieldViolation(t, err, "place.time_zone")

	groupRes, err := back.CreateResource(ctx, authBearer(&varcov1.CreateResourceRequest{Resource: &varcov1.Resource{
		OrganizationId: org.GetId(), PlaceId: place.GetId(), Kind: varcov1.ResourceKind_RESOURCE_KIND_GROUP,
		Name: "Sportello turistico",
	}}, admin))
	require.NoError(t, err)
	group := groupRes.Msg.GetResource()

	apptRes, err := back.CreateResource(ctx, authBearer(&varcov1.CreateResourceRequest{Resource: &varcov1.Resource{
		OrganizationId: org.GetId(), PlaceId: place.GetId(), ParentId: group.GetId(),
		Kind: varcov1.ResourceKind_RESOURCE_KIND_APPOINTMENT, Name: "Tessera socio",
		DocumentsToBring: []string{"Documento d'identità"},
		Acknowledgements: []*varcov1.Acknowledgement{{Text: "Ho letto lo statuto"}},
		Modes:            []varcov1.Mode{varcov1.Mode_MODE_IN_PERSON},
		Operators:        []*varcov1.Operator{{DisplayName: "Volontaria - Giulia"}},
		Policy:           &varcov1.BookingPolicy{OpensDaysAhead: 30, MinNotice: durationpb.New(3600e9)},
	}}, admin))
	require.NoError(t, err)
	appt := apptRes.Msg.GetResource()
	require.Equal(t, int32(1), appt.GetDepth())
	require.Len(t, appt.GetOperators(), 1)
	require.NotEmpty(t, appt.GetOperators()[0].GetId(), "the new operator was created")
	require.Len(t, appt.GetAcknowledgements(), 1)
	require.NotEmpty(t, appt.GetAcknowledgements()[0].GetId())
	require.Equal(t, int64(600), appt.GetPolicy().GetHoldDuration().GetSeconds(), "default hold")

	list, err := public.ListResources(ctx, connect.NewRequest(&varcov1.ListResourcesRequest{OrganizationId: org.GetId()}))
	require.NoError(t, err)
	var tree []string
	for _, r := range list.Msg.GetResources() {
		tree = append(tree, fmt.Sprintf("%s@%d under %s", r.GetName(), r.GetDepth(), r.GetParentId()))
	}
	require.Equal(t, []string{"Sportello turistico@0 under ", "Tessera socio@1 under " + group.GetId()}, tree)

	appt.Name = "Tessera socio 2026"
	upd, err := back.UpdateResource(ctx, authBearer(&varcov1.UpdateResourceRequest{Resource: appt}, admin))
	require.NoError(t, err)
	require.Equal(t, "Tessera socio 2026", upd.Msg.GetResource().GetName())
	require.Equal(t, appt.GetAcknowledgements()[0].GetId(), upd.Msg.GetResource().GetAcknowledgements()[0].GetId(), "ack id kept")
	got, err := public.GetResource(ctx, connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: appt.GetId()}))
	require.NoError(t, err)
	require.Equal(t, "Tessera socio 2026", got.Msg.GetResource().GetName())
	require.Equal(t, "Pro Loco di Borgo Varco", got.Msg.GetOrganization().GetName())
	require.Len(t, got.Msg.GetAncestors(), 1)

	// An organizer of the Comune only is a stranger to the Pro Loco.
	reg, err := auth.Register(ctx, connect.NewRequest(&varcov1.RegisterRequest{
		GivenName: "Mario", FamilyName: "Rossi", Email: "mario.rossi@example.it", CodiceFiscale: "RSSMRA85T10A562S",
		Phone: "3331234567", Password: "una password lunga", PrivacyConsent: true,
	}))
	require.NoError(t, err)
	_, err = back.GrantRole(ctx, authBearer(&varcov1.GrantRoleRequest{
		OrganizationId: demo.ComuneID, Login: "RSSMRA85T10A562S", Kind: varcov1.StaffRoleKind_STAFF_ROLE_KIND_ORGANIZER,
	}, admin))
	require.NoError(t, err)
	mario := reg.Msg.GetSession().GetToken()
	_, err = back.UpdateResource(ctx, authBearer(&varcov1.UpdateResourceRequest{Resource: appt}, mario))
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err))
	// Nor can the Comune adopt the Pro Loco's resource by naming itself.
	appt.OrganizationId = demo.ComuneID
	_, err = back.UpdateResource(ctx, authBearer(&varcov1.UpdateResourceRequest{Resource: appt}, mario))
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err))

	// A paused resource disappears for the public; its organization's staff
	// still list it, to manage and reactivate it; nobody else may ask.
	appt.OrganizationId, appt.Active = org.GetId(), false
	_, err = back.UpdateResource(ctx, authBearer(&varcov1.UpdateResourceRequest{Resource: appt}, admin))
	require.NoError(t, err)
	names := func(res *connect.Response[varcov1.ListResourcesResponse]) []string {
		var out []string
		for _, r := range res.Msg.GetResources() {
			out = append(out, r.GetName())
		}
		return out
	}
	list, err = public.ListResources(ctx, connect.NewRequest(&varcov1.ListResourcesRequest{OrganizationId: org.GetId()}))
	require.NoError(t, err)
	require.Equal(t, []string{"Sportello turistico"}, names(list))
	list, err = public.ListResources(ctx, authBearer(&varcov1.ListResourcesRequest{OrganizationId: org.GetId(), IncludeInactive: true}, admin))
	require.NoError(t, err)
	require.Equal(t, []string{"Sportello turistico", "Tessera socio 2026"}, names(list))
	_, err = public.ListResources(ctx, connect.NewRequest(&varcov1.ListResourcesRequest{OrganizationId: org.GetId(), IncludeInactive: true}))
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "anonymous")
	_, err = public.ListResources(ctx, authBearer(&varcov1.ListResourcesRequest{OrganizationId: org.GetId(), IncludeInactive: true}, mario))
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "staff of another organization")

	_, err = back.DeleteResource(ctx, authBearer(&varcov1.DeleteResourceRequest{ResourceId: group.GetId()}, admin))
	require.Equal(t, connect.CodeFailedPrecondition, connect.CodeOf(err))
	del, err := back.DeleteResource(ctx, authBearer(&varcov1.DeleteResourceRequest{ResourceId: appt.GetId()}, admin))
	require.NoError(t, err)
	require.False(t, del.Msg.GetDeactivated(), "no bookings: deleted")
	_, err = back.DeleteResource(ctx, authBearer(&varcov1.DeleteResourceRequest{ResourceId: group.GetId()}, admin))
	require.NoError(t, err, "empty now")
}

// Validation failures name the request field, in the caller's language.
func TestCatalogValidationEndToEnd(t *testing.T) {
	t.Parallel()
	b, admin := setupWithOrganizer(t)
	ctx := context.Background()
	back := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	place := demo.ID("place/anagrafe")

	req := authBearer(&varcov1.CreateResourceRequest{Resource: &varcov1.Resource{
		OrganizationId: demo.ComuneID, PlaceId: place, Kind: varcov1.ResourceKind_RESOURCE_KIND_EVENT, Name: "Concerto",
		Acknowledgements: []*varcov1.Acknowledgement{{Text: "a"}, {Text: "b"}, {Text: ""}},
	}}, admin)
	req.Header().Set("Accept-Language", "en")
	_, err := back.CreateResource(ctx, req)
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
	requireFieldViolation(t, err, "resource.acknowledgements[2].text")
	require.Contains(t, err.Error(), "This field is required")

	_, err = back.CreateResource(ctx, authBearer(&varcov1.CreateResourceRequest{Resource: &varcov1.Resource{
		OrganizationId: demo.ComuneID, PlaceId: place, Kind: varcov1.ResourceKind_RESOURCE_KIND_EVENT, Name: "Concerto",
		Policy: &varcov1.BookingPolicy{HoldDuration: durationpb.New(2 * 3600e9)},
	}}, admin))
	requireFieldViolation(t, err, "resource.policy.hold_duration")

	_, err = back.CreateResource(ctx, authBearer(&varcov1.CreateResourceRequest{Resource: &varcov1.Resource{
		OrganizationId: demo.ComuneID, PlaceId: place, ParentId: demo.CIEID,
		Kind: varcov1.ResourceKind_RESOURCE_KIND_EVENT, Name: "Concerto",
	}}, admin))
	requireFieldViolation(t, err, "resource.parent_id")

	// The boat company's pier is not the Comune's to use.
	_, err = back.CreateResource(ctx, authBearer(&varcov1.CreateResourceRequest{Resource: &varcov1.Resource{
		OrganizationId: demo.ComuneID, PlaceId: demo.ID("place/pontile"),
		Kind: varcov1.ResourceKind_RESOURCE_KIND_EVENT, Name: "Concerto sul lago",
	}}, admin))
	requireFieldViolation(t, err, "resource.place_id")

	_, err = back.CreateOrganization(ctx, authBearer(&varcov1.CreateOrganizationRequest{}, admin))
	requireFieldViolation(t, err, "organization")
	_, err = back.UpdateOrganization(ctx, authBearer(&varcov1.UpdateOrganizationRequest{Organization: &varcov1.Organization{
		Id: demo.ComuneID, Name: "Comune di Borgo Varco", Kind: varcov1.OrganizationKind_ORGANIZATION_KIND_PUBLIC_OFFICE,
		Contacts: &varcov1.Contacts{Website: "http://comune.example"},
	}}, admin))
	requireFieldViolation(t, err, "organization.contacts.website")
}

// roleKinds renders WhoAmI's roles as "org=KIND" for comparison.
func roleKinds(who *varcov1.WhoAmIResponse) []string {
	var out []string
	for _, r := range who.GetRoles() {
		out = append(out, r.GetOrganizationId()+"="+r.GetKind().String())
	}
	return out
}
