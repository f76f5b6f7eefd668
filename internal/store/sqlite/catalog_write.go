package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/catalog"
)

// Catalog writes made by organizers through catalog.Service. Every check
// that needs other rows (the place, the parent, the operators, bookings)
// runs inside the writing transaction: the single writer serializes them,
// so two concurrent moves can never build a cycle and a booking cannot slip
// in between a check and the change it allows.

// catalogBookingConfirmed is varco.v1.BookingStatus CONFIRMED, the only status
// that still expects the citizen at a given time and place.
const catalogBookingConfirmed = 1

// CreateOrganizationWithOrganizer inserts o and gives accountID the
// organizer role in it in one transaction, so a crash cannot leave an
// organization nobody can manage. An unknown account is store.ErrNotFound.
func (db *DB) CreateOrganizationWithOrganizer(ctx context.Context, o catalog.Organization, accountID string, at time.Time) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM accounts WHERE id = ?`, accountID).Scan(&one); err != nil {
			return notFound(err, "account", accountID)
		}
		if err := insertOrganization(ctx, tx, o); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO staff_roles (account_id, organization_id, kind, resource_ids, granted_at_ms)
			VALUES (?,?,?,'[]',?)`, accountID, o.ID, int(authz.RoleOrganizer), ms(at))
		if err != nil {
			return fmt.Errorf("insert organizer role: %w", err)
		}
		return nil
	})
}

// ReplaceOrganization overwrites the descriptive fields of o.ID and its
// update time; store.ErrNotFound when it does not exist.
func (db *DB) ReplaceOrganization(ctx context.Context, o catalog.Organization) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE organizations SET name = ?, kind = ?, description = ?, phone = ?,
			email = ?, website = ?, tax_code = ?, updated_at_ms = ? WHERE id = ?`,
			o.Name, o.Kind, o.Description, o.Contacts.Phone, o.Contacts.Email, o.Contacts.Website, o.TaxCode,
			ms(o.UpdatedAt), o.ID)
		return affected(res, err, "organization", o.ID)
	})
}

// ReplacePlace overwrites the fields of place p.ID (its organization and
// creation time stay). Changing the time zone fails with
// catalog.ErrTimeZoneLocked while confirmed bookings of the place's
// resources start after p.UpdatedAt: schedules are local times, and the
// bookings were made for the old ones.
func (db *DB) ReplacePlace(ctx context.Context, p catalog.Place) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var zone string
		if err := tx.QueryRowContext(ctx, `SELECT time_zone FROM places WHERE id = ?`, p.ID).Scan(&zone); err != nil {
			return notFound(err, "place", p.ID)
		}
		if zone != p.TimeZone {
			future, err := anyRow(ctx, tx, `SELECT 1 FROM bookings b JOIN resources r ON r.id = b.resource_id
				WHERE r.place_id = ? AND b.status = ? AND b.start_ms > ?`, p.ID, catalogBookingConfirmed, ms(p.UpdatedAt))
			if err != nil {
				return fmt.Errorf("future bookings at place: %w", err)
			}
			if future {
				return catalog.ErrTimeZoneLocked
			}
		}
		lat, lon := placeLocation(p.Location)
		res, err := tx.ExecContext(ctx, `UPDATE places SET name = ?, street = ?, postal_code = ?, city = ?, province = ?,
			country = ?, latitude = ?, longitude = ?, phone = ?, email = ?, website = ?, time_zone = ?, description = ?,
			updated_at_ms = ? WHERE id = ?`,
			p.Name, p.Address.Street, p.Address.PostalCode, p.Address.City, p.Address.Province, p.Address.Country,
			lat, lon, p.Contacts.Phone, p.Contacts.Email, p.Contacts.Website, p.TimeZone, p.Description,
			ms(p.UpdatedAt), p.ID)
		return affected(res, err, "place", p.ID)
	})
}

func placeLocation(g *catalog.GeoPoint) (lat, lon sql.NullFloat64) {
	if g == nil {
		return lat, lon
	}
	return sql.NullFloat64{Float64: g.Latitude, Valid: true}, sql.NullFloat64{Float64: g.Longitude, Valid: true}
}

// AddResource creates newOperators in r's organization and inserts r with
// its acknowledgements and operator links, in one transaction, after
// checking that r's place, parent and already existing operators belong to
// its organization (catalog.ErrPlaceNotInOrganization,
// catalog.ErrParentNotFound, catalog.ErrParentNotGroup,
// catalog.OperatorNotInOrganization). newOperators must be listed in
// r.Operators too; they are created at r.CreatedAt.
func (db *DB) AddResource(ctx context.Context, r catalog.Resource, newOperators []catalog.Operator) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := checkResourceLinks(ctx, tx, r, newOperators); err != nil {
			return err
		}
		if err := insertOperators(ctx, tx, r.OrganizationID, newOperators, r.CreatedAt); err != nil {
			return err
		}
		return insertResource(ctx, tx, r)
	})
}

// ReplaceResource overwrites resource r.ID (not its organization or
// creation time) and replaces its acknowledgements and operator set, in one
// transaction. Besides AddResource's checks it refuses: a parent that is
// the resource or a descendant (catalog.ErrParentCycle); a new kind when
// the resource has children, weekly rules or bookings
// (catalog.ErrKindLocked); a new place while confirmed bookings start after
// r.UpdatedAt (catalog.ErrPlaceLocked); removing an operator named in the
// weekly rules or in such future bookings (catalog.ErrOperatorInUse).
// store.ErrNotFound when the resource does not exist in r's organization.
func (db *DB) ReplaceResource(ctx context.Context, r catalog.Resource, newOperators []catalog.Operator) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var placeID string
		var kind catalog.ResourceKind
		err := tx.QueryRowContext(ctx, `SELECT place_id, kind FROM resources WHERE id = ? AND organization_id = ?`,
			r.ID, r.OrganizationID).Scan(&placeID, &kind)
		if err != nil {
			return notFound(err, "resource", r.ID)
		}
		if err := checkResourceLinks(ctx, tx, r, newOperators); err != nil {
			return err
		}
		if kind != r.Kind {
			if err := checkKindChange(ctx, tx, r.ID); err != nil {
				return err
			}
		}
		now := ms(r.UpdatedAt)
		if placeID != r.PlaceID {
			future, err := anyRow(ctx, tx, `SELECT 1 FROM bookings WHERE resource_id = ? AND status = ? AND start_ms > ?`,
				r.ID, catalogBookingConfirmed, now)
			if err != nil {
				return fmt.Errorf("future bookings of resource: %w", err)
			}
			if future {
				return catalog.ErrPlaceLocked
			}
		}
		if err := checkRemovedOperators(ctx, tx, r, now); err != nil {
			return err
		}
		if err := insertOperators(ctx, tx, r.OrganizationID, newOperators, r.UpdatedAt); err != nil {
			return err
		}
		p := r.Policy
		_, err = tx.ExecContext(ctx, `UPDATE resources SET place_id = ?, parent_id = ?, kind = ?, name = ?,
			description = ?, documents_to_bring = ?, modes = ?, operator_choice = ?, ticketed = ?, position = ?,
			active = ?, opens_days_ahead = ?, min_notice_s = ?, same_day_cutoff = ?, hold_duration_s = ?,
			max_consecutive_slots = ?, max_seats_per_booking = ?, max_active_per_person = ?, cancel_cutoff_s = ?,
			reminder_lead_s = ?, ticket_valid_before_s = ?, ticket_valid_after_s = ?, ticket_max_stay_s = ?,
			ticket_warning_lead_s = ?, ticket_allow_reentry = ?, ticket_max_inside = ?, ticket_offline_max_age_s = ?,
			meeting_kind = ?, meeting_url = ?, guest_booking = ?, waitlist_offer_s = ?, updated_at_ms = ? WHERE id = ?`,
			r.PlaceID, nullString(r.ParentID), r.Kind, r.Name, r.Description,
			jsonText(nonNil(r.DocumentsToBring)), jsonText(nonNil(r.Modes)), r.OperatorChoice, r.Ticketed, r.Position,
			r.Active, p.OpensDaysAhead, seconds(p.MinNotice), p.SameDayCutoff, seconds(p.HoldDuration),
			p.MaxConsecutiveSlots, p.MaxSeatsPerBooking, p.MaxActivePerPerson, seconds(p.CancelCutoff),
			seconds(p.ReminderLead), seconds(p.Tickets.ValidBeforeStart), seconds(p.Tickets.ValidAfterEnd),
			seconds(p.Tickets.MaxStay), seconds(p.Tickets.WarningLead), p.Tickets.AllowReentry, p.Tickets.MaxInside, seconds(p.Tickets.OfflineMaxAge),
			r.Meeting.Kind, r.Meeting.URL, r.Guests, seconds(p.WaitlistOffer), now, r.ID)
		if err != nil {
			return fmt.Errorf("update resource: %w", err)
		}
		// Kept acknowledgements are written back with their ids, so the
		// delete-and-insert is invisible to anyone holding those ids.
		if _, err := tx.ExecContext(ctx, `DELETE FROM acknowledgements WHERE resource_id = ?`, r.ID); err != nil {
			return fmt.Errorf("delete acknowledgements: %w", err)
		}
		for i, a := range r.Acknowledgements {
			if _, err := tx.ExecContext(ctx, `INSERT INTO acknowledgements (id, resource_id, text, position) VALUES (?,?,?,?)`,
				a.ID, r.ID, a.Text, i); err != nil {
				return fmt.Errorf("insert acknowledgement: %w", err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM resource_operators WHERE resource_id = ?`, r.ID); err != nil {
			return fmt.Errorf("unlink operators: %w", err)
		}
		return linkOperators(ctx, tx, r)
	})
}

// RemoveResource deletes a resource (its acknowledgements, operator links,
// rules, exceptions, slot counters and holds cascade) and reports false; a
// resource that bookings refer to is only deactivated at at, keeping the
// bookings' history, and reports true. A group with children fails with
// catalog.ErrHasChildren, an unknown id with store.ErrNotFound.
func (db *DB) RemoveResource(ctx context.Context, id string, at time.Time) (deactivated bool, err error) {
	err = db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM resources WHERE id = ?`, id).Scan(&one); err != nil {
			return notFound(err, "resource", id)
		}
		children, err := anyRow(ctx, tx, `SELECT 1 FROM resources WHERE parent_id = ?`, id)
		if err != nil {
			return fmt.Errorf("children of resource: %w", err)
		}
		if children {
			return catalog.ErrHasChildren
		}
		booked, err := anyRow(ctx, tx, `SELECT 1 FROM bookings WHERE resource_id = ?`, id)
		if err != nil {
			return fmt.Errorf("bookings of resource: %w", err)
		}
		if booked {
			deactivated = true
			_, err := tx.ExecContext(ctx, `UPDATE resources SET active = 0, updated_at_ms = ? WHERE id = ?`, ms(at), id)
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM resources WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("remove resource %q: %w", id, err)
	}
	return deactivated, nil
}

// checkResourceLinks checks, in tx, that r's place, parent and existing
// operators (those not in created) belong to r's organization, and that
// the parent is a group that is neither r nor below it. Objects of other
// organizations read as missing.
func checkResourceLinks(ctx context.Context, tx *sql.Tx, r catalog.Resource, created []catalog.Operator) error {
	var org string
	err := tx.QueryRowContext(ctx, `SELECT organization_id FROM places WHERE id = ?`, r.PlaceID).Scan(&org)
	switch {
	case errors.Is(err, sql.ErrNoRows) || (err == nil && org != r.OrganizationID):
		return catalog.ErrPlaceNotInOrganization
	case err != nil:
		return fmt.Errorf("get place %q: %w", r.PlaceID, err)
	}
	if r.ParentID != "" {
		var kind catalog.ResourceKind
		err := tx.QueryRowContext(ctx, `SELECT organization_id, kind FROM resources WHERE id = ?`, r.ParentID).Scan(&org, &kind)
		switch {
		case errors.Is(err, sql.ErrNoRows) || (err == nil && org != r.OrganizationID):
			return catalog.ErrParentNotFound
		case err != nil:
			return fmt.Errorf("get parent %q: %w", r.ParentID, err)
		case r.ParentID == r.ID:
			return catalog.ErrParentCycle
		case kind != catalog.KindGroup:
			return catalog.ErrParentNotGroup
		}
		// Walk up from the new parent: meeting r on the way means r would
		// become its own ancestor. UNION (not UNION ALL) stops the walk
		// even on a tree that somehow already has a cycle.
		cycle, err := anyRow(ctx, tx, `WITH RECURSIVE up(id) AS (
				SELECT ? UNION SELECT r.parent_id FROM resources r JOIN up ON r.id = up.id WHERE r.parent_id IS NOT NULL
			) SELECT 1 FROM up WHERE id = ?`, r.ParentID, r.ID)
		if err != nil {
			return fmt.Errorf("ancestors of %q: %w", r.ParentID, err)
		}
		if cycle {
			return catalog.ErrParentCycle
		}
	}
	isNew := make(map[string]bool, len(created))
	for _, op := range created {
		isNew[op.ID] = true
	}
	for i, op := range r.Operators {
		if isNew[op.ID] {
			continue
		}
		err := tx.QueryRowContext(ctx, `SELECT organization_id FROM operators WHERE id = ?`, op.ID).Scan(&org)
		switch {
		case errors.Is(err, sql.ErrNoRows) || (err == nil && org != r.OrganizationID):
			return catalog.OperatorNotInOrganization(i)
		case err != nil:
			return fmt.Errorf("get operator %q: %w", op.ID, err)
		}
	}
	return nil
}

// checkKindChange refuses to change the kind of a resource whose children,
// weekly rules or bookings were made for its current kind.
func checkKindChange(ctx context.Context, tx *sql.Tx, id string) error {
	used, err := anyRow(ctx, tx, `SELECT 1 WHERE
		EXISTS (SELECT 1 FROM resources WHERE parent_id = ?1) OR
		EXISTS (SELECT 1 FROM schedule_rules WHERE resource_id = ?1) OR
		EXISTS (SELECT 1 FROM bookings WHERE resource_id = ?1)`, id)
	if err != nil {
		return fmt.Errorf("uses of resource %q: %w", id, err)
	}
	if used {
		return catalog.ErrKindLocked
	}
	return nil
}

// checkRemovedOperators refuses to take an operator off r while a weekly
// rule of r names it (slot generation would keep counting them) or a
// confirmed booking of r with them starts after nowMS.
func checkRemovedOperators(ctx context.Context, tx *sql.Tx, r catalog.Resource, nowMS int64) error {
	rows, err := tx.QueryContext(ctx, `SELECT operator_id FROM resource_operators WHERE resource_id = ?`, r.ID)
	if err != nil {
		return fmt.Errorf("operators of resource: %w", err)
	}
	var current []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return fmt.Errorf("operators of resource: %w", err)
		}
		current = append(current, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("operators of resource: %w", err)
	}
	keep := make(map[string]bool, len(r.Operators))
	for _, op := range r.Operators {
		keep[op.ID] = true
	}
	var removed []any
	for _, id := range current {
		if !keep[id] {
			removed = append(removed, id)
		}
	}
	if len(removed) == 0 {
		return nil
	}
	in := placeholders(len(removed))
	inRules, err := rulesNameOperator(ctx, tx, r.ID, removed)
	if err != nil {
		return fmt.Errorf("operators in rules: %w", err)
	}
	args := append([]any{r.ID, catalogBookingConfirmed, nowMS}, removed...)
	inBookings, err := anyRow(ctx, tx, `SELECT 1 FROM bookings
		WHERE resource_id = ? AND status = ? AND start_ms > ? AND operator_id IN (`+in+`)`, args...)
	if err != nil {
		return fmt.Errorf("operators in bookings: %w", err)
	}
	if inRules || inBookings {
		return catalog.ErrOperatorInUse
	}
	return nil
}

// rulesNameOperator reports whether a schedule rule of the resource lists
// one of ids. The rules' operator lists are JSON arrays, read here rather
// than with SQLite's json_each so the statement runs on PostgreSQL too (a
// resource has a handful of rules).
func rulesNameOperator(ctx context.Context, tx *sql.Tx, resourceID string, ids []any) (bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT operator_ids FROM schedule_rules WHERE resource_id = ?`, resourceID)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return false, err
		}
		ops, err := fromJSON[string](raw)
		if err != nil {
			return false, err
		}
		for _, op := range ops {
			if slices.Contains(ids, any(op)) {
				return true, nil
			}
		}
	}
	return false, rows.Err()
}

// insertOperators creates operators of orgID, not linked to any account.
func insertOperators(ctx context.Context, tx *sql.Tx, orgID string, ops []catalog.Operator, at time.Time) error {
	for _, op := range ops {
		_, err := tx.ExecContext(ctx, `INSERT INTO operators (id, organization_id, display_name, account_id, created_at_ms)
			VALUES (?,?,?,NULL,?)`, op.ID, orgID, op.DisplayName, ms(at))
		if err != nil {
			return conflict(err, "insert operator")
		}
	}
	return nil
}

// anyRow reports whether query returns a row; query should select a
// constant so SQLite can stop at the first match.
func anyRow(ctx context.Context, tx *sql.Tx, query string, args ...any) (bool, error) {
	var found bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (`+query+`)`, args...).Scan(&found)
	return found, err
}
