// Package authz decides who may call what. The API edge authenticates the
// caller into a Principal, and one interceptor checks it against the access
// level every RPC declares, including which organization (and, for
// operators, which resources) the request touches.
package authz

import (
	"context"
	"slices"
)

// Kind is the kind of caller.
type Kind int

// Principal kinds.
const (
	Anonymous Kind = iota // no credentials.
	Account               // a logged-in person: citizen, and staff when it holds roles.
	Device                // an enrolled gate scanner.
)

// RoleKind is a staff role inside an organization; values match
// varco.v1.StaffRoleKind.
type RoleKind int

// Staff role kinds.
const (
	RoleOperator  RoleKind = 1
	RoleOrganizer RoleKind = 2
)

// Role grants an account a role in one organization.
type Role struct {
	OrganizationID string
	Kind           RoleKind
	// ResourceIDs limits an operator to some resources; empty means all.
	ResourceIDs []string
}

// Principal is the authenticated caller of one request.
type Principal struct {
	Kind Kind
	// AccountID is set for accounts.
	AccountID string
	// SessionHash identifies the session used, so Logout can revoke it.
	SessionHash [32]byte
	// Roles are the account's staff roles.
	Roles []Role
	// InstallationAdmin may create organizations.
	InstallationAdmin bool
	// Device fields are set for devices.
	DeviceID          string
	DeviceOrgID       string
	DeviceResourceIDs []string
	// DeviceDirection is what the gate scans (values of varco.v1.GateDirection).
	DeviceDirection int
}

// RoleIn returns the principal's role in an organization.
func (p Principal) RoleIn(orgID string) (Role, bool) {
	for _, r := range p.Roles {
		if r.OrganizationID == orgID {
			return r, true
		}
	}
	return Role{}, false
}

// CanOperate reports whether the principal may act as operator (or
// organizer) on resourceID of orgID; resourceID "" asks for the whole
// organization, which operators limited to some resources may not.
func (p Principal) CanOperate(orgID, resourceID string) bool {
	r, ok := p.RoleIn(orgID)
	if !ok {
		return false
	}
	if r.Kind == RoleOrganizer || len(r.ResourceIDs) == 0 {
		return true
	}
	return resourceID != "" && slices.Contains(r.ResourceIDs, resourceID)
}

// IsOrganizer reports whether the principal is organizer of orgID.
func (p Principal) IsOrganizer(orgID string) bool {
	r, ok := p.RoleIn(orgID)
	return ok && r.Kind == RoleOrganizer
}

// IsStaff reports whether the account holds any staff role.
func (p Principal) IsStaff() bool { return len(p.Roles) > 0 }

type ctxKey struct{}

// WithPrincipal stores p in ctx.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, ctxKey{}, &p)
}

// WithPendingPrincipal stores a principal to be filled in later: a stream's
// handler context is created before its request message (which decides
// authorization) arrives. The returned setter must run before the handler
// reads the principal.
func WithPendingPrincipal(ctx context.Context) (context.Context, func(Principal)) {
	p := &Principal{}
	return context.WithValue(ctx, ctxKey{}, p), func(v Principal) { *p = v }
}

// FromContext returns the request's principal; Anonymous when none.
func FromContext(ctx context.Context) Principal {
	if p, ok := ctx.Value(ctxKey{}).(*Principal); ok {
		return *p
	}
	return Principal{}
}

// Authenticator turns a bearer credential into a principal. It returns a
// fault.Unauthenticated error for unknown, expired or revoked credentials.
type Authenticator interface {
	Authenticate(ctx context.Context, bearer string) (Principal, error)
}
