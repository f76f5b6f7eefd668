package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/varco-gate/varco/internal/catalog"
)

const orgColumns = `id, name, kind, description, phone, email, website, tax_code, created_at_ms, updated_at_ms`

// CreateOrganization inserts o; o.ID must be set.
func (db *DB) CreateOrganization(ctx context.Context, o catalog.Organization) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return insertOrganization(ctx, tx, o) })
}

func insertOrganization(ctx context.Context, tx *sql.Tx, o catalog.Organization) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO organizations (`+orgColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?)`,
		o.ID, o.Name, o.Kind, o.Description, o.Contacts.Phone, o.Contacts.Email, o.Contacts.Website, o.TaxCode,
		ms(o.CreatedAt), ms(o.UpdatedAt))
	return conflict(err, "insert organization")
}

// GetOrganization returns one organization.
func (db *DB) GetOrganization(ctx context.Context, id string) (catalog.Organization, error) {
	row := db.R.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organizations WHERE id = ?`, id)
	o, err := scanOrganization(row)
	if err != nil {
		return catalog.Organization{}, notFound(err, "organization", id)
	}
	return o, nil
}

// ListOrganizations returns up to limit organizations ordered by name, after
// the (name, id) cursor when given (keyset pagination: stable under inserts).
func (db *DB) ListOrganizations(ctx context.Context, afterName, afterID string, limit int) ([]catalog.Organization, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+orgColumns+` FROM organizations
		WHERE (name, id) > (?, ?) ORDER BY name, id LIMIT ?`, afterName, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("list organizations: %w", err)
	}
	defer rows.Close()
	var out []catalog.Organization
	for rows.Next() {
		o, err := scanOrganization(rows)
		if err != nil {
			return nil, fmt.Errorf("list organizations: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// CountOrganizations tells whether the catalog is empty (demo data loads
// only into an empty database).
func (db *DB) CountOrganizations(ctx context.Context) (int, error) {
	var n int
	if err := db.R.QueryRowContext(ctx, `SELECT count(*) FROM organizations`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count organizations: %w", err)
	}
	return n, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanOrganization(s scanner) (catalog.Organization, error) {
	var o catalog.Organization
	var created, updated int64
	err := s.Scan(&o.ID, &o.Name, &o.Kind, &o.Description, &o.Contacts.Phone, &o.Contacts.Email,
		&o.Contacts.Website, &o.TaxCode, &created, &updated)
	o.CreatedAt, o.UpdatedAt = fromMS(created), fromMS(updated)
	return o, err
}
