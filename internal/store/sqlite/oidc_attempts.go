package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/oidclogin"
)

const oidcAttemptColumns = `token_hash, state, nonce, code_verifier, created_at_ms, expires_at_ms,
	pending_step, identity_json, link_account_id, id_token`

// CreateOidcAttempt inserts a SPID/CIE login attempt, and deletes the
// attempts expired by its creation: abandoned logins (a closed tab) never
// reach a step that would delete them, and this keeps the table as small
// as the logins of the last minutes without a job of its own.
func (db *DB) CreateOidcAttempt(ctx context.Context, a oidclogin.Attempt) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM oidc_attempts WHERE expires_at_ms <= ?`, ms(a.CreatedAt)); err != nil {
			return fmt.Errorf("delete expired oidc attempts: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_attempts (`+oidcAttemptColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?)`,
			a.TokenHash, a.State, a.Nonce, a.CodeVerifier, ms(a.CreatedAt), ms(a.ExpiresAt),
			a.PendingStep, a.IdentityJSON, a.LinkAccountID, a.IDToken)
		return conflict(err, "insert oidc attempt")
	})
}

// ConsumeOidcAttempt marks the attempt called back and returns it, once:
// the update and the read are one transaction, so of two callbacks racing
// with the same cookie only one gets it.
func (db *DB) ConsumeOidcAttempt(ctx context.Context, tokenHash string, at time.Time) (oidclogin.Attempt, error) {
	var a oidclogin.Attempt
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE oidc_attempts SET called_back_ms = ?
			WHERE token_hash = ? AND called_back_ms IS NULL AND expires_at_ms > ?`, ms(at), tokenHash, ms(at))
		if err := affected(res, err, "oidc attempt", "by token"); err != nil {
			return err
		}
		a, err = scanOidcAttempt(tx.QueryRowContext(ctx, `SELECT `+oidcAttemptColumns+` FROM oidc_attempts WHERE token_hash = ?`, tokenHash))
		return err
	})
	return a, err
}

// SetOidcPending stores the step a called-back attempt still needs.
func (db *DB) SetOidcPending(ctx context.Context, a oidclogin.Attempt) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE oidc_attempts SET pending_step = ?, identity_json = ?, link_account_id = ?,
			id_token = ?, expires_at_ms = ? WHERE token_hash = ?`,
			a.PendingStep, a.IdentityJSON, a.LinkAccountID, a.IDToken, ms(a.ExpiresAt), a.TokenHash)
		return affected(res, err, "oidc attempt", "by token")
	})
}

// GetOidcPending returns a called-back attempt with a pending step that has
// not expired at at.
func (db *DB) GetOidcPending(ctx context.Context, tokenHash string, at time.Time) (oidclogin.Attempt, error) {
	a, err := scanOidcAttempt(db.R.QueryRowContext(ctx, `SELECT `+oidcAttemptColumns+` FROM oidc_attempts
		WHERE token_hash = ? AND called_back_ms IS NOT NULL AND pending_step <> 0 AND expires_at_ms > ?`, tokenHash, ms(at)))
	if err != nil {
		return oidclogin.Attempt{}, notFound(err, "oidc attempt", "by token")
	}
	return a, nil
}

// DeleteOidcAttempt deletes a finished attempt.
func (db *DB) DeleteOidcAttempt(ctx context.Context, tokenHash string) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM oidc_attempts WHERE token_hash = ?`, tokenHash)
		if err != nil {
			return fmt.Errorf("delete oidc attempt: %w", err)
		}
		return nil
	})
}

// DeleteExpiredOidcAttempts deletes attempts expired before before.
func (db *DB) DeleteExpiredOidcAttempts(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM oidc_attempts WHERE expires_at_ms <= ?`, ms(before))
		if err != nil {
			return fmt.Errorf("delete expired oidc attempts: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// PutOidcSession keeps the ID token of a session opened through the
// provider; it is deleted with the session.
func (db *DB) PutOidcSession(ctx context.Context, sessionHash [32]byte, idToken string, expires time.Time) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO oidc_sessions (session_hash, id_token, expires_at_ms) VALUES (?,?,?)`,
			sessionHash[:], idToken, ms(expires))
		return conflict(err, "insert oidc session")
	})
}

// GetOidcSession returns the ID token of a session opened through the
// provider.
func (db *DB) GetOidcSession(ctx context.Context, sessionHash [32]byte) (string, error) {
	var t string
	err := db.R.QueryRowContext(ctx, `SELECT id_token FROM oidc_sessions WHERE session_hash = ?`, sessionHash[:]).Scan(&t)
	if err != nil {
		return "", notFound(err, "oidc session", "by session")
	}
	return t, nil
}

// DeleteOidcSession forgets the ID token of a session being logged out.
func (db *DB) DeleteOidcSession(ctx context.Context, sessionHash [32]byte) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM oidc_sessions WHERE session_hash = ?`, sessionHash[:])
		if err != nil {
			return fmt.Errorf("delete oidc session: %w", err)
		}
		return nil
	})
}

func scanOidcAttempt(row *sql.Row) (oidclogin.Attempt, error) {
	var a oidclogin.Attempt
	var created, expires int64
	err := row.Scan(&a.TokenHash, &a.State, &a.Nonce, &a.CodeVerifier, &created, &expires,
		&a.PendingStep, &a.IdentityJSON, &a.LinkAccountID, &a.IDToken)
	if err != nil {
		return oidclogin.Attempt{}, err
	}
	a.CreatedAt, a.ExpiresAt = fromMS(created), fromMS(expires)
	return a, nil
}
