// Package identity manages who the callers are: citizen and staff accounts
// with their passwords and sessions, staff roles inside organizations, and
// gate devices with their credentials. It turns bearer tokens into
// authz.Principal values; deciding what a principal may do is authz's job.
//
// Secrets are never stored in clear: passwords as argon2id hashes (package
// password), session tokens and device credentials as SHA-256 hashes
// (package token). Sessions expire at an absolute instant and can be revoked.
package identity

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/varco-gate/varco/internal/auth/password"
	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/throttle"
	"github.com/varco-gate/varco/internal/versioned"
)

// DefaultSessionTTL is the default Config.SessionTTL.
const DefaultSessionTTL = 30 * 24 * time.Hour

// deviceTouchInterval bounds how often a device's last-seen time is written:
// gates call many times a minute, and every write takes the single writer.
const deviceTouchInterval = time.Minute

// Config tunes a Service. Zero fields take the defaults.
type Config struct {
	// SessionTTL is how long a session lasts from login. It is absolute, not
	// sliding: a stolen token stops working at a known time however much it
	// is used, and citizens book a few times a year, so logging in again
	// once a month costs them little. Default DefaultSessionTTL.
	SessionTTL time.Duration
	// PasswordParams are the argon2id parameters for new hashes; hashes made
	// with other parameters are upgraded at the next login. Default
	// password.DefaultParams.
	PasswordParams password.Params
	// Throttle tunes login throttling (see package throttle).
	Throttle throttle.Config
	// MaxConcurrentHashes bounds the argon2id computations running at once.
	// Each takes PasswordParams.Memory (19 MiB by default) and a core for
	// tens of milliseconds, so running more than there are cores only adds
	// memory: 500 simultaneous logins would otherwise take 9 GiB. Callers
	// beyond the bound wait their turn (until their request's deadline).
	// Default GOMAXPROCS.
	MaxConcurrentHashes int
}

// Store is the storage identity needs. Lookups return errors wrapping
// store.ErrNotFound when nothing matches.
type Store interface {
	// CreateAccount fails with an error wrapping store.ErrConflict and
	// ErrEmailTaken or ErrCodiceFiscaleTaken.
	CreateAccount(ctx context.Context, a Account) error
	// CreateFirstAdmin inserts a only when the installation has no
	// administrator yet; it fails like CreateAccount on a taken e-mail or
	// codice fiscale.
	CreateFirstAdmin(ctx context.Context, a Account) (bool, error)
	GetAccount(ctx context.Context, id string) (Account, error)
	// GetAccountByEmail ignores letter case.
	GetAccountByEmail(ctx context.Context, email string) (Account, error)
	GetAccountByCodiceFiscale(ctx context.Context, cf string) (Account, error)
	// UpdateAccountProfile stores names, phone, language and UpdatedAt.
	UpdateAccountProfile(ctx context.Context, a Account) error
	// ReplacePasswordHash swaps the hash only if it is still oldHash.
	ReplacePasswordHash(ctx context.Context, id, oldHash, newHash string, at time.Time) (bool, error)
	// ChangePassword sets the hash and revokes every other session at once.
	ChangePassword(ctx context.Context, id, hash string, keep [32]byte, at time.Time) error

	CreateSession(ctx context.Context, s Session) error
	GetSession(ctx context.Context, hash [32]byte) (Session, error)
	// GetSessionAuth returns, in one read, what authenticating a request
	// needs: the session, its account's installation-admin flag and staff
	// roles. A session whose account is gone is not found.
	GetSessionAuth(ctx context.Context, hash [32]byte) (SessionAuth, error)
	// AuthVersion moves whenever a session is revoked or deleted, a staff
	// role or the installation-admin flag changes, or an account is
	// deleted, whoever does it.
	AuthVersion(ctx context.Context) (int64, error)
	RevokeSession(ctx context.Context, hash [32]byte, at time.Time) error
	DeleteExpiredSessions(ctx context.Context, before time.Time) (int, error)

	// PutStaffRole fails with errors wrapping ErrOrganizationNotFound,
	// ErrResourceNotInOrganization or ErrLastOrganizer.
	PutStaffRole(ctx context.Context, accountID string, r authz.Role, at time.Time) error
	// DeleteStaffRole fails with ErrLastOrganizer for the last organizer.
	DeleteStaffRole(ctx context.Context, orgID, accountID string) error
	ListAccountRoles(ctx context.Context, accountID string) ([]authz.Role, error)
	ListStaff(ctx context.Context, orgID string) ([]StaffMember, error)

	GetDevice(ctx context.Context, id string) (Device, error)
	GetDeviceByCredential(ctx context.Context, hash [32]byte) (Device, error)
	TouchDevice(ctx context.Context, id string, at time.Time) error

	// ExternalStore links accounts to SPID/CIE logins (external.go).
	ExternalStore
	// The login throttle's state, shared by every replica.
	throttle.Store
}

// Failures callers may match with errors.Is.
var (
	// ErrInvalidCredentials does not say whether the login or the password
	// was wrong, so it cannot be used to find out who is registered.
	ErrInvalidCredentials = fault.New(fault.Unauthenticated, "invalid_credentials")
	// ErrLoginThrottled is the failure inside a *ThrottledError.
	ErrLoginThrottled = fault.New(fault.Exhausted, "login_throttled")
	// ErrSessionInvalid covers unknown, expired and revoked session tokens
	// alike, and anything that is not a credential Varco issued.
	ErrSessionInvalid = fault.New(fault.Unauthenticated, "session_invalid")
	// ErrDeviceInvalid covers unknown and revoked device credentials.
	ErrDeviceInvalid = fault.New(fault.Unauthenticated, "device_invalid")
	// ErrLoginRequired is returned to anonymous callers of account methods.
	ErrLoginRequired = fault.New(fault.Unauthenticated, "login_required")
	// ErrWrongPassword is an Invalid failure, not Unauthenticated: the
	// caller's session is fine, and clients log out on Unauthenticated.
	ErrWrongPassword = fault.InvalidField("current_password", "password_wrong")
	// ErrAccountNotFound: no account has the e-mail or codice fiscale given
	// to GrantRole.
	ErrAccountNotFound = fault.New(fault.NotFound, "account_not_found")
	// ErrRoleNotFound: the account has no role in the organization.
	ErrRoleNotFound = fault.New(fault.NotFound, "role_not_found")
)

// SessionAuth is a session with what authorization needs of its account.
type SessionAuth struct {
	Session           Session
	InstallationAdmin bool
	Roles             []authz.Role
}

// Service implements accounts, sessions, staff roles and authentication.
// It is safe for concurrent use.
type Service struct {
	cfg     Config
	store   Store
	clk     clock.Clock
	log     *slog.Logger
	hasher  password.Hasher
	limiter *throttle.Limiter
	// hashSlots has MaxConcurrentHashes tokens; see hash and verify.
	hashSlots chan struct{}
	// principals caches authenticated sessions by token hash
	// (principals.go).
	principals versioned.Map[[32]byte, cachedPrincipal]
}

var _ authz.Authenticator = (*Service)(nil)

// New returns a Service. It panics if cfg.PasswordParams are invalid: they
// come from code, and a server that could not hash any password must not
// start.
func New(cfg Config, st Store, clk clock.Clock, log *slog.Logger) *Service {
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.PasswordParams == (password.Params{}) {
		cfg.PasswordParams = password.DefaultParams
	}
	if err := cfg.PasswordParams.Validate(); err != nil {
		panic(fmt.Sprintf("identity: %v", err))
	}
	if cfg.MaxConcurrentHashes <= 0 {
		cfg.MaxConcurrentHashes = runtime.GOMAXPROCS(0)
	}
	return &Service{
		cfg: cfg, store: st, clk: clk, log: log,
		hasher:     password.Hasher{Params: cfg.PasswordParams},
		limiter:    throttle.New(cfg.Throttle, st, clk),
		hashSlots:  make(chan struct{}, cfg.MaxConcurrentHashes),
		principals: versioned.Map[[32]byte, cachedPrincipal]{Limit: maxCachedPrincipals},
	}
}

// failure records a failed attempt with the throttle. A store that cannot
// record it is logged, not shown: the attempt failed anyway, and the
// caller's answer must not depend on the throttle's health.
func (s *Service) failure(ctx context.Context, keys ...string) {
	if err := s.limiter.Failure(ctx, keys...); err != nil {
		s.log.Error("login throttle", slog.Any("err", err))
	}
}

// success clears the throttle's count for a key after a right password.
func (s *Service) success(ctx context.Context, keys ...string) {
	if err := s.limiter.Success(ctx, keys...); err != nil {
		s.log.Error("login throttle", slog.Any("err", err))
	}
}

// hash hashes a new password once a hashing slot is free.
func (s *Service) hash(ctx context.Context, pw string) (string, error) {
	if err := s.acquireHashSlot(ctx); err != nil {
		return "", err
	}
	defer func() { <-s.hashSlots }()
	return s.hasher.Hash(pw)
}

// verify checks a password once a hashing slot is free.
func (s *Service) verify(ctx context.Context, pw, encoded string) (ok, rehash bool, err error) {
	if err := s.acquireHashSlot(ctx); err != nil {
		return false, false, err
	}
	defer func() { <-s.hashSlots }()
	return s.hasher.Verify(pw, encoded)
}

func (s *Service) acquireHashSlot(ctx context.Context) error {
	select {
	case s.hashSlots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("wait for a password hashing slot: %w", ctx.Err())
	}
}

// now is the current instant at the storage precision (milliseconds, UTC),
// so values returned to callers equal what a later read returns.
func (s *Service) now() time.Time {
	return s.clk.Now().UTC().Truncate(time.Millisecond)
}
