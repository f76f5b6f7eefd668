package main

import (
	"context"
	"fmt"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/varco-gate/varco/client"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// applier brings the server's catalog in line with a file, one object at
// a time, writing only where the canonical forms differ: applying the
// same file twice writes nothing the second time.
type applier struct {
	api    *client.Client
	dryRun bool
	prune  bool
	report *applyReport

	orgID     string
	places    map[string]*varcov1.Place // by name
	existing  map[resKey]*varcov1.Resource
	operators map[string]string // display name → id, across the organization
}

// resKey identifies a resource by its parent and name, as the file does.
type resKey struct{ parentID, name string }

// pending stands for the id of an object a dry run would create.
const pending = "(new)"

func (a *applier) record(action, kind, name, id string, fields []string) {
	a.report.Changes = append(a.report.Changes, change{Action: action, Kind: kind, Name: name, ID: id, Fields: fields})
	switch action {
	case "created":
		a.report.Created++
	case "updated":
		a.report.Updated++
	case "unchanged":
		a.report.Unchanged++
	case "deleted":
		a.report.Deleted++
	}
}

func (a *applier) warn(format string, args ...any) {
	a.report.Warnings = append(a.report.Warnings, fmt.Sprintf(format, args...))
}

func (a *applier) run(ctx context.Context, f *catalogFile) error {
	if err := a.organization(ctx, f.Organization); err != nil {
		return err
	}
	if err := a.loadExisting(ctx); err != nil {
		return err
	}
	for _, p := range f.Places {
		if err := a.place(ctx, p); err != nil {
			return err
		}
	}
	return a.resources(ctx, f.Resources, "", "", "")
}

// reconcile updates an object whose canonical form differs. After the
// update it compares again: when what the server stores equals what it
// stored before, the difference was only in how the file writes a value
// (a phone number the server normalizes) — nothing changed, and the user
// is told how to write it so the next apply is quiet.
func (a *applier) reconcile(kind, name, id string, want, have proto.Message, update func() (proto.Message, error)) error {
	return a.reconcileAs("updated", kind, name, id, want, have, update)
}

// reconcileAs is reconcile reporting a change as action: rules set on a
// resource that had none are "created".
func (a *applier) reconcileAs(action, kind, name, id string, want, have proto.Message, update func() (proto.Message, error)) error {
	diff := diffFields(want, have)
	if len(diff) == 0 {
		a.record("unchanged", kind, name, id, nil)
		return nil
	}
	fields := diffPaths(diff)
	if action == "created" {
		fields = nil // everything is new; listing fields says nothing
	}
	if a.dryRun {
		a.record(action, kind, name, id, fields)
		return nil
	}
	after, err := update()
	if err != nil {
		return err
	}
	if proto.Equal(after, have) {
		for _, d := range diffFields(want, after) {
			a.warn("%s %q: the server stores %s as %s, the file says %s: write it as the server does", kind, name, d.Path, d.Have, d.Want)
		}
		a.record("unchanged", kind, name, id, nil)
		return nil
	}
	a.record(action, kind, name, id, fields)
	return nil
}

func (a *applier) organization(ctx context.Context, spec orgSpec) error {
	name := strings.TrimSpace(spec.Name)
	var found *varcov1.Organization
	for token := ""; ; {
		res, err := a.api.Catalog.ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{PageSize: 200, PageToken: token}))
		if err != nil {
			return callErr("list organizations", err)
		}
		for _, o := range res.Msg.GetOrganizations() {
			if strings.TrimSpace(o.GetName()) == name {
				if found != nil {
					return fmt.Errorf("two organizations are named %q: rename one on the server", name)
				}
				found = o
			}
		}
		if token = res.Msg.GetNextPageToken(); token == "" {
			break
		}
	}
	want := spec.proto()
	if found == nil {
		if a.dryRun {
			a.record("created", "organization", name, "", nil)
			return nil
		}
		res, err := a.api.Admin.CreateOrganization(ctx, connect.NewRequest(&varcov1.CreateOrganizationRequest{Organization: want}))
		if connect.CodeOf(err) == connect.CodePermissionDenied {
			return fmt.Errorf("organization %q does not exist, and only the installation administrator may create it", name)
		}
		if err != nil {
			return callErr(fmt.Sprintf("create organization %q", name), err)
		}
		a.orgID = res.Msg.GetOrganization().GetId()
		a.report.OrganizationID = a.orgID
		a.record("created", "organization", name, a.orgID, nil)
		return nil
	}
	a.orgID = found.GetId()
	a.report.OrganizationID = a.orgID
	return a.reconcile("organization", name, a.orgID, canonOrg(want), canonOrg(found), func() (proto.Message, error) {
		want.Id = a.orgID
		res, err := a.api.Admin.UpdateOrganization(ctx, connect.NewRequest(&varcov1.UpdateOrganizationRequest{Organization: want}))
		if err != nil {
			return nil, callErr(fmt.Sprintf("update organization %q", name), err)
		}
		return canonOrg(res.Msg.GetOrganization()), nil
	})
}

// loadExisting reads the organization's places and resource tree (nothing,
// when a dry run is about to create the organization).
func (a *applier) loadExisting(ctx context.Context) error {
	a.places, a.existing, a.operators = map[string]*varcov1.Place{}, map[resKey]*varcov1.Resource{}, map[string]string{}
	if a.orgID == "" {
		return nil
	}
	places, err := a.api.Catalog.ListPlaces(ctx, connect.NewRequest(&varcov1.ListPlacesRequest{OrganizationId: a.orgID}))
	if err != nil {
		return callErr("list places", err)
	}
	for _, p := range places.Msg.GetPlaces() {
		name := strings.TrimSpace(p.GetName())
		if a.places[name] != nil {
			// Refused rather than guessed: updating the wrong one of two
			// namesakes would be a silent mistake.
			return fmt.Errorf("two places of the organization are named %q: rename one on the server", name)
		}
		a.places[name] = p
	}
	// Paused resources are included where the server supports it, so a
	// paused resource is found rather than created again.
	res, err := a.api.Catalog.ListResources(ctx, connect.NewRequest(&varcov1.ListResourcesRequest{OrganizationId: a.orgID, IncludeInactive: true}))
	if err != nil {
		return callErr("list resources", err)
	}
	for _, r := range res.Msg.GetResources() {
		k := resKey{r.GetParentId(), strings.TrimSpace(r.GetName())}
		if a.existing[k] != nil {
			return fmt.Errorf("two resources named %q share a parent on the server: rename one", k.name)
		}
		a.existing[k] = r
		a.learnOperators(r)
	}
	return nil
}

// learnOperators remembers the ids of operators by name, so a name used
// by several resources stays one operator.
func (a *applier) learnOperators(r *varcov1.Resource) {
	for _, op := range r.GetOperators() {
		if _, ok := a.operators[strings.TrimSpace(op.GetDisplayName())]; !ok {
			a.operators[strings.TrimSpace(op.GetDisplayName())] = op.GetId()
		}
	}
}

func (a *applier) operatorRef(name string) *varcov1.Operator {
	name = strings.TrimSpace(name)
	return &varcov1.Operator{Id: a.operators[name], DisplayName: name}
}

func (a *applier) place(ctx context.Context, spec placeSpec) error {
	name := strings.TrimSpace(spec.Name)
	want := spec.proto(a.orgID)
	have := a.places[name]
	if have == nil {
		if a.dryRun {
			a.places[name] = &varcov1.Place{Id: pending}
			a.record("created", "place", name, "", nil)
			return nil
		}
		res, err := a.api.Admin.CreatePlace(ctx, connect.NewRequest(&varcov1.CreatePlaceRequest{Place: want}))
		if err != nil {
			return callErr(fmt.Sprintf("create place %q", name), err)
		}
		a.places[name] = res.Msg.GetPlace()
		a.record("created", "place", name, res.Msg.GetPlace().GetId(), nil)
		return nil
	}
	return a.reconcile("place", name, have.GetId(), canonPlace(want), canonPlace(have), func() (proto.Message, error) {
		want.Id = have.GetId()
		res, err := a.api.Admin.UpdatePlace(ctx, connect.NewRequest(&varcov1.UpdatePlaceRequest{Place: want}))
		if err != nil {
			return nil, callErr(fmt.Sprintf("update place %q", name), err)
		}
		return canonPlace(res.Msg.GetPlace()), nil
	})
}

// resources applies one level of the tree, depth first: a parent must
// exist before its children can name it.
func (a *applier) resources(ctx context.Context, specs []resourceSpec, parentID, parentPath, parentPlace string) error {
	for i, spec := range specs {
		name := strings.TrimSpace(spec.Name)
		path := name
		if parentPath != "" {
			path = parentPath + " / " + name
		}
		placeName := strings.TrimSpace(spec.Place)
		if placeName == "" {
			placeName = parentPlace
		}
		place := a.places[placeName]
		if place == nil {
			return fmt.Errorf("resource %q: place %q is neither in the file nor on the server", path, placeName)
		}
		r, err := a.resource(ctx, spec, path, place.GetId(), parentID, i+1)
		if err != nil {
			return err
		}
		if err := a.schedule(ctx, spec, path, r); err != nil {
			return err
		}
		if err := a.resources(ctx, spec.Children, r.GetId(), path, placeName); err != nil {
			return err
		}
	}
	return nil
}

// resource creates or updates one resource and returns it as the server
// has it (in a dry run, as it would be: with a pending id when new).
func (a *applier) resource(ctx context.Context, spec resourceSpec, path, placeID, parentID string, position int) (*varcov1.Resource, error) {
	want := spec.proto(a.orgID, placeID, parentID, position, a.operatorRef)
	have := a.existing[resKey{parentID, strings.TrimSpace(spec.Name)}]
	if have == nil {
		if a.dryRun {
			want.Id = pending
			a.record("created", "resource", path, "", nil)
			return want, nil
		}
		res, err := a.api.Admin.CreateResource(ctx, connect.NewRequest(&varcov1.CreateResourceRequest{Resource: want}))
		if err != nil {
			return nil, callErr(fmt.Sprintf("create resource %q", path), err)
		}
		r := res.Msg.GetResource()
		a.learnOperators(r)
		a.record("created", "resource", path, r.GetId(), nil)
		return r, nil
	}
	want.Id = have.GetId()
	// Pausing a resource is the organizer's day-to-day decision, not the
	// catalog's: apply keeps it as it is.
	want.Active = have.GetActive()
	// Acknowledgements keep their ids when their text is unchanged, so
	// bookings' records of what was ticked keep pointing at them.
	used := map[string]bool{}
	for _, w := range want.GetAcknowledgements() {
		for _, h := range have.GetAcknowledgements() {
			if !used[h.GetId()] && strings.TrimSpace(h.GetText()) == strings.TrimSpace(w.GetText()) {
				w.Id, used[h.GetId()] = h.GetId(), true
				break
			}
		}
	}
	result := have
	err := a.reconcile("resource", path, have.GetId(), canonResource(want), canonResource(have), func() (proto.Message, error) {
		res, err := a.api.Admin.UpdateResource(ctx, connect.NewRequest(&varcov1.UpdateResourceRequest{Resource: want}))
		if err != nil {
			return nil, callErr(fmt.Sprintf("update resource %q", path), err)
		}
		result = res.Msg.GetResource()
		a.learnOperators(result)
		return canonResource(result), nil
	})
	if err != nil {
		return nil, err
	}
	if a.dryRun {
		return want, nil // the operators the rules name are those of the file
	}
	return result, nil
}
