package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/identity"
)

// CreateSession inserts s; only its token hash is stored.
func (db *DB) CreateSession(ctx context.Context, s identity.Session) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO sessions (token_hash, account_id, created_at_ms, expires_at_ms, revoked_at_ms)
			VALUES (?,?,?,?,?)`, s.TokenHash[:], s.AccountID, ms(s.CreatedAt), ms(s.ExpiresAt), nullMS(s.RevokedAt))
		return conflict(err, "insert session")
	})
}

// GetSession returns the session whose token hashes to hash, active or not.
func (db *DB) GetSession(ctx context.Context, hash [32]byte) (identity.Session, error) {
	var s identity.Session
	var created, expires int64
	var revoked sql.NullInt64
	err := db.R.QueryRowContext(ctx, `SELECT account_id, created_at_ms, expires_at_ms, revoked_at_ms
		FROM sessions WHERE token_hash = ?`, hash[:]).Scan(&s.AccountID, &created, &expires, &revoked)
	if err != nil {
		// Never the hash in errors: it is as good as the token for lookups.
		return identity.Session{}, notFound(err, "session", "by token")
	}
	s.TokenHash = hash
	s.CreatedAt, s.ExpiresAt, s.RevokedAt = fromMS(created), fromMS(expires), fromNullMS(revoked)
	return s, nil
}

// AuthVersion implements identity.Store: it moves whenever a principal
// could change (migration 0011's triggers).
func (db *DB) AuthVersion(ctx context.Context) (int64, error) {
	var v int64
	if err := db.R.QueryRowContext(pointRead(ctx), `SELECT version FROM auth_version WHERE id = 1`).Scan(&v); err != nil {
		return 0, fmt.Errorf("auth version: %w", err)
	}
	return v, nil
}

// GetSessionAuth implements identity.Store: the session joined with its
// account and, one row each, the account's staff roles.
func (db *DB) GetSessionAuth(ctx context.Context, hash [32]byte) (identity.SessionAuth, error) {
	rows, err := db.R.QueryContext(pointRead(ctx), `SELECT s.account_id, s.created_at_ms, s.expires_at_ms, s.revoked_at_ms,
			a.installation_admin, r.organization_id, r.kind, r.resource_ids
		FROM sessions s JOIN accounts a ON a.id = s.account_id
		LEFT JOIN staff_roles r ON r.account_id = s.account_id
		WHERE s.token_hash = ? ORDER BY r.organization_id`, hash[:])
	if err != nil {
		return identity.SessionAuth{}, fmt.Errorf("get session: %w", err)
	}
	defer rows.Close()
	var out identity.SessionAuth
	found := false
	for rows.Next() {
		var created, expires int64
		var revoked sql.NullInt64
		var org, ids sql.NullString
		var kind sql.NullInt64
		if err := rows.Scan(&out.Session.AccountID, &created, &expires, &revoked, &out.InstallationAdmin, &org, &kind, &ids); err != nil {
			return identity.SessionAuth{}, fmt.Errorf("get session: %w", err)
		}
		found = true
		out.Session.CreatedAt, out.Session.ExpiresAt, out.Session.RevokedAt = fromMS(created), fromMS(expires), fromNullMS(revoked)
		if org.Valid {
			r := authz.Role{OrganizationID: org.String, Kind: authz.RoleKind(kind.Int64)}
			if r.ResourceIDs, err = resourceIDs(ids.String); err != nil {
				return identity.SessionAuth{}, fmt.Errorf("get session: %w", err)
			}
			out.Roles = append(out.Roles, r)
		}
	}
	if err := rows.Err(); err != nil {
		return identity.SessionAuth{}, fmt.Errorf("get session: %w", err)
	}
	if !found {
		// Never the hash in errors: it is as good as the token for lookups.
		return identity.SessionAuth{}, notFound(sql.ErrNoRows, "session", "by token")
	}
	out.Session.TokenHash = hash
	return out, nil
}

// RevokeSession marks the session revoked at at. Revoking a revoked session
// keeps the first revocation time; an unknown hash yields store.ErrNotFound.
func (db *DB) RevokeSession(ctx context.Context, hash [32]byte, at time.Time) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET revoked_at_ms = coalesce(revoked_at_ms, ?)
			WHERE token_hash = ?`, ms(at), hash[:])
		return affected(res, err, "session", "by token")
	})
}

// DeleteExpiredSessions deletes sessions that expired before before and
// returns how many. Revoked sessions go too once expired: until then they
// are kept so that a revoked token is reported as such.
func (db *DB) DeleteExpiredSessions(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at_ms < ?`, ms(before))
		if err != nil {
			return fmt.Errorf("delete expired sessions: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}
