package api

import (
	"context"
	"log/slog"
	"net/http"
	"strings"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/internal/authz"
)

// Access is the interceptor that authenticates every RPC and authorizes it
// against authz.Policy before any handler runs. It is the only place where
// credentials are read.
type Access struct {
	authn authz.Authenticator
	authz *authz.Authorizer
	log   *slog.Logger
}

// NewAccess returns the access interceptor.
func NewAccess(authn authz.Authenticator, az *authz.Authorizer, log *slog.Logger) *Access {
	return &Access{authn: authn, authz: az, log: log}
}

// bearer extracts the token of an "Authorization: Bearer <token>" header.
func bearer(h http.Header) string {
	v := h.Get("Authorization")
	const prefix = "bearer "
	if len(v) > len(prefix) && strings.EqualFold(v[:len(prefix)], prefix) {
		return strings.TrimSpace(v[len(prefix):])
	}
	return ""
}

// credential returns the request's token: the bearer header, else the
// browser's session cookie when the request is one another site cannot
// forge (see cookieCredential).
func credential(method string, h http.Header) string {
	if tok := bearer(h); tok != "" {
		return tok
	}
	return cookieCredential(method, h)
}

// authenticate resolves the caller. A bad credential on an RPC that anyone
// may call is ignored (a stale token must not break public pages); on any
// other RPC it is an error.
func (a *Access) authenticate(ctx context.Context, procedure, method string, h http.Header) (authz.Principal, error) {
	tok := credential(method, h)
	if tok == "" {
		return authz.Principal{Kind: authz.Anonymous}, nil
	}
	p, err := a.authn.Authenticate(ctx, tok)
	if err != nil {
		if rule, ok := authz.RuleFor(procedure); ok && (rule.Access == authz.Public || rule.Access == authz.AccountOrToken) {
			return authz.Principal{Kind: authz.Anonymous}, nil
		}
		return authz.Principal{}, err
	}
	return p, nil
}

func (a *Access) check(ctx context.Context, procedure, method string, h http.Header, msg any) (context.Context, error) {
	ctx = authz.WithScopeHolder(ctx)
	p, err := a.authenticate(ctx, procedure, method, h)
	if err == nil {
		err = a.authz.Authorize(ctx, procedure, p, msg)
	}
	if err != nil {
		return ctx, ToConnect(ctx, a.log, Language(h), err)
	}
	return authz.WithPrincipal(ctx, p), nil
}

// WrapUnary checks unary calls.
func (a *Access) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if req.Spec().IsClient {
			return next(ctx, req)
		}
		ctx, err := a.check(ctx, req.Spec().Procedure, req.HTTPMethod(), req.Header(), req.Any())
		if err != nil {
			return nil, err
		}
		return next(ctx, req)
	}
}

// WrapStreamingClient leaves client streams alone.
func (a *Access) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler checks streams. Our streams are server streams whose
// single request message carries the scope: credentials are checked before
// the body is read, authorization when the message is received, and a
// denial ends the stream before the handler runs.
func (a *Access) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		h := conn.RequestHeader()
		// Streams are always POST: Connect's GET form is for unary calls.
		p, err := a.authenticate(ctx, conn.Spec().Procedure, http.MethodPost, h)
		if err != nil {
			return ToConnect(ctx, a.log, Language(h), err)
		}
		// The audit trail needs the organization the stream touched.
		ctx = authz.WithScopeHolder(ctx)
		ctx, set := authz.WithPendingPrincipal(ctx)
		return next(ctx, &checkedConn{StreamingHandlerConn: conn, access: a, ctx: ctx, principal: p, set: set})
	}
}

// checkedConn authorizes the first message it receives.
type checkedConn struct {
	connect.StreamingHandlerConn
	access    *Access
	ctx       context.Context
	principal authz.Principal
	set       func(authz.Principal)
	checked   bool
}

func (c *checkedConn) Receive(msg any) error {
	if err := c.StreamingHandlerConn.Receive(msg); err != nil {
		return err
	}
	if c.checked {
		return nil
	}
	if err := c.access.authz.Authorize(c.ctx, c.Spec().Procedure, c.principal, msg); err != nil {
		return ToConnect(c.ctx, c.access.log, Language(c.RequestHeader()), err)
	}
	c.set(c.principal)
	c.checked = true
	return nil
}
