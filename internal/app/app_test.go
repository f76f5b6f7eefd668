package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/auth/password"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

type bundle struct {
	app     *app.App
	baseURL string
	addr    string
	dbPath  string
	stop    func() error
}

// setup starts the real server (SQLite file, demo data) on a loopback port;
// with VARCO_TEST_POSTGRES=1 a PostgreSQL database of its own instead.
func setup(t testing.TB, mutate ...func(*config.Config)) *bundle {
	t.Helper()
	return setupWith(t, clock.Real{}, mutate...)
}

// cheapPasswords keeps argon2id but with tiny parameters, so tests that
// register hundreds of accounts (under -race) stay fast.
var cheapPasswords = app.WithIdentity(identity.Config{PasswordParams: password.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}})

// setupWith starts the server with a given clock.
func setupWith(t testing.TB, clk clock.Clock, mutate ...func(*config.Config)) *bundle {
	t.Helper()
	return setupOpts(t, clk, nil, mutate...)
}

// setupOpts starts the server with a clock and extra app options.
func setupOpts(t testing.TB, clk clock.Clock, opts []app.Option, mutate ...func(*config.Config)) *bundle {
	t.Helper()
	cfg, err := config.Load([]string{"--db", pgtest.Or(t, t.TempDir()+"/varco.db"), "--demo", "--cors-origins", "https://prenota.example"},
		func(string) string { return "" }, io.Discard)
	require.NoError(t, err)
	// Listening first lets a test's SPID/CIE provider know where to send
	// browsers back: the redirect URL needs the port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	for _, m := range mutate {
		m(&cfg)
	}
	if cfg.OIDCIssuer != "" && cfg.OIDCRedirectURL == "" {
		cfg.OIDCRedirectURL = "http://" + ln.Addr().String() + "/auth/oidc/callback"
	}
	var logOut io.Writer = io.Discard
	if os.Getenv("VARCO_TEST_LOG") != "" {
		logOut = os.Stderr // debugging aid: see the server's logs
	}
	log := slog.New(slog.NewTextHandler(logOut, nil))
	ctx, cancel := context.WithCancel(context.Background())
	// Gate streams poll fast in tests so changes arrive within milliseconds.
	a, err := app.New(ctx, cfg, log, clk, append([]app.Option{cheapPasswords, app.WithGatePoll(20 * time.Millisecond)}, opts...)...)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	stopped := false
	stop := func() error {
		if stopped {
			return nil
		}
		stopped = true
		cancel()
		return <-done
	}
	t.Cleanup(func() { require.NoError(t, stop()) })
	return &bundle{app: a, baseURL: "http://" + ln.Addr().String(), addr: ln.Addr().String(), dbPath: cfg.DB, stop: stop}
}

// h2cClient speaks cleartext HTTP/2 with prior knowledge, as gRPC does.
func h2cClient() *http.Client {
	var p http.Protocols
	p.SetUnencryptedHTTP2(true)
	return &http.Client{Transport: &http.Transport{Protocols: &p}, Timeout: 10 * time.Second}
}

func TestProtocols(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()

	t.Run("grpc-go client", func(t *testing.T) {
		conn, err := grpc.NewClient(b.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		require.NoError(t, err)
		defer conn.Close()
		hc, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		require.NoError(t, err)
		require.Equal(t, healthpb.HealthCheckResponse_SERVING, hc.GetStatus())
		hc, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: varcov1connect.BookingServiceName})
		require.NoError(t, err)
		require.Equal(t, healthpb.HealthCheckResponse_SERVING, hc.GetStatus())

		res := &varcov1.ListOrganizationsResponse{}
		err = conn.Invoke(ctx, varcov1connect.CatalogServiceListOrganizationsProcedure, &varcov1.ListOrganizationsRequest{}, res)
		require.NoError(t, err)
		requireDemoOrganizations(t, res)

		// Booking needs a logged-in citizen: refused before any handler.
		err = conn.Invoke(ctx, varcov1connect.BookingServiceHoldSlotsProcedure, &varcov1.HoldSlotsRequest{}, &varcov1.HoldSlotsResponse{})
		require.Equal(t, codes.Unauthenticated, status.Code(err))
	})

	for _, tc := range []struct {
		name string
		opts []connect.ClientOption
		http *http.Client
	}{
		{"connect json over http1", []connect.ClientOption{connect.WithProtoJSON()}, http.DefaultClient},
		{"connect binary over h2c", nil, h2cClient()},
		{"grpc-web", []connect.ClientOption{connect.WithGRPCWeb()}, http.DefaultClient},
		{"grpc via connect-go over h2c", []connect.ClientOption{connect.WithGRPC()}, h2cClient()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// grpchealth's own client: its JSON enum names differ from
			// upstream grpc-health (binary is identical), see README.
			hres, err := grpchealth.NewClient(tc.http, b.baseURL, tc.opts...).Check(ctx, &grpchealth.CheckRequest{})
			require.NoError(t, err)
			require.Equal(t, grpchealth.StatusServing, hres.Status)

			catalog := varcov1connect.NewCatalogServiceClient(tc.http, b.baseURL, tc.opts...)
			res, err := catalog.ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
			require.NoError(t, err)
			requireDemoOrganizations(t, res.Msg)

			rres, err := catalog.GetResource(ctx, connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: demo.CIEID}))
			require.NoError(t, err)
			require.Equal(t, "Carta d'identità elettronica", rres.Msg.GetResource().GetName())
			require.Len(t, rres.Msg.GetAncestors(), 1)
			require.Equal(t, "Europe/Rome", rres.Msg.GetPlace().GetTimeZone())
			require.Len(t, rres.Msg.GetResource().GetOperators(), 2)
		})
	}
}

func requireDemoOrganizations(t *testing.T, res *varcov1.ListOrganizationsResponse) {
	t.Helper()
	var names []string
	for _, o := range res.GetOrganizations() {
		names = append(names, o.GetName())
	}
	require.Equal(t, []string{"Comune di Borgo Varco", "Navigazione Laghi di Mantova"}, names)
}

func TestReflectionListsTheServices(t *testing.T) {
	t.Parallel()
	b := setup(t)
	conn, err := grpc.NewClient(b.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(context.Background())
	require.NoError(t, err)
	require.NoError(t, stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{ListServices: "*"},
	}))
	res, err := stream.Recv()
	require.NoError(t, err)
	var got []string
	for _, s := range res.GetListServicesResponse().GetService() {
		got = append(got, s.GetName())
	}
	sort.Strings(got) // grpcurl prints them sorted
	require.Equal(t, []string{
		"varco.v1.AdminService", "varco.v1.AuthService", "varco.v1.BookingService",
		"varco.v1.CatalogService", "varco.v1.GateService", "varco.v1.NotificationService", "varco.v1.WaitlistService",
	}, got)
	require.Equal(t, got, readmeGrpcurlList(t), "the README's `grpcurl ... list` output must be what the server answers")
	require.NoError(t, stream.CloseSend())
}

// readmeGrpcurlList returns the lines the README shows as the output of
// `grpcurl -plaintext 127.0.0.1:8080 list`.
func readmeGrpcurlList(t *testing.T) []string {
	t.Helper()
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	const cmd = "$ grpcurl -plaintext 127.0.0.1:8080 list\n"
	_, rest, ok := strings.Cut(string(readme), cmd)
	require.True(t, ok, "README lacks %q", cmd)
	var lines []string
	for _, l := range strings.Split(rest, "\n") {
		if l == "" || strings.HasPrefix(l, "$") || strings.HasPrefix(l, "```") {
			break
		}
		lines = append(lines, l)
	}
	return lines
}

// Bad input must come back as a Connect error with a code, never a crash or
// a hung connection; the server keeps answering afterwards.
func TestBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t, func(c *config.Config) { c.MaxRequestBytes = 4096 })
	ctx := context.Background()
	catalog := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL, connect.WithProtoJSON())

	t.Run("oversized message", func(t *testing.T) {
		_, err := catalog.ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{PageToken: strings.Repeat("x", 10_000)}))
		require.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err), "%v", err)
	})
	t.Run("oversized grpc message", func(t *testing.T) {
		conn, err := grpc.NewClient(b.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		require.NoError(t, err)
		defer conn.Close()
		err = conn.Invoke(ctx, varcov1connect.CatalogServiceListOrganizationsProcedure,
			&varcov1.ListOrganizationsRequest{PageToken: strings.Repeat("x", 10_000)}, &varcov1.ListOrganizationsResponse{})
		require.Equal(t, codes.ResourceExhausted, status.Code(err), "%v", err)
	})
	rawCases := []struct {
		name, contentType string
		body              []byte
		wantCode          string
	}{
		{"malformed json", "application/json", []byte(`{"pageSize": "many"`), "invalid_argument"},
		{"json of the wrong shape", "application/json", []byte(`[1,2,3]`), "invalid_argument"},
		{"garbage protobuf", "application/proto", []byte{0xff, 0xff, 0xff, 0xff, 0x0f}, "invalid_argument"},
		{"oversized raw body", "application/json", bytes.Repeat([]byte(" "), 1<<20), "resource_exhausted"},
	}
	for _, tc := range rawCases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := http.Post(b.baseURL+varcov1connect.CatalogServiceListOrganizationsProcedure, tc.contentType, bytes.NewReader(tc.body))
			require.NoError(t, err)
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			require.Contains(t, string(body), `"code":"`+tc.wantCode+`"`, "status %d body %s", res.StatusCode, body)
		})
	}
	t.Run("unknown field path", func(t *testing.T) {
		res, err := http.Post(b.baseURL+"/varco.v1.CatalogService/Nope", "application/json", strings.NewReader(`{}`))
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusNotFound, res.StatusCode)
	})
	t.Run("invalid argument names the field", func(t *testing.T) {
		_, err := catalog.ListPlaces(ctx, connect.NewRequest(&varcov1.ListPlacesRequest{}))
		require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
		require.Contains(t, err.Error(), "organization_id")
		requireFieldViolation(t, err, "organization_id")
	})
	t.Run("english on request", func(t *testing.T) {
		req := connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: "no-such-id"})
		req.Header().Set("Accept-Language", "en-GB,en;q=0.9")
		_, err := catalog.GetResource(ctx, req)
		require.Equal(t, connect.CodeNotFound, connect.CodeOf(err))
		require.Contains(t, err.Error(), "Resource not found")
		_, err = catalog.GetResource(ctx, connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: "no-such-id"}))
		require.Contains(t, err.Error(), "Servizio non trovato")
	})
	t.Run("still serving", func(t *testing.T) {
		res, err := catalog.ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
		require.NoError(t, err)
		requireDemoOrganizations(t, res.Msg)
	})
}

func requireFieldViolation(t *testing.T, err error, field string) {
	t.Helper()
	var ce *connect.Error
	require.True(t, errors.As(err, &ce))
	for _, d := range ce.Details() {
		msg, derr := d.Value()
		require.NoError(t, derr)
		if fv, ok := msg.(*varcov1.FieldViolation); ok {
			require.Equal(t, field, fv.GetField())
			require.NotEmpty(t, fv.GetDescription())
			return
		}
	}
	t.Fatalf("no FieldViolation detail in %v", err)
}

func TestPagination(t *testing.T) {
	t.Parallel()
	b := setup(t)
	catalog := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL)
	ctx := context.Background()
	first, err := catalog.ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{PageSize: 1}))
	require.NoError(t, err)
	require.Len(t, first.Msg.GetOrganizations(), 1)
	require.NotEmpty(t, first.Msg.GetNextPageToken())
	second, err := catalog.ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{PageSize: 1, PageToken: first.Msg.GetNextPageToken()}))
	require.NoError(t, err)
	require.Len(t, second.Msg.GetOrganizations(), 1)
	require.Empty(t, second.Msg.GetNextPageToken())
	require.False(t, proto.Equal(first.Msg.GetOrganizations()[0], second.Msg.GetOrganizations()[0]))
	_, err = catalog.ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{PageToken: "%%%"}))
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
}

func TestCORSAndMetrics(t *testing.T) {
	t.Parallel()
	b := setup(t)
	req, err := http.NewRequest(http.MethodOptions, b.baseURL+varcov1connect.CatalogServiceListOrganizationsProcedure, nil)
	require.NoError(t, err)
	req.Header.Set("Origin", "https://prenota.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization,connect-protocol-version,content-type")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, "https://prenota.example", res.Header.Get("Access-Control-Allow-Origin"))
	require.Contains(t, strings.ToLower(res.Header.Get("Access-Control-Allow-Headers")), "authorization")

	req.Header.Set("Origin", "https://evil.example")
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	require.Empty(t, res.Header.Get("Access-Control-Allow-Origin"))

	catalog := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL)
	_, err = catalog.ListOrganizations(context.Background(), connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
	require.NoError(t, err)
	_, err = catalog.ListPlaces(context.Background(), connect.NewRequest(&varcov1.ListPlacesRequest{}))
	require.Error(t, err)
	res, err = http.Get(b.baseURL + "/metrics")
	require.NoError(t, err)
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Contains(t, string(body), `varco_rpc_requests_total{code="ok",procedure="/varco.v1.CatalogService/ListOrganizations"} 1`)
	require.Contains(t, string(body), `varco_rpc_requests_total{code="invalid_argument",procedure="/varco.v1.CatalogService/ListPlaces"} 1`)
	require.Contains(t, string(body), `varco_rpc_duration_seconds_bucket`)
}

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	b := setup(t)
	require.NoError(t, b.stop())
	_, err := http.Get(b.baseURL + "/metrics")
	require.Error(t, err, "the listener must be closed after shutdown")
}
