package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/store"
)

var (
	errOrgRequired        = fault.InvalidField("organization_id", "required")
	errLoginRequired      = fault.InvalidField("login", "required").Text("error.required.login")
	errRoleKind           = fault.InvalidField("kind", "role_kind_invalid")
	errOrganizerResources = fault.InvalidField("resource_ids", "organizer_resources")
	errEmptyResourceID    = fault.InvalidField("resource_ids", "required").Text("error.required.resource_id_empty")
)

// GrantRole gives the account registered with login (e-mail or codice
// fiscale) the role kind in orgID, replacing any role it had there. An
// operator may be limited to resourceIDs (empty: all the organization's
// resources); an organizer may not. Authorization (the caller is organizer
// of orgID) is the interceptor's job.
func (s *Service) GrantRole(ctx context.Context, orgID, login string, kind authz.RoleKind, resourceIDs []string) (StaffMember, error) {
	if orgID == "" {
		return StaffMember{}, errOrgRequired
	}
	switch kind {
	case authz.RoleOperator, authz.RoleOrganizer:
	default:
		return StaffMember{}, errRoleKind
	}
	if kind == authz.RoleOrganizer && len(resourceIDs) > 0 {
		return StaffMember{}, errOrganizerResources
	}
	if slices.Contains(resourceIDs, "") {
		return StaffMember{}, errEmptyResourceID
	}
	// Sorted and deduplicated: the stored list is then canonical, and two
	// grants of the same resources compare equal.
	ids := slices.Compact(slices.Sorted(slices.Values(resourceIDs)))
	if len(ids) == 0 {
		ids = nil
	}
	if normalizeLogin(login) == "" {
		return StaffMember{}, errLoginRequired
	}
	a, found, err := s.findByLogin(ctx, login)
	if err != nil {
		return StaffMember{}, fmt.Errorf("grant role: %w", err)
	}
	if !found {
		return StaffMember{}, ErrAccountNotFound
	}
	role := authz.Role{OrganizationID: orgID, Kind: kind, ResourceIDs: ids}
	now := s.now()
	if err := s.store.PutStaffRole(ctx, a.ID, role, now); err != nil {
		return StaffMember{}, fmt.Errorf("grant role: %w", err)
	}
	s.log.InfoContext(ctx, "staff role granted", slog.String("account_id", a.ID),
		slog.String("organization_id", orgID), slog.Int("kind", int(kind)))
	return StaffMember{
		AccountID: a.ID, GivenName: a.GivenName, FamilyName: a.FamilyName, Email: a.Email,
		Role: role, GrantedAt: now,
	}, nil
}

// RevokeRole removes the account's role in orgID. The organization's last
// organizer cannot be removed (ErrLastOrganizer).
func (s *Service) RevokeRole(ctx context.Context, orgID, accountID string) error {
	err := s.store.DeleteStaffRole(ctx, orgID, accountID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrRoleNotFound
	}
	if err != nil {
		return fmt.Errorf("revoke role: %w", err)
	}
	s.log.InfoContext(ctx, "staff role revoked", slog.String("account_id", accountID), slog.String("organization_id", orgID))
	return nil
}

// ListStaff returns the staff of orgID ordered by name.
func (s *Service) ListStaff(ctx context.Context, orgID string) ([]StaffMember, error) {
	if orgID == "" {
		return nil, errOrgRequired
	}
	return s.store.ListStaff(ctx, orgID)
}
