package api_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/api"
	"github.com/varco-gate/varco/internal/auth/password"
	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/store/sqlite"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// bearerInterceptor stands in for the authorization interceptor: it only
// authenticates, so the handlers can be tested on their own.
func bearerInterceptor(svc *identity.Service, log *slog.Logger) connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if bearer, ok := strings.CutPrefix(req.Header().Get("Authorization"), "Bearer "); ok {
				p, err := svc.Authenticate(ctx, bearer)
				if err != nil {
					return nil, api.ToConnect(ctx, log, api.Language(req.Header()), err)
				}
				ctx = authz.WithPrincipal(ctx, p)
			}
			return next(ctx, req)
		}
	}
}

func newAuthClient(t *testing.T) (varcov1connect.AuthServiceClient, *clock.Fake) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	db, err := sqlite.Open(t.Context(), t.TempDir()+"/x.db", sqlite.Options{Logger: log})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, db.Close()) })
	clk := clock.NewFake(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	svc := identity.New(identity.Config{
		PasswordParams: password.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32},
	}, db, clk, log)
	mux := http.NewServeMux()
	mux.Handle(varcov1connect.NewAuthServiceHandler(api.NewAuth(svc, log),
		connect.WithInterceptors(bearerInterceptor(svc, log))))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return varcov1connect.NewAuthServiceClient(srv.Client(), srv.URL), clk
}

func withBearer[T any](msg *T, token string) *connect.Request[T] {
	req := connect.NewRequest(msg)
	req.Header().Set("Authorization", "Bearer "+token)
	return req
}

func registerRequest() *varcov1.RegisterRequest {
	return &varcov1.RegisterRequest{
		GivenName: "Mario", FamilyName: "Rossi", Email: "mario@example.it", CodiceFiscale: "RSSMRA85T10A562S",
		Phone: "3331234567", Password: "correct horse battery", PrivacyConsent: true,
	}
}

func fieldViolation(t *testing.T, err error) *varcov1.FieldViolation {
	t.Helper()
	var ce *connect.Error
	require.ErrorAs(t, err, &ce)
	for _, d := range ce.Details() {
		if v, err := d.Value(); err == nil {
			if fv, ok := v.(*varcov1.FieldViolation); ok {
				return fv
			}
		}
	}
	t.Fatalf("no FieldViolation in %v", err)
	return nil
}

func TestAuthRegisterErrorsFollowAcceptLanguage(t *testing.T) {
	t.Parallel()
	c, _ := newAuthClient(t)
	msg := registerRequest()
	msg.CodiceFiscale = "RSSMRA85T10A562X"
	for lang, want := range map[string]string{"en": "check character", "it": "carattere di controllo", "": "carattere di controllo",
		"de-AT": "Prüfzeichen", "fr-FR, fr;q=0.9, de;q=0.8, en;q=0.5": "Prüfzeichen", "en;q=0.3, it;q=0.7": "carattere di controllo"} {
		req := connect.NewRequest(msg)
		req.Header().Set("Accept-Language", lang)
		_, err := c.Register(t.Context(), req)
		require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
		fv := fieldViolation(t, err)
		require.Equal(t, "codice_fiscale", fv.GetField())
		require.Contains(t, fv.GetDescription(), want, lang)
	}

	msg = registerRequest()
	msg.Password = "short"
	req := connect.NewRequest(msg)
	req.Header().Set("Accept-Language", "en-GB,en;q=0.8")
	_, err := c.Register(t.Context(), req)
	fv := fieldViolation(t, err)
	require.Equal(t, "password", fv.GetField())
	require.Equal(t, "password_too_short", fv.GetCode())
	require.Contains(t, fv.GetDescription(), "at least 10 characters")
}

func TestAuthSessionFlow(t *testing.T) {
	t.Parallel()
	c, _ := newAuthClient(t)
	ctx := t.Context()
	reg, err := c.Register(ctx, connect.NewRequest(registerRequest()))
	require.NoError(t, err)
	require.Equal(t, "RSSMRA85T10A562S", reg.Msg.GetAccount().GetCodiceFiscale())
	require.Equal(t, "+393331234567", reg.Msg.GetAccount().GetPhone())

	_, err = c.Register(ctx, connect.NewRequest(registerRequest()))
	require.Equal(t, connect.CodeAlreadyExists, connect.CodeOf(err))

	login, err := c.Login(ctx, connect.NewRequest(&varcov1.LoginRequest{Login: "rssmra85t10a562s", Password: "correct horse battery"}))
	require.NoError(t, err)
	tok := login.Msg.GetSession().GetToken()

	who, err := c.WhoAmI(ctx, withBearer(&varcov1.WhoAmIRequest{}, tok))
	require.NoError(t, err)
	require.Equal(t, varcov1.PrincipalKind_PRINCIPAL_KIND_CITIZEN, who.Msg.GetKind())
	require.Equal(t, reg.Msg.GetAccount().GetId(), who.Msg.GetAccount().GetId())

	upd, err := c.UpdateProfile(ctx, withBearer(&varcov1.UpdateProfileRequest{Language: "en"}, tok))
	require.NoError(t, err)
	require.Equal(t, "en", upd.Msg.GetAccount().GetLanguage())

	_, err = c.ChangePassword(ctx, withBearer(&varcov1.ChangePasswordRequest{
		CurrentPassword: "correct horse battery", NewPassword: "another long passphrase",
	}, tok))
	require.NoError(t, err)
	_, err = c.WhoAmI(ctx, withBearer(&varcov1.WhoAmIRequest{}, reg.Msg.GetSession().GetToken()))
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "the registration session was revoked")

	_, err = c.Logout(ctx, withBearer(&varcov1.LogoutRequest{}, tok))
	require.NoError(t, err)
	_, err = c.WhoAmI(ctx, withBearer(&varcov1.WhoAmIRequest{}, tok))
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
}

func TestAuthHandlersRequireAnAccount(t *testing.T) {
	t.Parallel()
	c, _ := newAuthClient(t)
	ctx := t.Context()
	for name, call := range map[string]func() error{
		"Logout": func() error { _, err := c.Logout(ctx, connect.NewRequest(&varcov1.LogoutRequest{})); return err },
		"WhoAmI": func() error { _, err := c.WhoAmI(ctx, connect.NewRequest(&varcov1.WhoAmIRequest{})); return err },
		"UpdateProfile": func() error {
			_, err := c.UpdateProfile(ctx, connect.NewRequest(&varcov1.UpdateProfileRequest{}))
			return err
		},
		"ChangePassword": func() error {
			_, err := c.ChangePassword(ctx, connect.NewRequest(&varcov1.ChangePasswordRequest{}))
			return err
		},
	} {
		require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(call()), name)
	}
	_, err := c.ExportMyData(ctx, connect.NewRequest(&varcov1.ExportMyDataRequest{}))
	require.Equal(t, connect.CodeUnimplemented, connect.CodeOf(err))
}

func TestAuthLoginThrottleSetsRetryAfter(t *testing.T) {
	t.Parallel()
	c, clk := newAuthClient(t)
	ctx := t.Context()
	_, err := c.Register(ctx, connect.NewRequest(registerRequest()))
	require.NoError(t, err)
	for range 5 {
		_, err := c.Login(ctx, connect.NewRequest(&varcov1.LoginRequest{Login: "mario@example.it", Password: "wrong password"}))
		require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
	}
	clk.Advance(90 * time.Second)
	req := connect.NewRequest(&varcov1.LoginRequest{Login: "mario@example.it", Password: "correct horse battery"})
	req.Header().Set("Accept-Language", "en")
	_, err = c.Login(ctx, req)
	require.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err))
	var ce *connect.Error
	require.True(t, errors.As(err, &ce))
	require.Equal(t, "810", ce.Meta().Get("Retry-After"), "15 minutes minus the 90 seconds waited")
	require.Contains(t, ce.Message(), "try again in 14 minutes")
}
