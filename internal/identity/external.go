package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/store"
)

// ExternalIdentity is what an external identity provider (SPID or CIE
// through OpenID Connect, package oidclogin) asserts about a person after a
// verified login.
type ExternalIdentity struct {
	// Issuer is the provider's issuer URL.
	Issuer string
	// Subject is the provider's identifier of the person.
	Subject string
	// CodiceFiscale is validated (checksum) and upper case: the identifier
	// SPID and CIE guarantee, and the key Varco finds accounts by.
	CodiceFiscale string
	GivenName     string
	FamilyName    string
	Email         string
	// BirthDate is "YYYY-MM-DD", or empty when not asserted.
	BirthDate string
}

// ExternalLink records that an account's owner logged in through a
// provider: the account was created by it, or linked after its owner
// proved control of it with the password.
type ExternalLink struct {
	AccountID string
	Issuer    string
	Subject   string
	BirthDate string
	LinkedAt  time.Time
}

// ExternalStore is the storage external logins need besides Store.
type ExternalStore interface {
	// CreateExternalAccount inserts a and its link in one transaction; it
	// fails like Store.CreateAccount.
	CreateExternalAccount(ctx context.Context, a Account, l ExternalLink) error
	// PutExternalLink inserts or replaces the link of l.AccountID with
	// l.Issuer.
	PutExternalLink(ctx context.Context, l ExternalLink) error
	// HasExternalLink reports whether the account is linked to any
	// provider.
	HasExternalLink(ctx context.Context, accountID string) (bool, error)
}

// ExternalOutcome is what an external login found.
type ExternalOutcome int

// External login outcomes.
const (
	// ExternalLoggedIn: a linked account; the session is issued.
	ExternalLoggedIn ExternalOutcome = iota + 1
	// ExternalNeedsConsent: no account has the codice fiscale; one is
	// created once the person accepts the privacy notice.
	ExternalNeedsConsent
	// ExternalNeedsLink: a password account has the codice fiscale but was
	// never linked; its owner must prove control of it first.
	ExternalNeedsLink
)

// ErrExternalEmailTaken: the provider asserted an e-mail address that
// another account (another codice fiscale) already uses.
var ErrExternalEmailTaken = fault.New(fault.AlreadyExists, "oidc_email_taken")

// ExternalLogin finds the account of a verified external identity by its
// codice fiscale. A linked account gets a new session; otherwise the
// outcome says what must happen first, and accountID names the account to
// link for ExternalNeedsLink. Nothing is written except the session.
func (s *Service) ExternalLogin(ctx context.Context, ext ExternalIdentity) (out ExternalOutcome, a Account, sess Session, err error) {
	a, err = s.store.GetAccountByCodiceFiscale(ctx, ext.CodiceFiscale)
	if errors.Is(err, store.ErrNotFound) {
		return ExternalNeedsConsent, Account{}, Session{}, nil
	}
	if err != nil {
		return 0, Account{}, Session{}, fmt.Errorf("external login: %w", err)
	}
	// Linked through any provider counts: the codice fiscale is what SPID
	// and CIE guarantee whichever gateway asserts it, and only the one
	// configured provider is trusted at a time. A town that changes
	// gateway must not strand accounts created through the old one, which
	// have no password to link again with.
	linked, err := s.external().HasExternalLink(ctx, a.ID)
	if err != nil {
		return 0, Account{}, Session{}, fmt.Errorf("external login: %w", err)
	}
	if !linked {
		return ExternalNeedsLink, a, Session{}, nil
	}
	if sess, err = s.newSession(ctx, a.ID); err != nil {
		return 0, Account{}, Session{}, err
	}
	return ExternalLoggedIn, a, sess, nil
}

// CreateExternalAccount creates the account of a verified external
// identity that has none, after the person accepted the privacy notice,
// and logs it in. The account has no password: it logs in through the
// provider only. The names and e-mail are the provider's, validated as at
// registration.
func (s *Service) CreateExternalAccount(ctx context.Context, ext ExternalIdentity, consent bool, lang string) (Account, Session, error) {
	if !consent {
		return Account{}, Session{}, errConsentRequired
	}
	var a Account
	var err error
	if a.GivenName, err = parseName("given_name", ext.GivenName); err != nil {
		return Account{}, Session{}, err
	}
	if a.FamilyName, err = parseName("family_name", ext.FamilyName); err != nil {
		return Account{}, Session{}, err
	}
	if a.Email, err = parseEmail(ext.Email); err != nil {
		return Account{}, Session{}, err
	}
	if a.CodiceFiscale, err = parseCodiceFiscale(ext.CodiceFiscale); err != nil {
		return Account{}, Session{}, err
	}
	now := s.now()
	a.ID, a.Language = uuid.NewString(), requestLanguage(lang)
	a.PrivacyConsentAt, a.CreatedAt, a.UpdatedAt = now, now, now
	l := ExternalLink{AccountID: a.ID, Issuer: ext.Issuer, Subject: ext.Subject, BirthDate: ext.BirthDate, LinkedAt: now}
	if err := s.external().CreateExternalAccount(ctx, a, l); err != nil {
		if errors.Is(err, ErrEmailTaken) {
			return Account{}, Session{}, ErrExternalEmailTaken
		}
		return Account{}, Session{}, fmt.Errorf("create external account: %w", err)
	}
	sess, err := s.newSession(ctx, a.ID)
	if err != nil {
		return Account{}, Session{}, err
	}
	s.log.InfoContext(ctx, "account created through external login", slog.String("account_id", a.ID))
	return a, sess, nil
}

// LinkExternal links the account accountID, which has the codice fiscale
// of ext, after its owner proved control of it with its password, and logs
// it in. Wrong passwords count towards the account's and the address's
// login throttling, as at Login; a wrong one is ErrWrongPassword on field
// "password".
func (s *Service) LinkExternal(ctx context.Context, accountID, pw string, ext ExternalIdentity, clientAddr string) (Account, Session, error) {
	keys := []string{accountKey(accountID)}
	if clientAddr != "" {
		keys = append(keys, addressKey(clientAddr))
	}
	if ok, wait, err := s.limiter.Allow(ctx, keys...); err != nil {
		return Account{}, Session{}, err
	} else if !ok {
		return Account{}, Session{}, newThrottled(wait)
	}
	a, err := s.account(ctx, accountID)
	if err != nil {
		return Account{}, Session{}, err
	}
	if a.CodiceFiscale != ext.CodiceFiscale {
		// The account changed hands between the callback and now.
		return Account{}, Session{}, ErrSessionInvalid
	}
	ok := false
	if a.PasswordHash != "" {
		if ok, _, err = s.verify(ctx, pw, a.PasswordHash); err != nil {
			return Account{}, Session{}, fmt.Errorf("link external: account %s: %w", a.ID, err)
		}
	}
	if !ok {
		s.failure(ctx, keys...)
		return Account{}, Session{}, errLinkPasswordWrong
	}
	s.success(ctx, keys[0])
	l := ExternalLink{AccountID: a.ID, Issuer: ext.Issuer, Subject: ext.Subject, BirthDate: ext.BirthDate, LinkedAt: s.now()}
	if err := s.external().PutExternalLink(ctx, l); err != nil {
		return Account{}, Session{}, fmt.Errorf("link external: %w", err)
	}
	sess, err := s.newSession(ctx, a.ID)
	if err != nil {
		return Account{}, Session{}, err
	}
	s.log.InfoContext(ctx, "account linked to external login", slog.String("account_id", a.ID))
	return a, sess, nil
}

var errLinkPasswordWrong = fault.InvalidField("password", "password_wrong").Text("error.password_wrong.password")

// external is the store's ExternalStore side.
func (s *Service) external() ExternalStore { return s.store }

// RecentLoginWindow is how recent the session of an account without a
// password must be to confirm a sensitive change (ConfirmIdentity).
const RecentLoginWindow = 10 * time.Minute

// ErrRecentLoginRequired: an account without a password (created through
// SPID/CIE) confirms a sensitive change by logging in again just before.
var ErrRecentLoginRequired = fault.New(fault.FailedPrecondition, "recent_login_required")

var errPasswordRequired = fault.InvalidField("password", "required")

// ConfirmIdentity checks that the caller of a sensitive change (account
// erasure) is the account's owner: by its password (VerifyPassword) or,
// for an account without one, by a session opened in the last
// RecentLoginWindow, which only a fresh SPID/CIE login gives.
func (s *Service) ConfirmIdentity(ctx context.Context, accountID string, sessionHash [32]byte, password string) (Account, error) {
	a, err := s.account(ctx, accountID)
	if err != nil {
		return Account{}, err
	}
	if a.PasswordHash != "" {
		if password == "" {
			return Account{}, errPasswordRequired
		}
		return s.VerifyPassword(ctx, accountID, password)
	}
	sess, err := s.store.GetSession(ctx, sessionHash)
	if errors.Is(err, store.ErrNotFound) {
		return Account{}, ErrSessionInvalid
	}
	if err != nil {
		return Account{}, fmt.Errorf("confirm identity: %w", err)
	}
	if sess.AccountID != a.ID || s.now().Sub(sess.CreatedAt) > RecentLoginWindow {
		return Account{}, ErrRecentLoginRequired
	}
	return a, nil
}
