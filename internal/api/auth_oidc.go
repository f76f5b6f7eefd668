package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/internal/clientip"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/oidclogin"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// SPID/CIE login (docs/identity.md, "SPID and CIE"). StartOidcLogin sets
// OIDCCookieName, an HttpOnly cookie holding the attempt's token: it binds
// the provider's redirect to the browser that started it, so another
// browser's callback (login CSRF) or a replayed one is refused. It is
// SameSite=Lax, not Strict, because the callback is a top-level navigation
// coming from the provider's site, which Strict would strip it from.
const (
	// OIDCCookieName is the cookie of a SPID/CIE login attempt.
	OIDCCookieName = "varco_oidc"
	// OIDCCallbackPattern is the route the provider redirects to.
	OIDCCallbackPattern = "GET /auth/oidc/callback"
)

// OIDC is what the AuthService needs of package oidclogin.
type OIDC interface {
	Label() string
	Start(ctx context.Context, clientAddr string) (cookieToken, authURL string, err error)
	Callback(ctx context.Context, cookieToken, state, code, providerError, clientAddr string) (oidclogin.Result, error)
	Complete(ctx context.Context, cookieToken string, consent bool, password, lang, clientAddr string) (identity.Account, identity.Session, error)
	LogoutURL(ctx context.Context, sessionHash [32]byte) string
}

// WithOIDC turns SPID/CIE login on; secure marks the attempt cookie
// Secure (an https public URL).
func (a *Auth) WithOIDC(o OIDC, secure bool) *Auth {
	a.oidc, a.oidcSecure = o, secure
	return a
}

// GetLoginOptions says whether SPID/CIE login is configured.
func (a *Auth) GetLoginOptions(context.Context, *connect.Request[varcov1.GetLoginOptionsRequest]) (*connect.Response[varcov1.GetLoginOptionsResponse], error) {
	res := &varcov1.GetLoginOptionsResponse{}
	if a.oidc != nil {
		res.OidcEnabled, res.OidcLabel = true, a.oidc.Label()
	}
	return connect.NewResponse(res), nil
}

// StartOidcLogin starts an attempt and sets its cookie.
func (a *Auth) StartOidcLogin(ctx context.Context, req *connect.Request[varcov1.StartOidcLoginRequest]) (*connect.Response[varcov1.StartOidcLoginResponse], error) {
	lang := Language(req.Header())
	if a.oidc == nil {
		return nil, ToConnect(ctx, a.log, lang, oidclogin.ErrNotConfigured)
	}
	tok, authURL, err := a.oidc.Start(ctx, a.clients.Client(req.Peer().Addr, req.Header()))
	if err != nil {
		return nil, ToConnect(ctx, a.log, lang, err)
	}
	res := connect.NewResponse(&varcov1.StartOidcLoginResponse{AuthorizationUrl: authURL})
	res.Header().Add("Set-Cookie", oidcCookie(tok, int(oidclogin.AttemptTTL/time.Second), a.oidcSecure))
	return res, nil
}

// CompleteOidcLogin finishes a pending attempt (consent or link); the
// session cookie is set by SessionCookies, as for Login.
func (a *Auth) CompleteOidcLogin(ctx context.Context, req *connect.Request[varcov1.CompleteOidcLoginRequest]) (*connect.Response[varcov1.CompleteOidcLoginResponse], error) {
	lang := Language(req.Header())
	if a.oidc == nil {
		return nil, ToConnect(ctx, a.log, lang, oidclogin.ErrNotConfigured)
	}
	// Only from a request a page of another site cannot send (see
	// cookieCredential): the same second lock as the session cookie.
	tok := ""
	if preflightedPost(req.HTTPMethod(), req.Header()) {
		tok = namedCookie(req.Header(), OIDCCookieName)
	}
	acct, sess, err := a.oidc.Complete(ctx, tok, req.Msg.GetPrivacyConsent(), req.Msg.GetPassword(), lang,
		a.clients.Client(req.Peer().Addr, req.Header()))
	if err != nil {
		cerr := ToConnect(ctx, a.log, lang, err)
		var ce *connect.Error
		if wait, ok := identity.RetryAfter(err); ok && errors.As(cerr, &ce) {
			ce.Meta().Set("Retry-After", strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10))
		}
		return nil, cerr
	}
	res := connect.NewResponse(&varcov1.CompleteOidcLoginResponse{Account: accountPB(acct), Session: sessionPB(sess)})
	res.Header().Add("Set-Cookie", oidcCookie("", -1, a.oidcSecure))
	return res, nil
}

func (a *Auth) providerLogoutURL(ctx context.Context, sessionHash [32]byte) string {
	if a.oidc == nil {
		return ""
	}
	return a.oidc.LogoutURL(ctx, sessionHash)
}

// OIDCCallback serves /auth/oidc/callback: it completes the attempt of the
// browser's cookie and sends the browser back into the citizen app, logged
// in (with the session cookie), at the pending step, or with the error's
// code for the app to explain.
type OIDCCallback struct {
	oidc    OIDC
	clients clientip.Resolver
	// app is the citizen app's URL ("/" on the server's own origin).
	app     string
	secure  bool
	cookies *SessionCookies
	log     *slog.Logger
}

// NewOIDCCallback returns the callback handler. appURL is where the
// citizen app lives; secure marks cookies Secure (https public URL).
func NewOIDCCallback(o OIDC, clients clientip.Resolver, appURL string, cookies *SessionCookies, log *slog.Logger) *OIDCCallback {
	return &OIDCCallback{oidc: o, clients: clients, app: appURL, secure: cookies.secure, cookies: cookies, log: log}
}

func (h *OIDCCallback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	res, err := h.oidc.Callback(r.Context(), namedCookie(r.Header, OIDCCookieName), q.Get("state"), q.Get("code"),
		q.Get("error"), h.clients.Client(r.RemoteAddr, r.Header))
	w.Header().Set("Cache-Control", "no-store")
	// The app's URL must not be shown to the provider's pages.
	w.Header().Set("Referrer-Policy", "no-referrer")
	if err != nil {
		var fe *fault.Error
		code := "oidc_failed"
		if errors.As(err, &fe) {
			code = fe.Code
		}
		h.log.WarnContext(r.Context(), "spid/cie login refused", slog.String("code", code), slog.Any("err", err))
		w.Header().Add("Set-Cookie", oidcCookie("", -1, h.secure))
		http.Redirect(w, r, h.app+"#/accesso?"+url.Values{"spid_errore": {code}}.Encode(), http.StatusSeeOther)
		return
	}
	switch res.Step {
	case oidclogin.StepConsent:
		http.Redirect(w, r, h.app+"#/accesso/spid?passo=consenso", http.StatusSeeOther)
	case oidclogin.StepLink:
		http.Redirect(w, r, h.app+"#/accesso/spid?passo=collega", http.StatusSeeOther)
	default:
		// The app's landing step reloads who is logged in and returns
		// to the page the citizen started from.
		w.Header().Add("Set-Cookie", oidcCookie("", -1, h.secure))
		maxAge := int(res.Session.ExpiresAt.Sub(h.cookies.now()) / time.Second)
		w.Header().Add("Set-Cookie", h.cookies.cookie(res.Session.Token, max(maxAge, 1)))
		http.Redirect(w, r, h.app+"#/accesso/spid?passo=fatto", http.StatusSeeOther)
	}
}

// oidcCookie renders the attempt cookie; maxAge < 0 deletes it.
func oidcCookie(tok string, maxAge int, secure bool) string {
	c := http.Cookie{Name: OIDCCookieName, Value: tok, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
	return c.String()
}

// namedCookie returns the value of the cookie name, "" if none.
func namedCookie(h http.Header, name string) string {
	for _, line := range h.Values("Cookie") {
		cookies, _ := http.ParseCookie(line)
		for _, c := range cookies {
			if c.Name == name && c.Value != "" {
				return c.Value
			}
		}
	}
	return ""
}
