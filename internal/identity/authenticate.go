package identity

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/store"
)

// Authenticate turns a bearer credential into a principal: a "vs_" session
// token into an Account principal with its staff roles, a "vd_" device
// credential into a Device principal. Unknown, expired or revoked
// credentials, and anything else, yield ErrSessionInvalid or
// ErrDeviceInvalid (both Unauthenticated).
//
// Tokens are looked up by their SHA-256 hash, so no comparison of secrets
// happens here whose timing could leak anything; the shape check first keeps
// garbage away from the database.
func (s *Service) Authenticate(ctx context.Context, bearer string) (authz.Principal, error) {
	switch {
	case strings.HasPrefix(bearer, token.PrefixSession):
		return s.authenticateSession(ctx, bearer)
	case strings.HasPrefix(bearer, token.PrefixDevice):
		return s.authenticateDevice(ctx, bearer)
	}
	return authz.Principal{}, ErrSessionInvalid
}

func (s *Service) authenticateSession(ctx context.Context, bearer string) (authz.Principal, error) {
	if !token.Valid(bearer, token.PrefixSession) {
		return authz.Principal{}, ErrSessionInvalid
	}
	return s.SessionPrincipal(ctx, token.Hash(bearer))
}

// SessionPrincipal returns the principal of the active session whose token
// hashes to hash, with the account's current roles. Links bound to a
// session (CSV export links) use it; a revoked or expired session yields
// ErrSessionInvalid.
func (s *Service) SessionPrincipal(ctx context.Context, hash [32]byte) (authz.Principal, error) {
	// The version is read before the session: a revocation committed in
	// between makes the entry look older than it is, never newer.
	v, err := s.store.AuthVersion(ctx)
	if err != nil {
		return authz.Principal{}, fmt.Errorf("authenticate: %w", err)
	}
	now := s.clk.Now()
	if c, ok := s.principals.Get(v, hash); ok && now.Before(c.expires) {
		return c.principal, nil
	}
	// One query, not three: this runs for every call of every citizen.
	sa, err := s.store.GetSessionAuth(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return authz.Principal{}, ErrSessionInvalid
	}
	if err != nil {
		return authz.Principal{}, fmt.Errorf("authenticate: %w", err)
	}
	if !sa.Session.Active(now) {
		return authz.Principal{}, ErrSessionInvalid
	}
	p := authz.Principal{
		Kind: authz.Account, AccountID: sa.Session.AccountID, SessionHash: hash, Roles: sa.Roles,
		InstallationAdmin: sa.InstallationAdmin,
	}
	s.principals.Put(v, hash, cachedPrincipal{principal: p, expires: sa.Session.ExpiresAt})
	return p, nil
}

func (s *Service) authenticateDevice(ctx context.Context, bearer string) (authz.Principal, error) {
	if !token.Valid(bearer, token.PrefixDevice) {
		return authz.Principal{}, ErrDeviceInvalid
	}
	d, err := s.store.GetDeviceByCredential(ctx, token.Hash(bearer))
	if errors.Is(err, store.ErrNotFound) {
		return authz.Principal{}, ErrDeviceInvalid
	}
	if err != nil {
		return authz.Principal{}, fmt.Errorf("authenticate device: %w", err)
	}
	if !d.RevokedAt.IsZero() {
		return authz.Principal{}, ErrDeviceInvalid
	}
	if now := s.now(); now.Sub(d.LastSeenAt) >= deviceTouchInterval {
		// Last-seen is informational: a failed write must not lock a gate
		// out, so it is logged and the call goes on.
		if err := s.store.TouchDevice(ctx, d.ID, now); err != nil {
			s.log.WarnContext(ctx, "device last seen not recorded", slog.String("device_id", d.ID), slog.Any("err", err))
		}
	}
	return authz.Principal{
		Kind: authz.Device, DeviceID: d.ID, DeviceOrgID: d.OrganizationID, DeviceResourceIDs: d.ResourceIDs, DeviceDirection: int(d.Direction),
	}, nil
}
