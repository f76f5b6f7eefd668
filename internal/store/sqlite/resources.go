package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/catalog"
)

const resourceColumns = `id, organization_id, place_id, parent_id, kind, name, description,
	documents_to_bring, modes, operator_choice, ticketed, position, active,
	opens_days_ahead, min_notice_s, same_day_cutoff, hold_duration_s, max_consecutive_slots,
	max_seats_per_booking, max_active_per_person, cancel_cutoff_s, reminder_lead_s,
	ticket_valid_before_s, ticket_valid_after_s, ticket_max_stay_s, ticket_warning_lead_s,
	ticket_allow_reentry, ticket_max_inside, ticket_offline_max_age_s, created_at_ms, updated_at_ms,
	meeting_kind, meeting_url, guest_booking, waitlist_offer_s`

// CreateOperator inserts an operator of an organization.
func (db *DB) CreateOperator(ctx context.Context, orgID string, op catalog.Operator, accountID string, at time.Time) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO operators (id, organization_id, display_name, account_id, created_at_ms)
			VALUES (?,?,?,?,?)`, op.ID, orgID, op.DisplayName, nullString(accountID), ms(at))
		return conflict(err, "insert operator")
	})
}

// CreateResource inserts r with its acknowledgements and the links to its
// operators (which must exist) in one transaction.
func (db *DB) CreateResource(ctx context.Context, r catalog.Resource) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return insertResource(ctx, tx, r) })
}

// insertResource writes r, its acknowledgements and its operator links in
// tx.
func insertResource(ctx context.Context, tx *sql.Tx, r catalog.Resource) error {
	p := r.Policy
	_, err := tx.ExecContext(ctx, `INSERT INTO resources (`+resourceColumns+`)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		r.ID, r.OrganizationID, r.PlaceID, nullString(r.ParentID), r.Kind, r.Name, r.Description,
		jsonText(nonNil(r.DocumentsToBring)), jsonText(nonNil(r.Modes)), r.OperatorChoice, r.Ticketed, r.Position, r.Active,
		p.OpensDaysAhead, seconds(p.MinNotice), p.SameDayCutoff, seconds(p.HoldDuration), p.MaxConsecutiveSlots,
		p.MaxSeatsPerBooking, p.MaxActivePerPerson, seconds(p.CancelCutoff), seconds(p.ReminderLead),
		seconds(p.Tickets.ValidBeforeStart), seconds(p.Tickets.ValidAfterEnd), seconds(p.Tickets.MaxStay),
		seconds(p.Tickets.WarningLead), p.Tickets.AllowReentry, p.Tickets.MaxInside, seconds(p.Tickets.OfflineMaxAge), ms(r.CreatedAt), ms(r.UpdatedAt),
		r.Meeting.Kind, r.Meeting.URL, r.Guests, seconds(p.WaitlistOffer))
	if err != nil {
		return conflict(err, "insert resource")
	}
	for i, a := range r.Acknowledgements {
		if _, err := tx.ExecContext(ctx, `INSERT INTO acknowledgements (id, resource_id, text, position) VALUES (?,?,?,?)`,
			a.ID, r.ID, a.Text, i); err != nil {
			return fmt.Errorf("insert acknowledgement: %w", err)
		}
	}
	return linkOperators(ctx, tx, r)
}

// linkOperators links r to its operators in list order.
func linkOperators(ctx context.Context, tx *sql.Tx, r catalog.Resource) error {
	for i, op := range r.Operators {
		if _, err := tx.ExecContext(ctx, `INSERT INTO resource_operators (resource_id, operator_id, position) VALUES (?,?,?)`,
			r.ID, op.ID, i); err != nil {
			return fmt.Errorf("link operator %q: %w", op.ID, err)
		}
	}
	return nil
}

// GetResource returns one resource with its acknowledgements and operators.
func (db *DB) GetResource(ctx context.Context, id string) (catalog.Resource, error) {
	r, err := scanResource(db.R.QueryRowContext(ctx, `SELECT `+resourceColumns+` FROM resources WHERE id = ?`, id))
	if err != nil {
		return catalog.Resource{}, notFound(err, "resource", id)
	}
	list := []catalog.Resource{r}
	if err := db.fillResourceDetails(ctx, list); err != nil {
		return catalog.Resource{}, err
	}
	return list[0], nil
}

// ListResources returns the resources of an organization (optionally of one
// place) in no particular order; catalog.Tree orders them.
func (db *DB) ListResources(ctx context.Context, orgID, placeID string) ([]catalog.Resource, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+resourceColumns+` FROM resources
		WHERE organization_id = ? AND (? = '' OR place_id = ?)`, orgID, placeID, placeID)
	if err != nil {
		return nil, fmt.Errorf("list resources: %w", err)
	}
	defer rows.Close()
	var out []catalog.Resource
	for rows.Next() {
		r, err := scanResource(rows)
		if err != nil {
			return nil, fmt.Errorf("list resources: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list resources: %w", err)
	}
	return out, db.fillResourceDetails(ctx, out)
}

// fillResourceDetails loads acknowledgements and operators for a batch of
// resources with two queries in all, not two per resource.
func (db *DB) fillResourceDetails(ctx context.Context, list []catalog.Resource) error {
	if len(list) == 0 {
		return nil
	}
	idx := make(map[string]int, len(list))
	ids := make([]any, len(list))
	for i, r := range list {
		idx[r.ID] = i
		ids[i] = r.ID
	}
	in := placeholders(len(ids))
	rows, err := db.R.QueryContext(ctx, `SELECT resource_id, id, text FROM acknowledgements
		WHERE resource_id IN (`+in+`) ORDER BY resource_id, position`, ids...)
	if err != nil {
		return fmt.Errorf("load acknowledgements: %w", err)
	}
	for rows.Next() {
		var rid string
		var a catalog.Acknowledgement
		if err := rows.Scan(&rid, &a.ID, &a.Text); err != nil {
			rows.Close()
			return fmt.Errorf("load acknowledgements: %w", err)
		}
		list[idx[rid]].Acknowledgements = append(list[idx[rid]].Acknowledgements, a)
	}
	rows.Close()
	rows, err = db.R.QueryContext(ctx, `SELECT ro.resource_id, o.id, o.display_name FROM resource_operators ro
		JOIN operators o ON o.id = ro.operator_id WHERE ro.resource_id IN (`+in+`) ORDER BY ro.resource_id, ro.position`, ids...)
	if err != nil {
		return fmt.Errorf("load operators: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var rid string
		var op catalog.Operator
		if err := rows.Scan(&rid, &op.ID, &op.DisplayName); err != nil {
			return fmt.Errorf("load operators: %w", err)
		}
		list[idx[rid]].Operators = append(list[idx[rid]].Operators, op)
	}
	return rows.Err()
}

func scanResource(s scanner) (catalog.Resource, error) {
	var r catalog.Resource
	var parent sql.NullString
	var docs, modes string
	var minNotice, hold, cancel, reminder, vBefore, vAfter, maxStay, warn, offlineAge, created, updated, offer int64
	p := &r.Policy
	err := s.Scan(&r.ID, &r.OrganizationID, &r.PlaceID, &parent, &r.Kind, &r.Name, &r.Description,
		&docs, &modes, &r.OperatorChoice, &r.Ticketed, &r.Position, &r.Active,
		&p.OpensDaysAhead, &minNotice, &p.SameDayCutoff, &hold, &p.MaxConsecutiveSlots,
		&p.MaxSeatsPerBooking, &p.MaxActivePerPerson, &cancel, &reminder,
		&vBefore, &vAfter, &maxStay, &warn, &p.Tickets.AllowReentry, &p.Tickets.MaxInside, &offlineAge, &created, &updated,
		&r.Meeting.Kind, &r.Meeting.URL, &r.Guests, &offer)
	if err != nil {
		return r, err
	}
	r.ParentID = parent.String
	p.MinNotice, p.HoldDuration, p.CancelCutoff, p.ReminderLead = fromSeconds(minNotice), fromSeconds(hold), fromSeconds(cancel), fromSeconds(reminder)
	p.Tickets.ValidBeforeStart, p.Tickets.ValidAfterEnd = fromSeconds(vBefore), fromSeconds(vAfter)
	p.Tickets.MaxStay, p.Tickets.WarningLead = fromSeconds(maxStay), fromSeconds(warn)
	p.Tickets.OfflineMaxAge = fromSeconds(offlineAge)
	p.WaitlistOffer = fromSeconds(offer)
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	if r.DocumentsToBring, err = fromJSON[string](docs); err != nil {
		return r, err
	}
	r.Modes, err = fromJSON[catalog.Mode](modes)
	return r, err
}

func placeholders(n int) string {
	b := make([]byte, 0, 2*n)
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '?')
	}
	return string(b)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// CatalogVersion returns a number that changes whenever a place, resource,
// operator, acknowledgement, weekly rule or schedule exception changes
// (migration 0007's triggers), so cached slot plans know when to reload.
func (db *DB) CatalogVersion(ctx context.Context) (int64, error) {
	var v int64
	// Not cancellable (see pointRead): a one-row read that runs on most calls.
	if err := db.R.QueryRowContext(pointRead(ctx), `SELECT version FROM catalog_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("catalog version: %w", err)
	}
	return v, nil
}
