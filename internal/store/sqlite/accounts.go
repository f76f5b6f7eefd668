package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/store"
)

const accountColumns = `id, email, codice_fiscale, given_name, family_name, phone, language, password_hash,
	installation_admin, privacy_consent_ms, created_at_ms, updated_at_ms, app_io_opt_out`

// CreateAccount inserts a; a.ID must be set. A taken e-mail (in any letter
// case) or codice fiscale yields an error wrapping store.ErrConflict and
// identity.ErrEmailTaken or identity.ErrCodiceFiscaleTaken.
func (db *DB) CreateAccount(ctx context.Context, a identity.Account) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return insertAccount(ctx, tx, a)
	})
}

// CreateFirstAdmin inserts a only if the installation has no
// administrator yet, and reports whether it did. Counting and inserting in
// one write transaction makes two servers bootstrapping the same file create
// one administrator. An e-mail or codice fiscale already registered by a
// citizen fails as in CreateAccount.
func (db *DB) CreateFirstAdmin(ctx context.Context, a identity.Account) (bool, error) {
	created := false
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var n int
		// Citizens may have registered before anyone ran bootstrap (the
		// README's own order): only an existing administrator makes it a
		// no-op.
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM accounts WHERE installation_admin = 1`).Scan(&n); err != nil {
			return fmt.Errorf("count administrators: %w", err)
		}
		if n > 0 {
			return nil
		}
		created = true
		return insertAccount(ctx, tx, a)
	})
	return created && err == nil, err
}

func insertAccount(ctx context.Context, tx *sql.Tx, a identity.Account) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO accounts (`+accountColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
		a.ID, a.Email, a.CodiceFiscale, a.GivenName, a.FamilyName, a.Phone, a.Language, a.PasswordHash,
		a.InstallationAdmin, ms(a.PrivacyConsentAt), ms(a.CreatedAt), ms(a.UpdatedAt), a.AppIOOptOut)
	return accountConflict(err)
}

// accountConflict names the unique key that failed with the identity
// sentinel, so the domain never parses SQLite's message itself.
func accountConflict(err error) error {
	err = conflict(err, "insert account")
	if !errors.Is(err, store.ErrConflict) {
		return err
	}
	// SQLite names a column index "accounts.codice_fiscale" and an
	// expression index (lower(email)) "index 'accounts_email'".
	msg := err.Error()
	switch {
	case strings.Contains(msg, "accounts_email"), strings.Contains(msg, "accounts.email"):
		return fmt.Errorf("%w: %w", err, identity.ErrEmailTaken)
	case strings.Contains(msg, "accounts.codice_fiscale"), strings.Contains(msg, "accounts_cf"):
		return fmt.Errorf("%w: %w", err, identity.ErrCodiceFiscaleTaken)
	}
	return err
}

// GetAccount returns the account with id.
func (db *DB) GetAccount(ctx context.Context, id string) (identity.Account, error) {
	a, err := scanAccount(db.R.QueryRowContext(pointRead(ctx), `SELECT `+accountColumns+` FROM accounts WHERE id = ?`, id))
	if err != nil {
		return identity.Account{}, notFound(err, "account", id)
	}
	return a, nil
}

// GetAccountByEmail returns the account with email, ignoring letter case
// (ASCII only, as SQLite's lower() and the unique index do).
func (db *DB) GetAccountByEmail(ctx context.Context, email string) (identity.Account, error) {
	a, err := scanAccount(db.R.QueryRowContext(ctx,
		`SELECT `+accountColumns+` FROM accounts WHERE lower(email) = lower(?)`, email))
	if err != nil {
		// The address is personal data: it stays out of the error text.
		return identity.Account{}, notFound(err, "account", "by e-mail")
	}
	return a, nil
}

// GetAccountByCodiceFiscale returns the account with the (upper-case) codice
// fiscale.
func (db *DB) GetAccountByCodiceFiscale(ctx context.Context, cf string) (identity.Account, error) {
	a, err := scanAccount(db.R.QueryRowContext(ctx,
		`SELECT `+accountColumns+` FROM accounts WHERE codice_fiscale = ?`, cf))
	if err != nil {
		return identity.Account{}, notFound(err, "account", "by codice fiscale")
	}
	return a, nil
}

// UpdateAccountProfile stores a's names, phone, language, channel choices
// and UpdatedAt.
func (db *DB) UpdateAccountProfile(ctx context.Context, a identity.Account) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET given_name = ?, family_name = ?, phone = ?, language = ?,
			app_io_opt_out = ?, updated_at_ms = ? WHERE id = ?`, a.GivenName, a.FamilyName, a.Phone, a.Language, a.AppIOOptOut, ms(a.UpdatedAt), a.ID)
		return affected(res, err, "account", a.ID)
	})
}

// ReplacePasswordHash swaps the password hash only if it is still oldHash,
// and reports whether it did. Rehashing after a login uses it so that it can
// never overwrite a password changed concurrently.
func (db *DB) ReplacePasswordHash(ctx context.Context, id, oldHash, newHash string, at time.Time) (bool, error) {
	var n int64
	err := db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET password_hash = ?, updated_at_ms = ?
			WHERE id = ? AND password_hash = ?`, newHash, ms(at), id, oldHash)
		if err != nil {
			return fmt.Errorf("replace password hash: %w", err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}

// ChangePassword sets the password hash and revokes every active session of
// the account except keep, in one transaction: a stolen session must not
// outlive the password change that was meant to end it.
func (db *DB) ChangePassword(ctx context.Context, id, hash string, keep [32]byte, at time.Time) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE accounts SET password_hash = ?, updated_at_ms = ? WHERE id = ?`,
			hash, ms(at), id)
		if err := affected(res, err, "account", id); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE sessions SET revoked_at_ms = ?
			WHERE account_id = ? AND token_hash <> ? AND revoked_at_ms IS NULL`, ms(at), id, keep[:])
		if err != nil {
			return fmt.Errorf("revoke other sessions: %w", err)
		}
		return nil
	})
}

// CountAccounts returns the number of accounts.
func (db *DB) CountAccounts(ctx context.Context) (int, error) {
	var n int
	if err := db.R.QueryRowContext(ctx, `SELECT count(*) FROM accounts`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count accounts: %w", err)
	}
	return n, nil
}

func scanAccount(s scanner) (identity.Account, error) {
	var a identity.Account
	var consent, created, updated int64
	err := s.Scan(&a.ID, &a.Email, &a.CodiceFiscale, &a.GivenName, &a.FamilyName, &a.Phone, &a.Language,
		&a.PasswordHash, &a.InstallationAdmin, &consent, &created, &updated, &a.AppIOOptOut)
	a.PrivacyConsentAt, a.CreatedAt, a.UpdatedAt = fromMS(consent), fromMS(created), fromMS(updated)
	return a, err
}

// affected turns an UPDATE or DELETE that matched no row into
// store.ErrNotFound.
func affected(res sql.Result, err error, what, id string) error {
	if err != nil {
		return fmt.Errorf("update %s %q: %w", what, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("update %s %q: %w", what, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%s %q: %w", what, id, store.ErrNotFound)
	}
	return nil
}
