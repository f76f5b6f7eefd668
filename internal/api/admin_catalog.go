package api

import (
	"context"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// CatalogWriter is what the AdminService needs to write the catalog
// (implemented by catalog.Service). Failures are fault errors naming the
// request field, e.g. "resource.policy.hold_duration".
type CatalogWriter interface {
	CreateOrganization(ctx context.Context, organizerAccountID string, o catalog.Organization) (catalog.Organization, error)
	UpdateOrganization(ctx context.Context, o catalog.Organization) (catalog.Organization, error)
	CreatePlace(ctx context.Context, p catalog.Place) (catalog.Place, error)
	UpdatePlace(ctx context.Context, p catalog.Place) (catalog.Place, error)
	CreateResource(ctx context.Context, r catalog.Resource) (catalog.Resource, error)
	UpdateResource(ctx context.Context, r catalog.Resource) (catalog.Resource, error)
	DeleteResource(ctx context.Context, id string) (deactivated bool, err error)
}

// The interceptor has already checked the caller: installation
// administrator for CreateOrganization, organizer of the organization the
// request names (or that owns the place or resource) for the others. These
// handlers only translate.

// absentMessage reports an absent request message, which would otherwise
// surface as a confusing error about its first required field.
func absentMessage(field string) error {
	return fault.InvalidField(field, "required")
}

// CreateOrganization adds an organization with the caller as organizer.
func (a *Admin) CreateOrganization(ctx context.Context, req *connect.Request[varcov1.CreateOrganizationRequest]) (*connect.Response[varcov1.CreateOrganizationResponse], error) {
	lang := Language(req.Header())
	m := req.Msg.GetOrganization()
	if m == nil {
		return nil, ToConnect(ctx, a.log, lang, absentMessage("organization"))
	}
	o, err := a.deps.Catalog.CreateOrganization(ctx, authz.FromContext(ctx).AccountID, organizationIn(m))
	if err != nil {
		return nil, ToConnect(ctx, a.log, lang, err)
	}
	return connect.NewResponse(&varcov1.CreateOrganizationResponse{Organization: organizationPB(o)}), nil
}

// UpdateOrganization replaces an organization's descriptive fields.
func (a *Admin) UpdateOrganization(ctx context.Context, req *connect.Request[varcov1.UpdateOrganizationRequest]) (*connect.Response[varcov1.UpdateOrganizationResponse], error) {
	lang := Language(req.Header())
	o, err := a.deps.Catalog.UpdateOrganization(ctx, organizationIn(req.Msg.GetOrganization()))
	if err != nil {
		return nil, ToConnect(ctx, a.log, lang, err)
	}
	return connect.NewResponse(&varcov1.UpdateOrganizationResponse{Organization: organizationPB(o)}), nil
}

// CreatePlace adds a place to an organization.
func (a *Admin) CreatePlace(ctx context.Context, req *connect.Request[varcov1.CreatePlaceRequest]) (*connect.Response[varcov1.CreatePlaceResponse], error) {
	lang := Language(req.Header())
	p, err := a.deps.Catalog.CreatePlace(ctx, placeIn(req.Msg.GetPlace()))
	if err != nil {
		return nil, ToConnect(ctx, a.log, lang, err)
	}
	return connect.NewResponse(&varcov1.CreatePlaceResponse{Place: placePB(p)}), nil
}

// UpdatePlace replaces a place's fields.
func (a *Admin) UpdatePlace(ctx context.Context, req *connect.Request[varcov1.UpdatePlaceRequest]) (*connect.Response[varcov1.UpdatePlaceResponse], error) {
	lang := Language(req.Header())
	p, err := a.deps.Catalog.UpdatePlace(ctx, placeIn(req.Msg.GetPlace()))
	if err != nil {
		return nil, ToConnect(ctx, a.log, lang, err)
	}
	return connect.NewResponse(&varcov1.UpdatePlaceResponse{Place: placePB(p)}), nil
}

// CreateResource adds a resource to an organization's tree.
func (a *Admin) CreateResource(ctx context.Context, req *connect.Request[varcov1.CreateResourceRequest]) (*connect.Response[varcov1.CreateResourceResponse], error) {
	lang := Language(req.Header())
	r, err := a.deps.Catalog.CreateResource(ctx, resourceIn(req.Msg.GetResource()))
	if err != nil {
		return nil, ToConnect(ctx, a.log, lang, err)
	}
	return connect.NewResponse(&varcov1.CreateResourceResponse{Resource: resourcePB(r)}), nil
}

// UpdateResource replaces a resource's fields, operators and
// acknowledgements.
func (a *Admin) UpdateResource(ctx context.Context, req *connect.Request[varcov1.UpdateResourceRequest]) (*connect.Response[varcov1.UpdateResourceResponse], error) {
	lang := Language(req.Header())
	r, err := a.deps.Catalog.UpdateResource(ctx, resourceIn(req.Msg.GetResource()))
	if err != nil {
		return nil, ToConnect(ctx, a.log, lang, err)
	}
	return connect.NewResponse(&varcov1.UpdateResourceResponse{Resource: resourcePB(r)}), nil
}

// DeleteResource deletes a resource, or deactivates it when it has
// bookings.
func (a *Admin) DeleteResource(ctx context.Context, req *connect.Request[varcov1.DeleteResourceRequest]) (*connect.Response[varcov1.DeleteResourceResponse], error) {
	deactivated, err := a.deps.Catalog.DeleteResource(ctx, req.Msg.GetResourceId())
	if err != nil {
		return nil, ToConnect(ctx, a.log, Language(req.Header()), err)
	}
	return connect.NewResponse(&varcov1.DeleteResourceResponse{Deactivated: deactivated}), nil
}
