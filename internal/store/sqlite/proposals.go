package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/booking"
)

// alternativeRow is one alternative in booking_proposals.alternatives.
type alternativeRow struct {
	HoldID     string `json:"hold_id"`
	StartMS    int64  `json:"start_ms"`
	EndMS      int64  `json:"end_ms"`
	OperatorID string `json:"operator_id,omitempty"`
}

const proposalColumns = `id, booking_id, status, message, alternatives, token_hash, proposed_by, proposed_by_name,
	created_at_ms, expires_at_ms, decided_at_ms, chosen, new_booking_id`

// InsertProposal implements booking.Tx.
func (t bookingTx) InsertProposal(ctx context.Context, p booking.Proposal) error {
	alts := make([]alternativeRow, len(p.Alternatives))
	for i, a := range p.Alternatives {
		alts[i] = alternativeRow{HoldID: a.HoldID, StartMS: ms(a.Start), EndMS: ms(a.End), OperatorID: a.OperatorID}
	}
	_, err := t.tx.ExecContext(ctx, `INSERT INTO booking_proposals (`+proposalColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		p.ID, p.BookingID, p.Status, p.Message, jsonText(alts), p.TokenHash[:], p.ProposedBy.ID, p.ProposedBy.Name,
		ms(p.CreatedAt), ms(p.ExpiresAt), nullMS(p.DecidedAt), p.Chosen, p.NewBookingID)
	return conflict(err, "insert proposal")
}

// GetProposal implements booking.Tx.
func (t bookingTx) GetProposal(ctx context.Context, id string) (booking.Proposal, error) {
	p, err := scanProposal(t.tx.QueryRowContext(ctx, `SELECT `+proposalColumns+` FROM booking_proposals WHERE id = ?`, id))
	if err != nil {
		return p, notFound(err, "proposal", id)
	}
	return p, nil
}

// PendingProposals implements booking.Tx.
func (t bookingTx) PendingProposals(ctx context.Context, bookingID string) ([]booking.Proposal, error) {
	rows, err := t.tx.QueryContext(ctx, `SELECT `+proposalColumns+` FROM booking_proposals WHERE booking_id = ? AND status = ?
		ORDER BY created_at_ms, id`, bookingID, booking.ProposalPending)
	if err != nil {
		return nil, fmt.Errorf("pending proposals: %w", err)
	}
	return scanProposals(rows)
}

// FinishProposal implements booking.Tx: the status condition makes it a
// compare-and-set.
func (t bookingTx) FinishProposal(ctx context.Context, id string, status booking.ProposalStatus, chosen int, newBookingID string, at time.Time) (bool, error) {
	res, err := t.tx.ExecContext(ctx, `UPDATE booking_proposals SET status = ?, chosen = ?, new_booking_id = ?, decided_at_ms = ?
		WHERE id = ? AND status = ?`, status, chosen, newBookingID, ms(at), id, booking.ProposalPending)
	if err != nil {
		return false, fmt.Errorf("finish proposal: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SetMeetingURL implements booking.Tx.
func (t bookingTx) SetMeetingURL(ctx context.Context, bookingID, url string, at time.Time) error {
	_, err := t.tx.ExecContext(ctx, `UPDATE bookings SET meeting_url = ?, updated_at_ms = ? WHERE id = ?`, url, ms(at), bookingID)
	return err
}

// GetProposal returns a proposal from the readers.
func (db *DB) GetProposal(ctx context.Context, id string) (booking.Proposal, error) {
	var p booking.Proposal
	err := db.ReadTx(ctx, func(tx *sql.Tx) error {
		var err error
		p, err = scanProposal(tx.QueryRowContext(ctx, `SELECT `+proposalColumns+` FROM booking_proposals WHERE id = ?`, id))
		if err != nil {
			return notFound(err, "proposal", id)
		}
		return nil
	})
	return p, err
}

// ProposalsOfBooking lists a booking's proposals, newest first.
func (db *DB) ProposalsOfBooking(ctx context.Context, bookingID string) ([]booking.Proposal, error) {
	var out []booking.Proposal
	err := db.ReadTx(ctx, func(tx *sql.Tx) error {
		rows, err := tx.QueryContext(ctx, `SELECT `+proposalColumns+` FROM booking_proposals WHERE booking_id = ?
			ORDER BY created_at_ms DESC, id DESC LIMIT 50`, bookingID)
		if err != nil {
			return fmt.Errorf("proposals of booking: %w", err)
		}
		out, err = scanProposals(rows)
		return err
	})
	return out, err
}

// LapsedProposals lists pending proposals expired at now, oldest first.
func (db *DB) LapsedProposals(ctx context.Context, now time.Time, limit int) ([]string, error) {
	var out []string
	err := db.ReadTx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, `SELECT id FROM booking_proposals WHERE status = ? AND expires_at_ms <= ?
			ORDER BY expires_at_ms, id LIMIT ?`, booking.ProposalPending, ms(now), limit)
		if err != nil {
			return fmt.Errorf("lapsed proposals: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			out = append(out, id)
		}
		return rows.Err()
	})
	return out, err
}

func scanProposals(rows *sql.Rows) ([]booking.Proposal, error) {
	defer rows.Close()
	var out []booking.Proposal
	for rows.Next() {
		p, err := scanProposal(rows)
		if err != nil {
			return nil, fmt.Errorf("scan proposal: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func scanProposal(s scanner) (booking.Proposal, error) {
	var p booking.Proposal
	var alts string
	var hash []byte
	var created, expires int64
	var decided sql.NullInt64
	if err := s.Scan(&p.ID, &p.BookingID, &p.Status, &p.Message, &alts, &hash, &p.ProposedBy.ID, &p.ProposedBy.Name,
		&created, &expires, &decided, &p.Chosen, &p.NewBookingID); err != nil {
		return p, err
	}
	p.ProposedBy.Kind = booking.ActorStaff
	copy(p.TokenHash[:], hash)
	p.CreatedAt, p.ExpiresAt, p.DecidedAt = fromMS(created), fromMS(expires), fromNullMS(decided)
	var rows []alternativeRow
	if err := json.Unmarshal([]byte(alts), &rows); err != nil {
		return p, fmt.Errorf("decode alternatives: %w", err)
	}
	for _, a := range rows {
		p.Alternatives = append(p.Alternatives, booking.Alternative{HoldID: a.HoldID, Start: fromMS(a.StartMS), End: fromMS(a.EndMS), OperatorID: a.OperatorID})
	}
	return p, nil
}
