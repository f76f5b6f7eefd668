package catalog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/store"
)

// Failures of catalog writes. The store returns the relational ones
// (parent, place, operators, bookings) from inside its writing transaction,
// so a check and the write it guards can never be separated by another
// writer.
var (
	ErrOrganizationNotFound = fault.New(fault.NotFound, "organization_not_found")
	ErrPlaceNotFound        = fault.New(fault.NotFound, "place_not_found").Text("error.place_not_found.short")
	ErrResourceNotFound     = fault.New(fault.NotFound, "resource_not_found")

	// ErrPlaceNotInOrganization: the resource's place does not exist or
	// belongs to another organization (the two read the same, so ids of
	// other organizations leak nothing).
	ErrPlaceNotInOrganization = fault.InvalidField("resource.place_id", "place_not_found")
	// ErrParentNotFound: the parent does not exist in the organization.
	ErrParentNotFound = fault.InvalidField("resource.parent_id", "parent_not_found")
	// ErrParentNotGroup: only groups have children.
	ErrParentNotGroup = fault.InvalidField("resource.parent_id", "parent_not_group")
	// ErrParentCycle: the new parent is the resource itself or one of its
	// descendants.
	ErrParentCycle = fault.InvalidField("resource.parent_id", "parent_cycle")
	// ErrKindLocked: the kind of a resource with children, weekly rules or
	// bookings cannot change; they were made for the old kind.
	ErrKindLocked = fault.InvalidField("resource.kind", "kind_locked")
	// ErrOperatorInUse: an operator taken off the resource still works in
	// its weekly rules or has future bookings on it.
	ErrOperatorInUse = fault.InvalidField("resource.operators", "operator_in_use")
	// ErrHasChildren: a group with children cannot be deleted.
	ErrHasChildren = fault.New(fault.FailedPrecondition, "has_children")
	// ErrTimeZoneLocked: changing a place's time zone would move every
	// future booking's local time.
	ErrTimeZoneLocked = fault.New(fault.FailedPrecondition, "time_zone_future_bookings")
	// ErrPlaceLocked: moving a resource with future bookings would send
	// citizens to the wrong address (and maybe the wrong time zone).
	ErrPlaceLocked = fault.New(fault.FailedPrecondition, "place_future_bookings")
)

// OperatorNotInOrganization is the failure for an operator id, at index i
// of the request's list, that is not an operator of the organization.
func OperatorNotInOrganization(i int) error {
	return fault.InvalidField(fmt.Sprintf("resource.operators[%d].id", i), "operator_not_found")
}

func organizationImmutable(field string) error {
	return fault.InvalidField(field, "organization_immutable")
}

// Store is the storage the catalog service writes through. Lookups return
// errors wrapping store.ErrNotFound when nothing matches.
type Store interface {
	// CreateOrganizationWithOrganizer inserts o and makes accountID its
	// organizer in the same transaction, so no organization is ever left
	// without someone able to manage it.
	CreateOrganizationWithOrganizer(ctx context.Context, o Organization, accountID string, at time.Time) error
	// ReplaceOrganization overwrites o's descriptive fields and UpdatedAt.
	ReplaceOrganization(ctx context.Context, o Organization) error
	GetOrganization(ctx context.Context, id string) (Organization, error)

	CreatePlace(ctx context.Context, p Place) error
	// ReplacePlace overwrites p's fields (not its organization); it fails
	// with ErrTimeZoneLocked when the zone changes while confirmed bookings
	// at the place start after p.UpdatedAt.
	ReplacePlace(ctx context.Context, p Place) error
	GetPlace(ctx context.Context, id string) (Place, error)

	GetResource(ctx context.Context, id string) (Resource, error)
	// AddResource creates newOperators in r's organization and inserts r
	// with its acknowledgements and operator links, after checking place,
	// parent and existing operators (ErrPlaceNotInOrganization,
	// ErrParentNotFound, ErrParentNotGroup, OperatorNotInOrganization).
	AddResource(ctx context.Context, r Resource, newOperators []Operator) error
	// ReplaceResource does the same for an existing resource, replacing its
	// acknowledgements and operator set; it also refuses cycles
	// (ErrParentCycle), kind changes (ErrKindLocked), removing operators
	// still in use (ErrOperatorInUse) and moving a resource with future
	// bookings (ErrPlaceLocked), "future" meaning after r.UpdatedAt.
	ReplaceResource(ctx context.Context, r Resource, newOperators []Operator) error
	// RemoveResource deletes a resource, or only deactivates it when
	// bookings refer to it (reporting true); ErrHasChildren for a group
	// with children.
	RemoveResource(ctx context.Context, id string, at time.Time) (deactivated bool, err error)
}

// Service writes the catalog: organizations, places and the resource tree.
// It validates input, assigns ids and timestamps, and leaves the checks
// that need the database to the store's transactions. Authorization is the
// API edge's job.
type Service struct {
	store Store
	clk   clock.Clock
	newID func() string
}

// NewService returns a catalog Service writing through st, timing changes
// with clk.
func NewService(st Store, clk clock.Clock) *Service {
	return &Service{store: st, clk: clk, newID: uuid.NewString}
}

// now is truncated to the millisecond the store keeps, so what a write
// returns equals what a later read returns.
func (s *Service) now() time.Time { return s.clk.Now().UTC().Truncate(time.Millisecond) }

// CreateOrganization validates o, gives it a new id and stores it with
// organizerAccountID (the calling installation administrator) as its
// organizer.
func (s *Service) CreateOrganization(ctx context.Context, organizerAccountID string, o Organization) (Organization, error) {
	if organizerAccountID == "" {
		// The edge lets only logged-in administrators in; reaching here
		// without an account is a wiring bug, not a caller mistake.
		return Organization{}, errors.New("catalog: create organization without a caller account")
	}
	o, err := ValidateOrganization(o)
	if err != nil {
		return Organization{}, err
	}
	o.ID = s.newID()
	o.CreatedAt = s.now()
	o.UpdatedAt = o.CreatedAt
	if err := s.store.CreateOrganizationWithOrganizer(ctx, o, organizerAccountID, o.CreatedAt); err != nil {
		return Organization{}, fmt.Errorf("create organization: %w", err)
	}
	return o, nil
}

// UpdateOrganization replaces the descriptive fields of organization o.ID.
func (s *Service) UpdateOrganization(ctx context.Context, o Organization) (Organization, error) {
	if o.ID == "" {
		return Organization{}, required(orgField + ".id")
	}
	o, err := ValidateOrganization(o)
	if err != nil {
		return Organization{}, err
	}
	o.UpdatedAt = s.now()
	if err := s.store.ReplaceOrganization(ctx, o); err != nil {
		return Organization{}, notFoundAs(err, ErrOrganizationNotFound, "update organization")
	}
	return s.getOrganization(ctx, o.ID)
}

func (s *Service) getOrganization(ctx context.Context, id string) (Organization, error) {
	o, err := s.store.GetOrganization(ctx, id)
	if err != nil {
		return Organization{}, notFoundAs(err, ErrOrganizationNotFound, "get organization")
	}
	return o, nil
}

// CreatePlace validates p and stores it with a new id in
// p.OrganizationID.
func (s *Service) CreatePlace(ctx context.Context, p Place) (Place, error) {
	if p.OrganizationID == "" {
		return Place{}, required(placeField + ".organization_id")
	}
	p, err := ValidatePlace(p)
	if err != nil {
		return Place{}, err
	}
	p.ID = s.newID()
	p.CreatedAt = s.now()
	p.UpdatedAt = p.CreatedAt
	if err := s.store.CreatePlace(ctx, p); err != nil {
		return Place{}, fmt.Errorf("create place: %w", err)
	}
	return p, nil
}

// UpdatePlace replaces the fields of place p.ID. Its organization cannot
// change, nor its time zone while future bookings exist there.
func (s *Service) UpdatePlace(ctx context.Context, p Place) (Place, error) {
	if p.ID == "" {
		return Place{}, required(placeField + ".id")
	}
	p, err := ValidatePlace(p)
	if err != nil {
		return Place{}, err
	}
	cur, err := s.store.GetPlace(ctx, p.ID)
	if err != nil {
		return Place{}, notFoundAs(err, ErrPlaceNotFound, "update place")
	}
	if p.OrganizationID != "" && p.OrganizationID != cur.OrganizationID {
		return Place{}, organizationImmutable(placeField + ".organization_id")
	}
	p.OrganizationID, p.CreatedAt, p.UpdatedAt = cur.OrganizationID, cur.CreatedAt, s.now()
	if err := s.store.ReplacePlace(ctx, p); err != nil {
		return Place{}, notFoundAs(err, ErrPlaceNotFound, "update place")
	}
	return p, nil
}

// CreateResource validates r and stores it with a new id, active, with new
// ids for its acknowledgements and for the operators listed without one
// (created in the organization). It returns the stored resource, its Depth
// set.
func (s *Service) CreateResource(ctx context.Context, r Resource) (Resource, error) {
	if r.OrganizationID == "" {
		return Resource{}, required(resourceField + ".organization_id")
	}
	r, err := ValidateResource(r)
	if err != nil {
		return Resource{}, err
	}
	r.ID = s.newID()
	// A new resource is always active: proto3 cannot tell "active: false"
	// from a field left out, and a resource without weekly rules offers no
	// slot anyway, so nothing is bookable before the organizer is ready.
	r.Active = true
	r.CreatedAt = s.now()
	r.UpdatedAt = r.CreatedAt
	for i := range r.Acknowledgements {
		r.Acknowledgements[i].ID = s.newID()
	}
	newOps := s.assignOperatorIDs(r.Operators)
	if err := s.store.AddResource(ctx, r, newOps); err != nil {
		return Resource{}, fmt.Errorf("create resource: %w", err)
	}
	return s.getResource(ctx, r.ID)
}

// UpdateResource replaces the fields of resource r.ID, including its
// acknowledgements (kept ids stay, so bookings' records of what was ticked
// keep pointing at the same statement) and its operator set, in one
// transaction. Its organization cannot change.
func (s *Service) UpdateResource(ctx context.Context, r Resource) (Resource, error) {
	if r.ID == "" {
		return Resource{}, required(resourceField + ".id")
	}
	r, err := ValidateResource(r)
	if err != nil {
		return Resource{}, err
	}
	cur, err := s.store.GetResource(ctx, r.ID)
	if err != nil {
		return Resource{}, notFoundAs(err, ErrResourceNotFound, "update resource")
	}
	if r.OrganizationID != "" && r.OrganizationID != cur.OrganizationID {
		return Resource{}, organizationImmutable(resourceField + ".organization_id")
	}
	r.OrganizationID, r.CreatedAt, r.UpdatedAt = cur.OrganizationID, cur.CreatedAt, s.now()
	existing := make(map[string]bool, len(cur.Acknowledgements))
	for _, a := range cur.Acknowledgements {
		existing[a.ID] = true
	}
	for i, a := range r.Acknowledgements {
		// An unknown id (made up, or another resource's) gets a fresh one
		// rather than an error: the text is what the organizer means.
		if !existing[a.ID] {
			r.Acknowledgements[i].ID = s.newID()
		}
	}
	newOps := s.assignOperatorIDs(r.Operators)
	if err := s.store.ReplaceResource(ctx, r, newOps); err != nil {
		return Resource{}, notFoundAs(err, ErrResourceNotFound, "update resource")
	}
	return s.getResource(ctx, r.ID)
}

// assignOperatorIDs gives the operators listed without id a new one, in
// place, and returns them: they are the operators to create.
func (s *Service) assignOperatorIDs(ops []Operator) []Operator {
	var created []Operator
	for i := range ops {
		if ops[i].ID == "" {
			ops[i].ID = s.newID()
			created = append(created, ops[i])
		}
	}
	return created
}

// DeleteResource deletes resource id with its schedule and texts, or only
// deactivates it (true) when bookings refer to it, which keeps their
// history intact. A group with children is refused (ErrHasChildren).
func (s *Service) DeleteResource(ctx context.Context, id string) (deactivated bool, err error) {
	if id == "" {
		return false, required("resource_id")
	}
	deactivated, err = s.store.RemoveResource(ctx, id, s.now())
	if err != nil {
		return false, notFoundAs(err, ErrResourceNotFound, "delete resource")
	}
	return deactivated, nil
}

// maxDepth bounds the walk to the root; the store refuses cycles, so only
// a corrupted tree could reach it.
const maxDepth = 64

// getResource reads a resource back and sets its Depth, so a write's
// response indents like the tree listing.
func (s *Service) getResource(ctx context.Context, id string) (Resource, error) {
	r, err := s.store.GetResource(ctx, id)
	if err != nil {
		return Resource{}, notFoundAs(err, ErrResourceNotFound, "get resource")
	}
	for parent := r.ParentID; parent != "" && r.Depth < maxDepth; r.Depth++ {
		p, err := s.store.GetResource(ctx, parent)
		if err != nil {
			return Resource{}, fmt.Errorf("get resource ancestor: %w", err)
		}
		parent = p.ParentID
	}
	return r, nil
}

// notFoundAs reports store.ErrNotFound as the caller-facing fault nf and
// wraps anything else with context.
func notFoundAs(err error, nf *fault.Error, op string) error {
	if errors.Is(err, store.ErrNotFound) {
		return nf.Wrap(err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
