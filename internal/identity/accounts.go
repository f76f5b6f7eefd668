package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/google/uuid"

	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/store"
)

// RegisterInput is a citizen's registration form.
type RegisterInput struct {
	GivenName      string
	FamilyName     string
	Email          string
	CodiceFiscale  string
	Phone          string
	Password       string
	Language       string
	PrivacyConsent bool
}

var errConsentRequired = fault.InvalidField("privacy_consent", "consent_required")

// Register validates in, creates a citizen account and logs it in. Fields
// are checked in form order and the first wrong one is reported by its
// request name. An empty Language takes lang, the language of the request.
// A taken e-mail (in any letter case) or codice fiscale yields ErrEmailTaken
// or ErrCodiceFiscaleTaken.
func (s *Service) Register(ctx context.Context, in RegisterInput, lang string) (Account, Session, error) {
	var a Account
	var err error
	if a.GivenName, err = parseName("given_name", in.GivenName); err != nil {
		return Account{}, Session{}, err
	}
	if a.FamilyName, err = parseName("family_name", in.FamilyName); err != nil {
		return Account{}, Session{}, err
	}
	if a.Email, err = parseEmail(in.Email); err != nil {
		return Account{}, Session{}, err
	}
	if a.CodiceFiscale, err = parseCodiceFiscale(in.CodiceFiscale); err != nil {
		return Account{}, Session{}, err
	}
	if a.Phone, err = parsePhone(in.Phone); err != nil {
		return Account{}, Session{}, err
	}
	if err := checkPassword("password", in.Password); err != nil {
		return Account{}, Session{}, err
	}
	if a.Language, err = parseLanguage(in.Language, requestLanguage(lang)); err != nil {
		return Account{}, Session{}, err
	}
	if !in.PrivacyConsent {
		return Account{}, Session{}, errConsentRequired
	}
	if a.PasswordHash, err = s.hash(ctx, in.Password); err != nil {
		return Account{}, Session{}, fmt.Errorf("register: %w", err)
	}
	now := s.now()
	a.ID = uuid.NewString()
	a.PrivacyConsentAt, a.CreatedAt, a.UpdatedAt = now, now, now
	if err := s.store.CreateAccount(ctx, a); err != nil {
		return Account{}, Session{}, fmt.Errorf("register: %w", err)
	}
	sess, err := s.newSession(ctx, a.ID)
	if err != nil {
		return Account{}, Session{}, err
	}
	s.log.InfoContext(ctx, "account registered", slog.String("account_id", a.ID))
	return a, sess, nil
}

// Login trades an e-mail (any letter case) or a codice fiscale (any case)
// plus password for a new session. clientAddr is the caller's IP address,
// used for throttling; empty skips the address key (in-process callers).
//
// Failures: ErrInvalidCredentials, the same whether the login is unknown or
// the password wrong, and taking the same time (a hash is computed either
// way); a *ThrottledError wrapping ErrLoginThrottled while the account or
// the address is locked out.
func (s *Service) Login(ctx context.Context, login, pw, clientAddr string) (Account, Session, error) {
	a, found, err := s.findByLogin(ctx, login)
	if err != nil {
		return Account{}, Session{}, fmt.Errorf("login: %w", err)
	}
	// Unknown logins are throttled too, under their own key, so that
	// lockouts look the same whether or not the account exists.
	keys := []string{"acct:login:" + normalizeLogin(login)}
	if found {
		keys[0] = accountKey(a.ID)
	}
	if clientAddr != "" {
		keys = append(keys, addressKey(clientAddr))
	}
	if ok, wait, err := s.limiter.Allow(ctx, keys...); err != nil {
		return Account{}, Session{}, err
	} else if !ok {
		return Account{}, Session{}, newThrottled(wait)
	}
	if !found {
		// Spend what a verification costs, so response time does not tell
		// whether the login exists; the result is thrown away.
		_, _ = s.hash(ctx, pw)
		s.failure(ctx, keys...)
		return Account{}, Session{}, ErrInvalidCredentials
	}
	if a.PasswordHash == "" {
		// An account created through SPID/CIE has no password to check;
		// spend the same time as a wrong one.
		_, _ = s.hash(ctx, pw)
		s.failure(ctx, keys...)
		return Account{}, Session{}, ErrInvalidCredentials
	}
	ok, rehash, err := s.verify(ctx, pw, a.PasswordHash)
	if err != nil {
		return Account{}, Session{}, fmt.Errorf("login: account %s: %w", a.ID, err)
	}
	if !ok {
		s.failure(ctx, keys...)
		return Account{}, Session{}, ErrInvalidCredentials
	}
	// Only the account key: clearing the address key would let one valid
	// account reset the counter between guesses at others.
	s.success(ctx, keys[0])
	if rehash {
		s.rehash(ctx, a, pw)
	}
	sess, err := s.newSession(ctx, a.ID)
	if err != nil {
		return Account{}, Session{}, err
	}
	return a, sess, nil
}

// rehash upgrades a hash made with old parameters. Failing is harmless (the
// old hash still works), so it is logged, not returned.
func (s *Service) rehash(ctx context.Context, a Account, pw string) {
	h, err := s.hash(ctx, pw)
	if err == nil {
		_, err = s.store.ReplacePasswordHash(ctx, a.ID, a.PasswordHash, h, s.now())
	}
	if err != nil {
		s.log.WarnContext(ctx, "password rehash failed", slog.String("account_id", a.ID), slog.Any("err", err))
	}
}

// normalizeLogin returns the form of a login that all its spellings share.
func normalizeLogin(login string) string {
	login = strings.TrimSpace(login)
	if strings.Contains(login, "@") {
		return strings.ToLower(login)
	}
	return strings.ToUpper(login)
}

// findByLogin looks an account up by e-mail (anything with an '@', which no
// codice fiscale has) or codice fiscale; found is false when there is none.
func (s *Service) findByLogin(ctx context.Context, login string) (a Account, found bool, err error) {
	login = normalizeLogin(login)
	if login == "" {
		return Account{}, false, nil
	}
	if strings.Contains(login, "@") {
		a, err = s.store.GetAccountByEmail(ctx, login)
	} else {
		a, err = s.store.GetAccountByCodiceFiscale(ctx, login)
	}
	if errors.Is(err, store.ErrNotFound) {
		return Account{}, false, nil
	}
	return a, err == nil, err
}

func (s *Service) newSession(ctx context.Context, accountID string) (Session, error) {
	plain, hash, err := token.New(token.PrefixSession)
	if err != nil {
		return Session{}, fmt.Errorf("new session: %w", err)
	}
	now := s.now()
	sess := Session{Token: plain, TokenHash: hash, AccountID: accountID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return Session{}, fmt.Errorf("new session: %w", err)
	}
	return sess, nil
}

// Logout revokes the session whose token hashes to sessionHash.
func (s *Service) Logout(ctx context.Context, sessionHash [32]byte) error {
	err := s.store.RevokeSession(ctx, sessionHash, s.now())
	if errors.Is(err, store.ErrNotFound) {
		return ErrSessionInvalid
	}
	return err
}

// PruneSessions deletes sessions that have expired and returns how many,
// for a periodic maintenance job.
func (s *Service) PruneSessions(ctx context.Context) (int, error) {
	return s.store.DeleteExpiredSessions(ctx, s.now())
}

// WhoAmI describes p with fresh data: the account and its roles, or the
// device. Anonymous principals get ErrLoginRequired.
func (s *Service) WhoAmI(ctx context.Context, p authz.Principal) (Caller, error) {
	switch p.Kind {
	case authz.Account:
		a, err := s.account(ctx, p.AccountID)
		if err != nil {
			return Caller{}, err
		}
		roles, err := s.store.ListAccountRoles(ctx, a.ID)
		if err != nil {
			return Caller{}, fmt.Errorf("whoami: %w", err)
		}
		return Caller{Kind: authz.Account, Account: a, Roles: roles, InstallationAdmin: a.InstallationAdmin}, nil
	case authz.Device:
		d, err := s.store.GetDevice(ctx, p.DeviceID)
		if errors.Is(err, store.ErrNotFound) {
			return Caller{}, ErrDeviceInvalid
		}
		if err != nil {
			return Caller{}, fmt.Errorf("whoami: %w", err)
		}
		return Caller{Kind: authz.Device, Device: d}, nil
	}
	return Caller{}, ErrLoginRequired
}

// account loads the caller's account; a principal whose account is gone (an
// account deleted during the request) gets ErrSessionInvalid.
func (s *Service) account(ctx context.Context, id string) (Account, error) {
	a, err := s.store.GetAccount(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Account{}, ErrSessionInvalid
	}
	if err != nil {
		return Account{}, fmt.Errorf("get account: %w", err)
	}
	return a, nil
}

// ProfileUpdate holds the profile fields to change; empty ones are kept.
type ProfileUpdate struct {
	GivenName  string
	FamilyName string
	Phone      string
	Language   string
	// AppIOOptOut, when set, turns App IO messages off (true) or on.
	AppIOOptOut *bool
}

// UpdateProfile changes the account's names, phone, language or channel
// choices, validated as at registration, and returns the account after the
// change.
func (s *Service) UpdateProfile(ctx context.Context, accountID string, in ProfileUpdate) (Account, error) {
	a, err := s.account(ctx, accountID)
	if err != nil {
		return Account{}, err
	}
	if in.GivenName != "" {
		if a.GivenName, err = parseName("given_name", in.GivenName); err != nil {
			return Account{}, err
		}
	}
	if in.FamilyName != "" {
		if a.FamilyName, err = parseName("family_name", in.FamilyName); err != nil {
			return Account{}, err
		}
	}
	if in.Phone != "" {
		if a.Phone, err = parsePhone(in.Phone); err != nil {
			return Account{}, err
		}
	}
	if a.Language, err = parseLanguage(in.Language, a.Language); err != nil {
		return Account{}, err
	}
	if in.AppIOOptOut != nil {
		a.AppIOOptOut = *in.AppIOOptOut
	}
	a.UpdatedAt = s.now()
	if err := s.store.UpdateAccountProfile(ctx, a); err != nil {
		return Account{}, fmt.Errorf("update profile: %w", err)
	}
	return a, nil
}

// ChangePassword replaces the account's password after checking the current
// one, and revokes every session but keepSession (the caller's), so that
// whoever else held a session is logged out. Wrong current passwords count
// towards the account's login throttling: a stolen session must not become
// a way to guess the password without limit.
func (s *Service) ChangePassword(ctx context.Context, accountID string, keepSession [32]byte, current, next string) error {
	if err := checkPassword("new_password", next); err != nil {
		return err
	}
	a, err := s.VerifyPassword(ctx, accountID, current)
	if err != nil {
		return err
	}
	h, err := s.hash(ctx, next)
	if err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	if err := s.store.ChangePassword(ctx, a.ID, h, keepSession, s.now()); err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	s.log.InfoContext(ctx, "password changed", slog.String("account_id", a.ID))
	return nil
}

// VerifyPassword checks the password of a logged-in account before a
// sensitive change (new password, account erasure), throttled like logins
// so a stolen session cannot be used to guess it. A wrong password is
// ErrWrongPassword.
func (s *Service) VerifyPassword(ctx context.Context, accountID, password string) (Account, error) {
	key := accountKey(accountID)
	if ok, wait, err := s.limiter.Allow(ctx, key); err != nil {
		return Account{}, err
	} else if !ok {
		return Account{}, newThrottled(wait)
	}
	a, err := s.account(ctx, accountID)
	if err != nil {
		return Account{}, err
	}
	ok := false
	if a.PasswordHash != "" { // accounts created through SPID/CIE have none
		if ok, _, err = s.verify(ctx, password, a.PasswordHash); err != nil {
			return Account{}, fmt.Errorf("verify password: account %s: %w", a.ID, err)
		}
	}
	if !ok {
		s.failure(ctx, key)
		return Account{}, ErrWrongPassword
	}
	s.success(ctx, key)
	return a, nil
}

// BootstrapInput describes the installation administrator.
type BootstrapInput struct {
	Email         string
	Password      string
	GivenName     string
	FamilyName    string
	CodiceFiscale string
	// Phone is optional here: the administrator is set up by the operator of
	// the installation, not through the citizen form.
	Phone string
}

// Bootstrap creates the installation administrator when there is none yet
// (citizens may have registered already), and reports whether it did; once an
// administrator exists it does nothing. The input is validated either way, so a wrong setting is reported
// on every start rather than only on the first. The administrator's privacy
// consent is recorded as given now: they are the data controller's own
// operator, acting under its instructions.
func (s *Service) Bootstrap(ctx context.Context, in BootstrapInput) (bool, error) {
	var a Account
	var err error
	if a.GivenName, err = parseName("given_name", in.GivenName); err != nil {
		return false, err
	}
	if a.FamilyName, err = parseName("family_name", in.FamilyName); err != nil {
		return false, err
	}
	if a.Email, err = parseEmail(in.Email); err != nil {
		return false, err
	}
	if a.CodiceFiscale, err = parseCodiceFiscale(in.CodiceFiscale); err != nil {
		return false, err
	}
	if in.Phone != "" {
		if a.Phone, err = parsePhone(in.Phone); err != nil {
			return false, err
		}
	}
	if err := checkPassword("password", in.Password); err != nil {
		return false, err
	}
	if a.PasswordHash, err = s.hash(ctx, in.Password); err != nil {
		return false, fmt.Errorf("bootstrap: %w", err)
	}
	now := s.now()
	a.ID, a.Language, a.InstallationAdmin = uuid.NewString(), "it", true
	a.PrivacyConsentAt, a.CreatedAt, a.UpdatedAt = now, now, now
	created, err := s.store.CreateFirstAdmin(ctx, a)
	if err != nil {
		return false, fmt.Errorf("bootstrap: %w", err)
	}
	if created {
		s.log.InfoContext(ctx, "installation administrator created", slog.String("account_id", a.ID))
	}
	return created, nil
}
