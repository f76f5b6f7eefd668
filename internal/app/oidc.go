package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/api"
	"github.com/varco-gate/varco/internal/clientip"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/oidclogin"
	"github.com/varco-gate/varco/internal/store/sqlite"
)

// oidcLogin sets up SPID/CIE login when an issuer is configured: discovery
// runs now, so a wrong issuer or an unreachable provider stops the start
// with a clear error instead of showing citizens a button that cannot work.
// It returns nil, nil when no issuer is configured.
func oidcLogin(ctx context.Context, cfg config.Config, roots *x509.CertPool, db *sqlite.DB, ids *identity.Service,
	clk clock.Clock, log *slog.Logger,
) (*oidclogin.Flow, error) {
	if cfg.OIDCIssuer == "" {
		return nil, nil
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if roots != nil {
		tr.TLSClientConfig = &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	}
	rp, err := oidclogin.Discover(ctx, oidclogin.Config{
		Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
		RedirectURL: cfg.OIDCRedirectURL, Scopes: cfg.OIDCScopes, Label: cfg.OIDCLabel,
		HTTPClient: &http.Client{Transport: tr, Timeout: 15 * time.Second}, Now: clk.Now,
	})
	if err != nil {
		return nil, fmt.Errorf("spid/cie login (--oidc-issuer): %w", err)
	}
	log.Info("spid/cie login enabled", slog.String("issuer", cfg.OIDCIssuer), slog.String("redirect_url", cfg.OIDCRedirectURL))
	return oidclogin.NewFlow(rp, db, ids, db, clk, log, appURL(cfg)), nil
}

// appURL is the citizen app's address, where the provider sends the browser
// after logout: the origin of the redirect URL, Varco's own callback.
func appURL(cfg config.Config) string {
	u, err := url.Parse(cfg.OIDCRedirectURL)
	if err != nil || u.Host == "" {
		return strings.TrimRight(cfg.PublicBaseURL, "/") + "/"
	}
	return u.Scheme + "://" + u.Host + "/"
}

// oidcRoutes wires the flow into the AuthService and mounts the callback.
func oidcRoutes(flow *oidclogin.Flow, auth *api.Auth, extra map[string]http.Handler, proxies clientip.Resolver,
	cookies *api.SessionCookies, secure bool, log *slog.Logger,
) {
	if flow == nil {
		return
	}
	auth.WithOIDC(flow, secure)
	extra[api.OIDCCallbackPattern] = api.NewOIDCCallback(flow, proxies, "/", cookies, log)
}
