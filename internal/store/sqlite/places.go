package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/varco-gate/varco/internal/catalog"
)

const placeColumns = `id, organization_id, name, street, postal_code, city, province, country,
	latitude, longitude, phone, email, website, time_zone, description, created_at_ms, updated_at_ms`

// CreatePlace inserts p; p.ID must be set.
func (db *DB) CreatePlace(ctx context.Context, p catalog.Place) error {
	var lat, lon sql.NullFloat64
	if p.Location != nil {
		lat = sql.NullFloat64{Float64: p.Location.Latitude, Valid: true}
		lon = sql.NullFloat64{Float64: p.Location.Longitude, Valid: true}
	}
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO places (`+placeColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
			p.ID, p.OrganizationID, p.Name, p.Address.Street, p.Address.PostalCode, p.Address.City,
			p.Address.Province, p.Address.Country, lat, lon, p.Contacts.Phone, p.Contacts.Email,
			p.Contacts.Website, p.TimeZone, p.Description, ms(p.CreatedAt), ms(p.UpdatedAt))
		return conflict(err, "insert place")
	})
}

// GetPlace returns one place.
func (db *DB) GetPlace(ctx context.Context, id string) (catalog.Place, error) {
	p, err := scanPlace(db.R.QueryRowContext(ctx, `SELECT `+placeColumns+` FROM places WHERE id = ?`, id))
	if err != nil {
		return catalog.Place{}, notFound(err, "place", id)
	}
	return p, nil
}

// ListPlaces returns the places of an organization by name.
func (db *DB) ListPlaces(ctx context.Context, orgID string) ([]catalog.Place, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+placeColumns+` FROM places WHERE organization_id = ? ORDER BY name, id`, orgID)
	if err != nil {
		return nil, fmt.Errorf("list places: %w", err)
	}
	defer rows.Close()
	var out []catalog.Place
	for rows.Next() {
		p, err := scanPlace(rows)
		if err != nil {
			return nil, fmt.Errorf("list places: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func scanPlace(s scanner) (catalog.Place, error) {
	var p catalog.Place
	var lat, lon sql.NullFloat64
	var created, updated int64
	err := s.Scan(&p.ID, &p.OrganizationID, &p.Name, &p.Address.Street, &p.Address.PostalCode, &p.Address.City,
		&p.Address.Province, &p.Address.Country, &lat, &lon, &p.Contacts.Phone, &p.Contacts.Email,
		&p.Contacts.Website, &p.TimeZone, &p.Description, &created, &updated)
	if lat.Valid && lon.Valid {
		p.Location = &catalog.GeoPoint{Latitude: lat.Float64, Longitude: lon.Float64}
	}
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return p, err
}
