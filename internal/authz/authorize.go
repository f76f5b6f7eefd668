package authz

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/store"
)

// Failures returned by Authorize. Messages never say whether an object
// exists in another organization.
var (
	ErrUnauthenticated    = fault.New(fault.Unauthenticated, "login_required")
	errDenied             = fault.New(fault.PermissionDenied, "permission_denied")
	errDeviceOnly         = fault.New(fault.PermissionDenied, "device_only")
	errNotForDevices      = fault.New(fault.PermissionDenied, "not_for_devices")
	errMixedOrganizations = errors.New("objects of different organizations")
)

// Authorizer checks principals against Policy.
type Authorizer struct {
	resolver Resolver
}

// NewAuthorizer returns an Authorizer resolving object ownership with r.
func NewAuthorizer(r Resolver) *Authorizer { return &Authorizer{resolver: r} }

// RuleFor returns the rule of a procedure, and false when it has none (such
// procedures are denied).
func RuleFor(procedure string) (Rule, bool) {
	r, ok := Policy[procedure]
	return r, ok
}

// Authorize decides whether p may call procedure with request msg. It
// returns nil, or a fault.Error: Unauthenticated when credentials are
// missing, PermissionDenied when they do not allow the call (other
// organization, unknown object, wrong principal kind), Invalid when the
// field naming the organization is empty.
func (a *Authorizer) Authorize(ctx context.Context, procedure string, p Principal, msg any) error {
	rule, ok := RuleFor(procedure)
	if !ok {
		return errDenied
	}
	isGate := strings.HasPrefix(procedure, "/varco.v1.GateService/")
	if p.Kind == Device && !isGate {
		return errNotForDevices
	}
	switch rule.Access {
	case Public, AccountOrToken:
		if p.Kind == Device && rule.Access == AccountOrToken {
			return errNotForDevices
		}
		return nil
	case AnyAccount, Authenticated:
		return requireAccount(p)
	case InstallationAdministrator:
		if err := requireAccount(p); err != nil {
			return err
		}
		if !p.InstallationAdmin {
			return errDenied
		}
		return nil
	case DeviceOnly:
		switch p.Kind {
		case Device:
			return nil
		case Anonymous:
			return ErrUnauthenticated
		}
		return errDeviceOnly
	case Operator, Organizer, DeviceOrOperator:
		return a.authorizeScoped(ctx, rule, p, msg)
	}
	return errDenied
}

func requireAccount(p Principal) error {
	if p.Kind != Account {
		return ErrUnauthenticated
	}
	return nil
}

func (a *Authorizer) authorizeScoped(ctx context.Context, rule Rule, p Principal, msg any) error {
	if p.Kind == Anonymous {
		return ErrUnauthenticated
	}
	if p.Kind == Device {
		return authorizeDevice(p, msg)
	}
	// Accounts without any staff role are citizens: denied before any
	// lookup, so they learn nothing about ids.
	if !p.IsStaff() {
		return errDenied
	}
	scope, field, err := rule.scope(ctx, a.resolver, msg)
	if h, ok := ctx.Value(scopeKey{}).(*Scope); ok && err == nil {
		*h = scope // the audit trail records which organization was touched
	}
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, errMixedOrganizations):
		return errDenied
	case err != nil:
		return fmt.Errorf("authorize: %w", err)
	case scope.OrganizationID == "":
		return fault.InvalidField(field, "required")
	}
	if rule.Access == Organizer {
		if !p.IsOrganizer(scope.OrganizationID) {
			return errDenied
		}
		return nil
	}
	resources := scope.ResourceIDs
	if scope.ResourceID != "" {
		resources = append(resources, scope.ResourceID)
	}
	if len(resources) == 0 {
		if !p.CanOperate(scope.OrganizationID, "") {
			return errDenied
		}
		return nil
	}
	for _, id := range resources {
		if !p.CanOperate(scope.OrganizationID, id) {
			return errDenied
		}
	}
	return nil
}

// authorizeDevice lets a device watch only resources its gate serves.
func authorizeDevice(p Principal, msg any) error {
	ids, ok := msg.(interface{ GetResourceIds() []string })
	if !ok {
		return errDenied
	}
	for _, id := range ids.GetResourceIds() {
		if !slices.Contains(p.DeviceResourceIDs, id) {
			return errDenied
		}
	}
	return nil
}

type scopeKey struct{}

// WithScopeHolder prepares ctx to receive the scope Authorize resolves for
// a staff request; ScopeFromContext reads it afterwards.
func WithScopeHolder(ctx context.Context) context.Context {
	return context.WithValue(ctx, scopeKey{}, &Scope{})
}

// ScopeFromContext returns the scope resolved for the request, if any.
func ScopeFromContext(ctx context.Context) (Scope, bool) {
	h, ok := ctx.Value(scopeKey{}).(*Scope)
	if !ok || h.OrganizationID == "" {
		return Scope{}, false
	}
	return *h, true
}
