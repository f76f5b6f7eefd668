package app_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/config"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// cookieClient is an HTTP client with a cookie jar, as a web app has.
func cookieClient(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second}
}

func cookieMode[T any](msg *T) *connect.Request[T] {
	req := connect.NewRequest(msg)
	req.Header().Set("Varco-Session", "cookie")
	return req
}

// sessionSetCookie returns the varco_session cookie a response set.
func sessionSetCookie(t *testing.T, h http.Header) *http.Cookie {
	t.Helper()
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		require.NoError(t, err)
		if c.Name == "varco_session" {
			return c
		}
	}
	return nil
}

// rawCall posts body to an RPC with a content type of the caller's choice,
// as a form or a fetch of another site could.
func rawCall(t *testing.T, c *http.Client, url, contentType, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	res, err := c.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	return res.StatusCode
}

// TestBrowserSessionCookie: a browser that asks for it gets its session as
// an HttpOnly, SameSite=Strict cookie that scripts never see, the cookie
// authenticates RPCs a cross-site form cannot forge and no others, and
// Logout kills both the session and the cookie.
func TestBrowserSessionCookie(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	web := cookieClient(t)
	const pw = "una password lunga"
	base, err := url.Parse(b.baseURL)
	require.NoError(t, err)

	json := varcov1connect.NewAuthServiceClient(web, b.baseURL, connect.WithProtoJSON())
	reg, err := json.Register(ctx, cookieMode(&varcov1.RegisterRequest{
		GivenName: "Mario", FamilyName: "Rossi", Email: "mario.rossi@example.it", CodiceFiscale: "RSSMRA85T10A562S", Phone: "+39 333 765 4321",
		Password: pw, PrivacyConsent: true,
	}))
	require.NoError(t, err)
	require.Empty(t, reg.Msg.GetSession().GetToken(), "the page must never see the token")
	require.NotNil(t, reg.Msg.GetSession().GetExpiresAt(), "the page still learns when the session ends")
	c := sessionSetCookie(t, reg.Header())
	require.NotNil(t, c)
	require.NotEmpty(t, c.Value)
	require.True(t, c.HttpOnly)
	require.Equal(t, http.SameSiteStrictMode, c.SameSite)
	require.Equal(t, "/", c.Path)
	require.False(t, c.Secure, "the public base URL is http")
	require.InDelta(t, (30 * 24 * time.Hour).Seconds(), c.MaxAge, 60)
	require.Len(t, web.Jar.Cookies(base), 1)

	// Without the header the token stays in the body and no cookie is set.
	plain := varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL)
	login, err := plain.Login(ctx, connect.NewRequest(&varcov1.LoginRequest{Login: "mario.rossi@example.it", Password: pw}))
	require.NoError(t, err)
	require.NotEmpty(t, login.Msg.GetSession().GetToken())
	require.Nil(t, sessionSetCookie(t, login.Header()))

	// Login with the header replaces the cookie.
	login, err = json.Login(ctx, cookieMode(&varcov1.LoginRequest{Login: "RSSMRA85T10A562S", Password: pw}))
	require.NoError(t, err)
	require.Empty(t, login.Msg.GetSession().GetToken())
	c = sessionSetCookie(t, login.Header())
	require.NotNil(t, c)
	stolen := c.Value

	t.Run("cookie alone authenticates", func(t *testing.T) {
		for name, opts := range map[string][]connect.ClientOption{
			"connect json": {connect.WithProtoJSON()}, "connect proto": nil, "grpc-web": {connect.WithGRPCWeb()},
		} {
			who, err := varcov1connect.NewAuthServiceClient(web, b.baseURL, opts...).WhoAmI(ctx, connect.NewRequest(&varcov1.WhoAmIRequest{}))
			require.NoError(t, err, name)
			require.Equal(t, reg.Msg.GetAccount().GetId(), who.Msg.GetAccount().GetId(), name)
		}
		require.Equal(t, http.StatusOK, rawCall(t, web, b.baseURL+varcov1connect.AuthServiceWhoAmIProcedure, "application/json", "{}"))
	})

	t.Run("forgeable requests do not carry it", func(t *testing.T) {
		for _, ct := range []string{"text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"} {
			require.NotEqual(t, http.StatusOK, rawCall(t, web, b.baseURL+varcov1connect.AuthServiceWhoAmIProcedure, ct, "{}"), ct)
		}
		res, err := web.Get(b.baseURL + varcov1connect.AuthServiceWhoAmIProcedure + "?connect=v1&encoding=json&message=%7B%7D")
		require.NoError(t, err)
		res.Body.Close()
		require.NotEqual(t, http.StatusOK, res.StatusCode)
	})

	t.Run("a bearer header wins over the cookie", func(t *testing.T) {
		_, err := json.WhoAmI(ctx, authBearer(&varcov1.WhoAmIRequest{}, "not-a-token"))
		require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
	})

	// Logout with the cookie revokes the session and deletes the cookie.
	out, err := json.Logout(ctx, connect.NewRequest(&varcov1.LogoutRequest{}))
	require.NoError(t, err)
	c = sessionSetCookie(t, out.Header())
	require.NotNil(t, c)
	require.Equal(t, -1, c.MaxAge, "Max-Age=0")
	require.True(t, c.HttpOnly)
	require.Empty(t, web.Jar.Cookies(base))
	_, err = json.WhoAmI(ctx, connect.NewRequest(&varcov1.WhoAmIRequest{}))
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))

	// The old cookie, replayed, is dead: refused on account RPCs, ignored
	// on public ones, and a Logout with it clears it again.
	dead := cookieClient(t)
	dead.Jar.SetCookies(base, []*http.Cookie{{Name: "varco_session", Value: stolen, Path: "/"}})
	deadAuth := varcov1connect.NewAuthServiceClient(dead, b.baseURL, connect.WithProtoJSON())
	_, err = deadAuth.WhoAmI(ctx, connect.NewRequest(&varcov1.WhoAmIRequest{}))
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
	_, err = varcov1connect.NewCatalogServiceClient(dead, b.baseURL).ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
	require.NoError(t, err)
	_, err = deadAuth.Logout(ctx, connect.NewRequest(&varcov1.LogoutRequest{}))
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
	require.Empty(t, dead.Jar.Cookies(base), "a dead cookie is cleared")
}

// TestBrowserSessionCookieSecure: behind HTTPS the cookie is Secure.
func TestBrowserSessionCookieSecure(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *config.Config) { c.PublicBaseURL = "https://prenota.example" })
	reg, err := varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL).Register(context.Background(),
		cookieMode(&varcov1.RegisterRequest{
			GivenName: "Mario", FamilyName: "Rossi", Email: "mario.rossi@example.it", CodiceFiscale: "RSSMRA85T10A562S", Phone: "+39 333 765 4321",
			Password: "una password lunga", PrivacyConsent: true,
		}))
	require.NoError(t, err)
	c := sessionSetCookie(t, reg.Header())
	require.NotNil(t, c)
	require.True(t, c.Secure)
	require.True(t, c.HttpOnly)
}
