package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/store"
)

// PutStaffRole grants r to the account, replacing its previous role in the
// organization (one role per account and organization). In the same
// transaction it checks what the foreign keys alone would report poorly:
// the organization exists (identity.ErrOrganizationNotFound), every resource
// belongs to it (identity.ErrResourceNotInOrganization), and demoting the
// last organizer is refused (identity.ErrLastOrganizer).
func (db *DB) PutStaffRole(ctx context.Context, accountID string, r authz.Role, at time.Time) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM organizations WHERE id = ?`, r.OrganizationID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("organization %q: %w: %w", r.OrganizationID, store.ErrNotFound, identity.ErrOrganizationNotFound)
		}
		if err != nil {
			return fmt.Errorf("get organization %q: %w", r.OrganizationID, err)
		}
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE id = ?`, accountID).Scan(&one); err != nil {
			return notFound(err, "account", accountID)
		}
		for _, id := range r.ResourceIDs {
			var org string
			err := tx.QueryRowContext(ctx, `SELECT organization_id FROM resources WHERE id = ?`, id).Scan(&org)
			if errors.Is(err, sql.ErrNoRows) || (err == nil && org != r.OrganizationID) {
				return fmt.Errorf("resource %q: %w: %w", id, store.ErrNotFound, identity.ErrResourceNotInOrganization)
			}
			if err != nil {
				return fmt.Errorf("get resource %q: %w", id, err)
			}
		}
		if r.Kind != authz.RoleOrganizer {
			if err := keepAnOrganizer(ctx, tx, r.OrganizationID, accountID); err != nil {
				return err
			}
		}
		ids := r.ResourceIDs
		if ids == nil {
			ids = []string{} // "[]", never "null", as the column default
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO staff_roles (account_id, organization_id, kind, resource_ids, granted_at_ms)
			VALUES (?,?,?,?,?) ON CONFLICT (account_id, organization_id) DO UPDATE SET
			kind = excluded.kind, resource_ids = excluded.resource_ids, granted_at_ms = excluded.granted_at_ms`,
			accountID, r.OrganizationID, int(r.Kind), jsonText(ids), ms(at))
		if err != nil {
			return fmt.Errorf("put staff role: %w", err)
		}
		return nil
	})
}

// DeleteStaffRole removes the account's role in the organization;
// store.ErrNotFound if it has none, identity.ErrLastOrganizer if it is the
// organization's only organizer.
func (db *DB) DeleteStaffRole(ctx context.Context, orgID, accountID string) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := keepAnOrganizer(ctx, tx, orgID, accountID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM staff_roles WHERE organization_id = ? AND account_id = ?`, orgID, accountID)
		return affected(res, err, "staff role", accountID)
	})
}

// keepAnOrganizer fails with identity.ErrLastOrganizer when accountID is the
// only organizer of orgID, i.e. when taking its role away would leave
// nobody able to manage the organization's staff.
func keepAnOrganizer(ctx context.Context, tx *sql.Tx, orgID, accountID string) error {
	var isOrganizer, others int
	err := tx.QueryRowContext(ctx, `SELECT
			count(*) FILTER (WHERE account_id = ?),
			count(*) FILTER (WHERE account_id <> ?)
		FROM staff_roles WHERE organization_id = ? AND kind = ?`,
		accountID, accountID, orgID, int(authz.RoleOrganizer)).Scan(&isOrganizer, &others)
	if err != nil {
		return fmt.Errorf("count organizers: %w", err)
	}
	if isOrganizer > 0 && others == 0 {
		return identity.ErrLastOrganizer
	}
	return nil
}

// ListAccountRoles returns the account's roles ordered by organization.
func (db *DB) ListAccountRoles(ctx context.Context, accountID string) ([]authz.Role, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT organization_id, kind, resource_ids FROM staff_roles
		WHERE account_id = ? ORDER BY organization_id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("list account roles: %w", err)
	}
	defer rows.Close()
	var out []authz.Role
	for rows.Next() {
		r, err := scanRole(rows)
		if err != nil {
			return nil, fmt.Errorf("list account roles: %w", err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ListStaff returns the organization's staff ordered by family and given
// name.
func (db *DB) ListStaff(ctx context.Context, orgID string) ([]identity.StaffMember, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT a.id, a.given_name, a.family_name, a.email,
			r.organization_id, r.kind, r.resource_ids, r.granted_at_ms
		FROM staff_roles r JOIN accounts a ON a.id = r.account_id
		WHERE r.organization_id = ? ORDER BY a.family_name, a.given_name, a.id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list staff: %w", err)
	}
	defer rows.Close()
	var out []identity.StaffMember
	for rows.Next() {
		var m identity.StaffMember
		var kind int
		var ids string
		var granted int64
		if err := rows.Scan(&m.AccountID, &m.GivenName, &m.FamilyName, &m.Email,
			&m.Role.OrganizationID, &kind, &ids, &granted); err != nil {
			return nil, fmt.Errorf("list staff: %w", err)
		}
		m.Role.Kind, m.GrantedAt = authz.RoleKind(kind), fromMS(granted)
		if m.Role.ResourceIDs, err = resourceIDs(ids); err != nil {
			return nil, fmt.Errorf("list staff: %w", err)
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func scanRole(s scanner) (authz.Role, error) {
	var r authz.Role
	var kind int
	var ids string
	if err := s.Scan(&r.OrganizationID, &kind, &ids); err != nil {
		return r, err
	}
	r.Kind = authz.RoleKind(kind)
	var err error
	r.ResourceIDs, err = resourceIDs(ids)
	return r, err
}

// resourceIDs decodes a resource_ids column; "[]" becomes nil, the zero
// value authz and the domain use for "no restriction".
func resourceIDs(s string) ([]string, error) {
	ids, err := fromJSON[string](s)
	if len(ids) == 0 {
		return nil, err
	}
	return ids, err
}
