package app_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/emptypb"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/webapp"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// webDist is a built citizen app and gate app; no staff app yet.
var webDist = fstest.MapFS{
	"citizen/index.html":        {Data: []byte(`<!doctype html><html lang="it"><title>citizen</title></html>`)},
	"citizen/assets/app-1.js":   {Data: []byte(`console.log("citizen")`)},
	"gate/index.html":           {Data: []byte(`<!doctype html><html lang="it"><title>gate</title></html>`)},
	"gate/assets/gate-1.js":     {Data: []byte(`console.log("gate")`)},
	"gate/manifest.webmanifest": {Data: []byte(`{}`)},
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(url)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(b)
}

// TestWebAppRoutes: the apps own "/" and "/gate/" without taking a single
// route, or a single answer, from the RPCs, health, reflection, /metrics
// or the plain links.
func TestWebAppRoutes(t *testing.T) {
	t.Parallel()
	b := setupOpts(t, clock.Real{}, []app.Option{app.WithWebApps(webDist)})
	ctx := context.Background()

	t.Run("apps", func(t *testing.T) {
		for path, want := range map[string]string{
			"/":                          "<title>citizen</title>",
			"/index.html":                "<title>citizen</title>",
			"/assets/app-1.js":           `console.log("citizen")`,
			"/gate/":                     "<title>gate</title>",
			"/gate/assets/gate-1.js":     `console.log("gate")`,
			"/gate/manifest.webmanifest": "{}",
		} {
			res, body := get(t, b.baseURL+path)
			require.Equal(t, http.StatusOK, res.StatusCode, path)
			require.Contains(t, body, want, path)
			csp := webapp.ContentSecurityPolicy
			if strings.HasPrefix(path, "/gate/") {
				csp = webapp.WasmContentSecurityPolicy // the QR decoder is WebAssembly
			}
			require.Equal(t, csp, res.Header.Get("Content-Security-Policy"), path)
		}
		res, _ := get(t, b.baseURL+"/gate")
		require.Equal(t, 3, res.StatusCode/100)
		require.Equal(t, "/gate/", res.Header.Get("Location"))
		// No staff app built: not mounted, so the citizen app says 404.
		for _, path := range []string{"/staff/", "/nope", "/gate/nope"} {
			res, body := get(t, b.baseURL+path)
			require.Equal(t, http.StatusNotFound, res.StatusCode, path)
			require.Contains(t, body, "Pagina non trovata", path)
		}
	})

	t.Run("rpc routes keep theirs", func(t *testing.T) {
		catalog := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL)
		_, err := catalog.ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
		require.NoError(t, err)
		for _, opt := range []connect.ClientOption{connect.WithProtoJSON(), connect.WithGRPCWeb()} {
			auth := varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL, opt)
			_, err = auth.WhoAmI(ctx, connect.NewRequest(&varcov1.WhoAmIRequest{}))
			require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
		}
		// A procedure this server lacks is still Unimplemented (404), not
		// the app's 405 or 200.
		missing := connect.NewClient[emptypb.Empty, emptypb.Empty](http.DefaultClient, b.baseURL+"/varco.v1.CatalogService/Nope")
		_, err = missing.CallUnary(ctx, connect.NewRequest(&emptypb.Empty{}))
		require.Equal(t, connect.CodeUnimplemented, connect.CodeOf(err))
		missing = connect.NewClient[emptypb.Empty, emptypb.Empty](http.DefaultClient, b.baseURL+"/varco.v9.Nothing/Nope")
		_, err = missing.CallUnary(ctx, connect.NewRequest(&emptypb.Empty{}))
		require.Equal(t, connect.CodeUnimplemented, connect.CodeOf(err))

		conn, err := grpc.NewClient(b.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		require.NoError(t, err)
		defer conn.Close()
		hc, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		require.NoError(t, err)
		require.Equal(t, healthpb.HealthCheckResponse_SERVING, hc.GetStatus())
		err = conn.Invoke(ctx, "/varco.v9.Nothing/Nope", &emptypb.Empty{}, &emptypb.Empty{})
		require.Equal(t, codes.Unimplemented, status.Code(err))
	})

	t.Run("plain links keep theirs", func(t *testing.T) {
		res, body := get(t, b.baseURL+"/metrics")
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, body, "varco_rpc_requests_total")
		require.Empty(t, res.Header.Get("Content-Security-Policy"))
		for _, path := range []string{
			"/tickets/00000000-0000-0000-0000-000000000000/qr.png",
			"/bookings/ABC123/calendar.ics",
			"/bookings/ABC123/cancel",
			"/admin/export/bookings.csv",
		} {
			res, body := get(t, b.baseURL+path)
			require.NotContains(t, body, "Pagina non trovata", path)
			require.Empty(t, res.Header.Get("Content-Security-Policy"), path)
		}
		// The mux's own answers stay: 405 for another method on a link,
		// a redirect to the slash form, 404 for other methods elsewhere.
		for _, tc := range []struct {
			method, path string
			status       int
		}{
			{http.MethodPost, "/bookings/ABC123/calendar.ics", http.StatusMethodNotAllowed},
			{http.MethodDelete, "/tickets/x/qr.png", http.StatusMethodNotAllowed},
			{http.MethodPost, "/metrics", http.StatusMethodNotAllowed},
			{http.MethodGet, "/varco.v1.AuthService", http.StatusTemporaryRedirect},
			{http.MethodPost, "/", http.StatusNotFound},
			{http.MethodPost, "/index.html", http.StatusNotFound},
		} {
			req, err := http.NewRequest(tc.method, b.baseURL+tc.path, nil)
			require.NoError(t, err)
			res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
			require.NoError(t, err)
			res.Body.Close()
			require.Equal(t, tc.status, res.StatusCode, "%s %s", tc.method, tc.path)
			require.Empty(t, res.Header.Get("Content-Security-Policy"), "%s %s", tc.method, tc.path)
		}
	})
}

// TestEmbeddedCitizenAppServed: without WithWebApps the binary serves its
// embedded build at "/".
func TestEmbeddedCitizenAppServed(t *testing.T) {
	t.Parallel()
	b := setup(t)
	res, body := get(t, b.baseURL+"/")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.True(t, strings.Contains(body, `lang="it"`) && strings.Contains(body, "Varco"))
	require.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
}
