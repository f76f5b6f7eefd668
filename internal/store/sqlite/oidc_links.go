package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/varco-gate/varco/internal/identity"
)

// CreateExternalAccount inserts an account created through SPID/CIE
// together with its link, so that no account exists half-made.
func (db *DB) CreateExternalAccount(ctx context.Context, a identity.Account, l identity.ExternalLink) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := insertAccount(ctx, tx, a); err != nil {
			return err
		}
		return putExternalLink(ctx, tx, l)
	})
}

// PutExternalLink inserts or replaces the link of an account with an
// issuer.
func (db *DB) PutExternalLink(ctx context.Context, l identity.ExternalLink) error {
	return db.WriteTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return putExternalLink(ctx, tx, l)
	})
}

func putExternalLink(ctx context.Context, tx *sql.Tx, l identity.ExternalLink) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO oidc_links (account_id, issuer, subject, birth_date, linked_at_ms)
		VALUES (?,?,?,?,?) ON CONFLICT (account_id, issuer) DO UPDATE SET
		subject = excluded.subject, birth_date = excluded.birth_date, linked_at_ms = excluded.linked_at_ms`,
		l.AccountID, l.Issuer, l.Subject, l.BirthDate, ms(l.LinkedAt))
	if err != nil {
		return fmt.Errorf("put external link: %w", err)
	}
	return nil
}

// HasExternalLink reports whether the account is linked to any provider.
func (db *DB) HasExternalLink(ctx context.Context, accountID string) (bool, error) {
	var n int
	err := db.R.QueryRowContext(ctx, `SELECT count(*) FROM oidc_links WHERE account_id = ?`, accountID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("has external link: %w", err)
	}
	return n > 0, nil
}

// ExternalLinks lists the account's links, oldest first.
func (db *DB) ExternalLinks(ctx context.Context, accountID string) ([]identity.ExternalLink, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT issuer, subject, birth_date, linked_at_ms FROM oidc_links
		WHERE account_id = ? ORDER BY linked_at_ms, issuer`, accountID)
	if err != nil {
		return nil, fmt.Errorf("list external links: %w", err)
	}
	defer rows.Close()
	var out []identity.ExternalLink
	for rows.Next() {
		l := identity.ExternalLink{AccountID: accountID}
		var at int64
		if err := rows.Scan(&l.Issuer, &l.Subject, &l.BirthDate, &at); err != nil {
			return nil, fmt.Errorf("list external links: %w", err)
		}
		l.LinkedAt = fromMS(at)
		out = append(out, l)
	}
	return out, rows.Err()
}
