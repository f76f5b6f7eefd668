package client_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/client"
	"github.com/varco-gate/varco/client/internal/testserver"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

func TestNewRefusesBadSettings(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		url  string
		opts []client.Option
	}{
		"no scheme":        {url: "127.0.0.1:8080"},
		"ftp":              {url: "ftp://example.org"},
		"no host":          {url: "http://"},
		"unknown language": {url: "http://localhost", opts: []client.Option{client.WithLanguage("fr")}},
		"negative retries": {url: "http://localhost", opts: []client.Option{client.WithRetries(-1)}},
		"too many retries": {url: "http://localhost", opts: []client.Option{client.WithRetries(client.MaxRetries + 1)}},
		"negative timeout": {url: "http://localhost", opts: []client.Option{client.WithTimeout(-time.Second)}},
		"unknown protocol": {url: "http://localhost", opts: []client.Option{client.WithProtocol(client.Protocol(9))}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := client.New(tc.url, tc.opts...)
			require.Error(t, err)
		})
	}
	c, err := client.New("https://varco.example/api/", client.WithToken("vs_x"))
	require.NoError(t, err)
	require.Equal(t, "https://varco.example/api", c.BaseURL())
	require.Equal(t, "vs_x", c.Token())
}

// Errors from the real server decode into code, reason, field and message,
// in the language asked for, and still answer to connect.CodeOf.
func TestErrorsFromTheServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	badCF := &varcov1.RegisterRequest{
		GivenName: "Mario", FamilyName: "Rossi", Email: "mario.errori@example.org",
		CodiceFiscale: "RSSMRA85T10A562X", Password: "una-password-lunga", PrivacyConsent: true,
	}
	for _, tc := range []struct {
		lang, message string
	}{
		{"en", "The codice fiscale is not correct: the check character does not match"},
		{"", "Il codice fiscale non è corretto: il carattere di controllo non corrisponde"},
	} {
		c, err := client.New(serverURL, client.WithLanguage(tc.lang))
		require.NoError(t, err)
		_, err = c.Auth.Register(ctx, connect.NewRequest(badCF))
		e, ok := client.AsError(err)
		require.True(t, ok, "%v", err)
		require.Equal(t, connect.CodeInvalidArgument, e.Code)
		require.Equal(t, "codice_fiscale", e.Field)
		require.Equal(t, "cf_check", e.Reason)
		require.Equal(t, tc.message, e.Message)
		require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(e), "an *Error unwraps to the connect error")
		require.Equal(t, "invalid_argument: codice_fiscale: "+tc.message, e.Error())
	}

	c, err := client.New(serverURL, client.WithLanguage("en"))
	require.NoError(t, err)
	_, err = c.Catalog.GetResource(ctx, connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: "nope"}))
	e, ok := client.AsError(err)
	require.True(t, ok)
	require.Equal(t, connect.CodeNotFound, e.Code)
	require.Equal(t, "resource_not_found", e.Reason)
	require.Empty(t, e.Field)
	require.Equal(t, "Resource not found.", e.Message)

	_, ok = client.AsError(errors.New("not from a call"))
	require.False(t, ok)
	_, ok = client.AsError(nil)
	require.False(t, ok)
}

// Every protocol reaches the real server, and the token travels on unary
// calls and on server streams alike.
func TestProtocolsWithToken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, p := range []client.Protocol{client.Connect, client.GRPC, client.GRPCWeb} {
		t.Run(p.String(), func(t *testing.T) {
			t.Parallel()
			c, err := client.New(serverURL, client.WithProtocol(p), client.WithTimeout(10*time.Second))
			require.NoError(t, err)
			_, err = c.Auth.WhoAmI(ctx, connect.NewRequest(&varcov1.WhoAmIRequest{}))
			require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))

			_, err = c.Login(ctx, testserver.AdminEmail, testserver.AdminPassword)
			require.NoError(t, err)
			me, err := c.Auth.WhoAmI(ctx, connect.NewRequest(&varcov1.WhoAmIRequest{}))
			require.NoError(t, err)
			require.True(t, me.Msg.GetInstallationAdmin())

			// WatchOccupancy needs staff: it works only if the stream
			// carried the token.
			sctx, cancel := context.WithCancel(ctx)
			defer cancel()
			stream, err := c.Gate.WatchOccupancy(sctx, connect.NewRequest(&varcov1.WatchOccupancyRequest{ResourceIds: []string{demo.TourID}}))
			require.NoError(t, err)
			require.True(t, stream.Receive(), "%v", stream.Err())
			require.NotNil(t, stream.Msg().GetAt())
			cancel()
			require.NoError(t, stream.Close())
		})
	}
}

// A header the caller sets on one request wins over the client's.
func TestCallerHeadersWin(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, err := client.New(serverURL, client.WithLanguage("en"))
	require.NoError(t, err)
	_, err = c.Login(ctx, testserver.AdminEmail, testserver.AdminPassword)
	require.NoError(t, err)

	req := connect.NewRequest(&varcov1.WhoAmIRequest{})
	req.Header().Set("Authorization", "Bearer vs_not-a-session")
	_, err = c.Auth.WhoAmI(ctx, req)
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))

	req2 := connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: "nope"})
	req2.Header().Set("Accept-Language", "it")
	_, err = c.Catalog.GetResource(ctx, req2)
	e, ok := client.AsError(err)
	require.True(t, ok)
	require.Equal(t, "Servizio non trovato.", e.Message)

	// The stream's own header wins too (it is merged after creation).
	sreq := connect.NewRequest(&varcov1.WatchOccupancyRequest{ResourceIds: []string{demo.TourID}})
	sreq.Header().Set("Authorization", "Bearer vs_not-a-session")
	stream, err := c.Gate.WatchOccupancy(ctx, sreq)
	require.NoError(t, err)
	require.False(t, stream.Receive())
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(stream.Err()))
	require.NoError(t, stream.Close())
}

// WithHTTPClient is used as given.
func TestWithHTTPClient(t *testing.T) {
	t.Parallel()
	var calls int
	h := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		calls++
		return http.DefaultTransport.RoundTrip(r)
	})}
	c, err := client.New(serverURL, client.WithHTTPClient(h))
	require.NoError(t, err)
	_, err = c.Catalog.ListOrganizations(context.Background(), connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
	require.NoError(t, err)
	require.Equal(t, 1, calls)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// methodRecorder notes the HTTP method and Cache-Control of every call.
type methodRecorder struct {
	mu    sync.Mutex
	calls []string
}

func (m *methodRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		m.mu.Lock()
		m.calls = append(m.calls, r.Method+" "+r.URL.Path+" "+res.Header.Get("Cache-Control"))
		m.mu.Unlock()
	}
	return res, err
}

// The public catalog goes as a cacheable GET, which the server marks so;
// reads with a session stay POST.
func TestCatalogIsGET(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	rec := &methodRecorder{}
	c, err := client.New(serverURL, client.WithHTTPClient(&http.Client{Transport: rec}))
	require.NoError(t, err)
	_, err = c.Catalog.ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
	require.NoError(t, err)
	_, err = c.Catalog.GetAvailability(ctx, connect.NewRequest(&varcov1.GetAvailabilityRequest{
		ResourceId: demo.CIEID, FromDate: "2026-12-07", ToDate: "2026-12-08"}))
	require.NoError(t, err)
	_, err = c.Auth.WhoAmI(ctx, connect.NewRequest(&varcov1.WhoAmIRequest{}))
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
	require.Equal(t, []string{
		"GET /varco.v1.CatalogService/ListOrganizations public, max-age=60",
		"GET /varco.v1.CatalogService/GetAvailability public, max-age=0, s-maxage=10",
		"POST /varco.v1.AuthService/WhoAmI ",
	}, rec.calls)
}
