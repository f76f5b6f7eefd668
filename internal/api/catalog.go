package api

import (
	"context"
	"errors"
	"log/slog"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/store"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// CatalogReader is what the public catalog reads from storage.
type CatalogReader interface {
	ListOrganizations(ctx context.Context, afterName, afterID string, limit int) ([]catalog.Organization, error)
	GetOrganization(ctx context.Context, id string) (catalog.Organization, error)
	ListPlaces(ctx context.Context, orgID string) ([]catalog.Place, error)
	GetPlace(ctx context.Context, id string) (catalog.Place, error)
	ListResources(ctx context.Context, orgID, placeID string) ([]catalog.Resource, error)
	GetResource(ctx context.Context, id string) (catalog.Resource, error)
}

// Catalog serves varco.v1.CatalogService.
type Catalog struct {
	varcov1connect.UnimplementedCatalogServiceHandler
	store CatalogReader
	avail Availability
	log   *slog.Logger
	grids gridResponses
}

// NewCatalog returns the CatalogService handler.
func NewCatalog(s CatalogReader, avail Availability, log *slog.Logger) *Catalog {
	return &Catalog{store: s, avail: avail, log: log}
}

var (
	errOrgNotFound      = fault.New(fault.NotFound, "organization_not_found")
	errResourceNotFound = fault.New(fault.NotFound, "resource_not_found")
)

func required(field, value string) error {
	if value == "" {
		return requiredField(field)
	}
	return nil
}

func requiredField(field string) error {
	return fault.InvalidField(field, "required")
}

var invalidLanguage = fault.InvalidField("language", "language")

// ListOrganizations pages through organizations by name.
func (c *Catalog) ListOrganizations(ctx context.Context, req *connect.Request[varcov1.ListOrganizationsRequest]) (*connect.Response[varcov1.ListOrganizationsResponse], error) {
	lang := Language(req.Header())
	size, err := pageSize(req.Msg.GetPageSize())
	if err != nil {
		return nil, ToConnect(ctx, c.log, lang, err)
	}
	cur, err := decodeCursor(req.Msg.GetPageToken())
	if err != nil {
		return nil, ToConnect(ctx, c.log, lang, err)
	}
	// Ask for one more than the page to know whether another page exists.
	orgs, err := c.store.ListOrganizations(ctx, cur.Key, cur.ID, size+1)
	if err != nil {
		return nil, ToConnect(ctx, c.log, lang, err)
	}
	res := &varcov1.ListOrganizationsResponse{}
	if len(orgs) > size {
		orgs = orgs[:size]
		last := orgs[size-1]
		res.NextPageToken = encodeCursor(cursor{Key: last.Name, ID: last.ID})
	}
	for _, o := range orgs {
		res.Organizations = append(res.Organizations, organizationPB(o))
	}
	return connect.NewResponse(res), nil
}

// ListPlaces lists the places of an organization.
func (c *Catalog) ListPlaces(ctx context.Context, req *connect.Request[varcov1.ListPlacesRequest]) (*connect.Response[varcov1.ListPlacesResponse], error) {
	lang := Language(req.Header())
	orgID := req.Msg.GetOrganizationId()
	if err := c.checkOrganization(ctx, orgID); err != nil {
		return nil, ToConnect(ctx, c.log, lang, err)
	}
	places, err := c.store.ListPlaces(ctx, orgID)
	if err != nil {
		return nil, ToConnect(ctx, c.log, lang, err)
	}
	res := &varcov1.ListPlacesResponse{}
	for _, p := range places {
		res.Places = append(res.Places, placePB(p))
	}
	return connect.NewResponse(res), nil
}

// ListResources returns an organization's resource tree in display order.
func (c *Catalog) ListResources(ctx context.Context, req *connect.Request[varcov1.ListResourcesRequest]) (*connect.Response[varcov1.ListResourcesResponse], error) {
	lang := Language(req.Header())
	m := req.Msg
	if err := c.checkOrganization(ctx, m.GetOrganizationId()); err != nil {
		return nil, ToConnect(ctx, c.log, lang, err)
	}
	list, err := c.store.ListResources(ctx, m.GetOrganizationId(), m.GetPlaceId())
	if err != nil {
		return nil, ToConnect(ctx, c.log, lang, err)
	}
	// Paused resources are hidden from the public. Staff of the
	// organization ask for them to manage them (and to reactivate one);
	// anyone else asking is refused rather than silently served less.
	withInactive := m.GetIncludeInactive()
	if _, staff := authz.FromContext(ctx).RoleIn(m.GetOrganizationId()); withInactive && !staff {
		return nil, ToConnect(ctx, c.log, lang, errInactiveStaffOnly)
	}
	visible := list[:0]
	for _, r := range list {
		if r.Active || withInactive {
			visible = append(visible, r)
		}
	}
	tree := catalog.Tree(visible)
	if root := m.GetRootId(); root != "" {
		tree = subtree(tree, root)
		if len(tree) == 0 {
			return nil, ToConnect(ctx, c.log, lang, errResourceNotFound)
		}
	}
	res := &varcov1.ListResourcesResponse{}
	for _, r := range tree {
		res.Resources = append(res.Resources, resourcePB(r))
	}
	return connect.NewResponse(res), nil
}

// GetResource returns a resource with breadcrumbs, children, place and
// organization, so a booking page needs one call.
func (c *Catalog) GetResource(ctx context.Context, req *connect.Request[varcov1.GetResourceRequest]) (*connect.Response[varcov1.GetResourceResponse], error) {
	lang := Language(req.Header())
	id := req.Msg.GetResourceId()
	if err := required("resource_id", id); err != nil {
		return nil, ToConnect(ctx, c.log, lang, err)
	}
	r, err := c.store.GetResource(ctx, id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !r.Active) {
		return nil, ToConnect(ctx, c.log, lang, errResourceNotFound)
	}
	if err != nil {
		return nil, ToConnect(ctx, c.log, lang, err)
	}
	all, err := c.store.ListResources(ctx, r.OrganizationID, "")
	if err != nil {
		return nil, ToConnect(ctx, c.log, lang, err)
	}
	place, err := c.store.GetPlace(ctx, r.PlaceID)
	if err != nil {
		return nil, ToConnect(ctx, c.log, lang, err)
	}
	org, err := c.store.GetOrganization(ctx, r.OrganizationID)
	if err != nil {
		return nil, ToConnect(ctx, c.log, lang, err)
	}
	byID := make(map[string]catalog.Resource, len(all))
	for _, x := range all {
		byID[x.ID] = x
	}
	res := &varcov1.GetResourceResponse{Place: placePB(place), Organization: organizationPB(org)}
	var ancestors []*varcov1.Resource
	for p, ok := byID[r.ParentID]; ok; p, ok = byID[p.ParentID] {
		ancestors = append([]*varcov1.Resource{resourcePB(p)}, ancestors...)
	}
	r.Depth = len(ancestors)
	res.Resource, res.Ancestors = resourcePB(r), ancestors
	for _, x := range catalog.Tree(all) {
		if x.ParentID == r.ID && x.Active {
			res.Children = append(res.Children, resourcePB(x))
		}
	}
	return connect.NewResponse(res), nil
}

func (c *Catalog) checkOrganization(ctx context.Context, orgID string) error {
	if err := required("organization_id", orgID); err != nil {
		return err
	}
	if _, err := c.store.GetOrganization(ctx, orgID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return errOrgNotFound
		}
		return err
	}
	return nil
}

// subtree keeps root and its descendants from a depth-first ordered list.
func subtree(tree []catalog.Resource, root string) []catalog.Resource {
	for i, r := range tree {
		if r.ID != root {
			continue
		}
		end := i + 1
		for end < len(tree) && tree[end].Depth > r.Depth {
			end++
		}
		return tree[i:end]
	}
	return nil
}

// errInactiveStaffOnly refuses include_inactive to callers without a role
// in the organization.
var errInactiveStaffOnly = fault.New(fault.PermissionDenied, "staff_only")
