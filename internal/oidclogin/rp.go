// Package oidclogin lets citizens log in with SPID or CIE through an OpenID
// Connect provider (a SPID/CIE OIDC provider, or the gateway a town already
// uses): Varco is the relying party. The authorization code flow uses PKCE
// (S256), state and nonce; the ID token is verified by coreos/go-oidc
// against the provider's published keys. The identity it asserts goes to
// package identity, which finds, creates or links the account.
package oidclogin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/varco-gate/varco/internal/identity"
)

// DefaultScopes are requested when Config.Scopes is empty. SPID/CIE
// gateways release the fiscal number, names, e-mail and birth date for
// profile and email.
var DefaultScopes = []string{oidc.ScopeOpenID, "profile", "email"}

// Config describes the provider and Varco's registration with it.
type Config struct {
	// Issuer is the provider's issuer URL; discovery reads
	// Issuer/.well-known/openid-configuration.
	Issuer string
	// ClientID and ClientSecret are Varco's registration. The secret comes
	// from the environment only and is never logged.
	ClientID, ClientSecret string
	// RedirectURL is Varco's /auth/oidc/callback as the provider knows it.
	RedirectURL string
	// Scopes requested; "openid" is added when missing.
	Scopes []string
	// Label is the login button's text.
	Label string
	// HTTPClient reaches the provider (discovery, keys, token endpoint).
	HTTPClient *http.Client
	// Now is the clock ID tokens are checked against.
	Now func() time.Time
}

// RP is the relying party of one provider, after discovery.
type RP struct {
	cfg        Config
	provider   *oidc.Provider
	verifier   *oidc.IDTokenVerifier
	oauth      oauth2.Config
	endSession string
}

// Discover reads the provider's metadata and returns the relying party. A
// provider that cannot be reached, or whose metadata names another issuer,
// is an error: the server must not start with a login button that cannot
// work.
func Discover(ctx context.Context, cfg Config) (*RP, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("oidc: issuer, client id and redirect URL are all required")
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 15 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = DefaultScopes
	}
	if !slices.Contains(cfg.Scopes, oidc.ScopeOpenID) {
		cfg.Scopes = append([]string{oidc.ScopeOpenID}, cfg.Scopes...)
	}
	if cfg.Label == "" {
		cfg.Label = "SPID / CIE"
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, cfg.HTTPClient), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: discovery at %s: %w", cfg.Issuer, err)
	}
	var meta struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := p.Claims(&meta); err != nil {
		return nil, fmt.Errorf("oidc: discovery at %s: %w", cfg.Issuer, err)
	}
	return &RP{
		cfg:      cfg,
		provider: p,
		verifier: p.VerifierContext(oidc.ClientContext(context.WithoutCancel(ctx), cfg.HTTPClient),
			&oidc.Config{ClientID: cfg.ClientID, Now: cfg.Now}),
		oauth: oauth2.Config{
			ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
			Endpoint: p.Endpoint(), Scopes: cfg.Scopes,
		},
		endSession: meta.EndSession,
	}, nil
}

// Label is the login button's text.
func (r *RP) Label() string { return r.cfg.Label }

// Issuer is the provider's issuer URL.
func (r *RP) Issuer() string { return r.cfg.Issuer }

// AuthURL is where the browser logs in: the code flow with the state, the
// nonce and the PKCE S256 challenge of verifier.
func (r *RP) AuthURL(state, nonce, verifier string) string {
	return r.oauth.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
}

// Exchange trades the callback's code for tokens and verifies the ID token
// (signature, issuer, audience, expiry) and its nonce. It returns the
// asserted identity and the raw ID token (the hint for logout).
func (r *RP) Exchange(ctx context.Context, code, verifier, nonce string) (identity.ExternalIdentity, string, error) {
	ctx = oidc.ClientContext(ctx, r.cfg.HTTPClient)
	tok, err := r.oauth.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			// The provider answered and refused: a used or foreign code.
			return identity.ExternalIdentity{}, "", fail(ErrTokenInvalid, fmt.Errorf("token endpoint: %w", err))
		}
		return identity.ExternalIdentity{}, "", fail(ErrProviderUnavailable, fmt.Errorf("token endpoint: %w", err))
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return identity.ExternalIdentity{}, "", fail(ErrTokenInvalid, errors.New("no id_token in the token response"))
	}
	idt, err := r.verifier.Verify(ctx, raw)
	if err != nil {
		return identity.ExternalIdentity{}, "", fail(ErrTokenInvalid, fmt.Errorf("verify id token: %w", err))
	}
	if idt.Nonce != nonce {
		return identity.ExternalIdentity{}, "", fail(ErrTokenInvalid, errors.New("id token nonce does not match the attempt"))
	}
	var c claims
	if err := idt.Claims(&c); err != nil {
		return identity.ExternalIdentity{}, "", fail(ErrTokenInvalid, fmt.Errorf("id token claims: %w", err))
	}
	if c.fiscalNumber() == "" && r.provider.UserInfoEndpoint() != "" {
		// Gateways that keep attributes out of the ID token release them
		// at the userinfo endpoint, for the same subject.
		ui, err := r.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			return identity.ExternalIdentity{}, "", fail(ErrProviderUnavailable, fmt.Errorf("userinfo: %w", err))
		}
		var uc claims
		if err := ui.Claims(&uc); err != nil || ui.Subject != idt.Subject {
			return identity.ExternalIdentity{}, "", fail(ErrTokenInvalid, fmt.Errorf("userinfo for another subject or unreadable: %v", err))
		}
		c.merge(uc)
	}
	ext, err := c.identity(r.cfg.Issuer, idt.Subject)
	if err != nil {
		return identity.ExternalIdentity{}, "", err
	}
	return ext, raw, nil
}

// EndSessionURL is the provider's RP-initiated logout URL for a session
// whose ID token was idToken, or "" when the provider advertises none.
func (r *RP) EndSessionURL(idToken, postLogoutRedirect string) string {
	if r.endSession == "" {
		return ""
	}
	q := url.Values{"client_id": {r.cfg.ClientID}}
	if idToken != "" {
		q.Set("id_token_hint", idToken)
	}
	if postLogoutRedirect != "" {
		q.Set("post_logout_redirect_uri", postLogoutRedirect)
	}
	sep := "?"
	if strings.Contains(r.endSession, "?") {
		sep = "&"
	}
	return r.endSession + sep + q.Encode()
}
