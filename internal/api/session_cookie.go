package api

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// Browser sessions. A script injected into a page could read a session
// token kept in localStorage and send it anywhere; a cookie marked
// HttpOnly is out of every script's reach. So the web apps ask Login and
// Register for a cookie (header "Varco-Session: cookie"): the server sets
// it and blanks the token in the response, and the browser sends it back
// on every call. Other clients (the CLI, scanners, apps of towns on other
// origins) keep using "Authorization: Bearer", which wins when both are
// present. docs/identity.md, "Browser sessions", has the whole protocol.
const (
	// SessionCookieName is the cookie holding a browser's session token.
	SessionCookieName = "varco_session"
	// SessionModeHeader, set to SessionModeCookie on Login or Register,
	// asks for the session in a cookie instead of the response body.
	SessionModeHeader = "Varco-Session"
	// SessionModeCookie is the value of SessionModeHeader that asks for
	// the cookie.
	SessionModeCookie = "cookie"
)

// SessionCookies is the interceptor that hands browsers their session as
// an HttpOnly cookie on Login and Register and clears it on Logout.
// Reading the cookie is Access's job (sessionCookie).
type SessionCookies struct {
	secure bool
	now    func() time.Time
}

// NewSessionCookies returns the interceptor. secure marks the cookie
// Secure (send it over HTTPS only): true when the public base URL is
// https. now measures the cookie's Max-Age against the session's expiry.
func NewSessionCookies(secure bool, now func() time.Time) *SessionCookies {
	return &SessionCookies{secure: secure, now: now}
}

// sessionHolder is LoginResponse, RegisterResponse and
// CompleteOidcLoginResponse.
type sessionHolder interface{ GetSession() *varcov1.Session }

// WrapUnary sets or clears the cookie around the three AuthService calls.
func (s *SessionCookies) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if req.Spec().IsClient {
			return next(ctx, req)
		}
		switch req.Spec().Procedure {
		case varcov1connect.AuthServiceLoginProcedure, varcov1connect.AuthServiceRegisterProcedure,
			varcov1connect.AuthServiceCompleteOidcLoginProcedure:
			if !strings.EqualFold(strings.TrimSpace(req.Header().Get(SessionModeHeader)), SessionModeCookie) {
				return next(ctx, req)
			}
			res, err := next(ctx, req)
			if err != nil {
				return res, err
			}
			if h, ok := res.Any().(sessionHolder); ok && h.GetSession().GetToken() != "" {
				sess := h.GetSession()
				maxAge := int(sess.GetExpiresAt().AsTime().Sub(s.now()) / time.Second)
				res.Header().Add("Set-Cookie", s.cookie(sess.GetToken(), max(maxAge, 1)))
				// The page learns when the session ends, never its secret.
				sess.Token = ""
			}
			return res, nil
		case varcov1connect.AuthServiceLogoutProcedure:
			if bearer(req.Header()) != "" || sessionCookie(req.Header()) == "" {
				return next(ctx, req)
			}
			res, err := next(ctx, req)
			// A dead cookie is cleared too: the browser has no other way
			// to drop it.
			clear := s.cookie("", -1)
			if err != nil {
				var ce *connect.Error
				if errors.As(err, &ce) && ce.Code() == connect.CodeUnauthenticated {
					ce.Meta().Add("Set-Cookie", clear)
				}
				return res, err
			}
			res.Header().Add("Set-Cookie", clear)
			return res, nil
		}
		return next(ctx, req)
	}
}

// WrapStreamingClient leaves client streams alone.
func (s *SessionCookies) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler leaves streams alone: none of them logs in.
func (s *SessionCookies) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// cookie renders the Set-Cookie value; maxAge < 0 deletes the cookie.
// SameSite=Strict keeps every other site's pages from making the browser
// send it; Path=/ because the RPCs live at the root.
func (s *SessionCookies) cookie(token string, maxAge int) string {
	c := http.Cookie{
		Name: SessionCookieName, Value: token, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secure, SameSite: http.SameSiteStrictMode,
	}
	return c.String()
}

// sessionCookie returns the session token of the request's cookie, "" if
// none.
func sessionCookie(h http.Header) string {
	for _, line := range h.Values("Cookie") {
		cookies, _ := http.ParseCookie(line) // a malformed cookie is no cookie.
		for _, c := range cookies {
			if c.Name == SessionCookieName && c.Value != "" {
				return c.Value
			}
		}
	}
	return ""
}

// cookieCredential returns the session cookie of a request that a page of
// another site cannot forge, or "". SameSite=Strict already keeps other
// sites' requests from carrying the cookie; this is the second lock, for
// browsers or same-site neighbours (another subdomain of the town) that
// SameSite does not stop. A cross-site page can send, without the
// server's CORS consent, only a "simple" request: GET, or a POST whose
// body is a form or text/plain. So the cookie counts only on a POST with a
// content type that needs that consent (a CORS preflight): Connect's
// application/json or application/proto, Connect streaming, gRPC-Web.
// Connect's GET form is refused too, although the contract allows it for
// the reads (NO_SIDE_EFFECTS): a GET needs no preflight, and a read can
// still write an audit record. Browsers send only the public catalog as
// GET, without credentials; bearer tokens work on any method.
func cookieCredential(method string, h http.Header) string {
	if !preflightedPost(method, h) {
		return ""
	}
	return sessionCookie(h)
}

// preflightedPost reports whether a request is one that a page of another
// origin cannot send without a CORS preflight (see cookieCredential).
func preflightedPost(method string, h http.Header) bool {
	if method != http.MethodPost {
		return false
	}
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		return false
	}
	return mt == "application/json" || mt == "application/proto" ||
		strings.HasPrefix(mt, "application/connect+") || strings.HasPrefix(mt, "application/grpc-web")
}
