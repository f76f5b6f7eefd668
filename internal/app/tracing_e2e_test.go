package app_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/tracing"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// otlpReceiver is an in-process OTLP/HTTP collector: it keeps the resource
// spans exported to /v1/traces.
type otlpReceiver struct {
	URL      string
	mu       sync.Mutex
	requests int
	spans    []*tracepb.ResourceSpans
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	t.Helper()
	r := &otlpReceiver{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.Method != http.MethodPost || req.URL.Path != "/v1/traces" {
			http.NotFound(w, req)
			return
		}
		body, err := io.ReadAll(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var in collectortrace.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &in); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.mu.Lock()
		r.requests++
		r.spans = append(r.spans, in.GetResourceSpans()...)
		r.mu.Unlock()
		out, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// env is a getenv over a fixed map.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// With the standard OTLP environment the server exports a span per RPC,
// named by procedure, to the collector; the spans carry no request data:
// not the citizen's codice fiscale, e-mail or password, not the session
// token, not the client's address.
func TestTracingExportsRPCSpans(t *testing.T) {
	t.Parallel()
	rcv := newOTLPReceiver(t)
	clk := clock.NewFake(time.Now())
	b := setupOpts(t, clk, []app.Option{app.WithGetenv(env(map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": rcv.URL,
		"OTEL_SERVICE_NAME":           "varco-test",
	}))})
	p := registerCitizens(t, b, "OTL", 1)[0]
	bk, _ := bookTour(t, p, tourSlot(t, b, clk.Now(), 0), 1)
	// A caller's trace context is linked to the server span.
	const callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	req := authBearer(&varcov1.GetBookingRequest{BookingId: bk.GetId()}, p.token)
	req.Header().Set("traceparent", "00-"+callerTrace+"-00f067aa0ba902b7-01")
	_, err := p.booking.GetBooking(context.Background(), req)
	require.NoError(t, err)
	_, err = varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL).Login(context.Background(),
		connect.NewRequest(&varcov1.LoginRequest{Login: p.cf, Password: "una password sbagliata"}))
	require.Error(t, err)
	require.NoError(t, b.stop(), "stopping flushes the spans")

	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	secrets := []string{p.cf, strings.ToLower(p.cf), "OTL0@example.it", "una password", p.token, bk.GetId(), bk.GetCode(), "127.0.0.1"}
	methods := map[string]*tracepb.Span{}
	for _, rs := range rcv.spans {
		service := ""
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				service = kv.GetValue().GetStringValue()
			}
		}
		require.Equal(t, "varco-test", service)
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				require.Equal(t, tracepb.Span_SPAN_KIND_SERVER, s.GetKind())
				text := s.GetName() + " " + s.GetStatus().GetMessage()
				for _, kv := range s.GetAttributes() {
					require.True(t, tracing.Allowed(attribute.Key(kv.GetKey())), "attribute %s exported", kv.GetKey())
					text += " " + kv.GetValue().String()
					if kv.GetKey() == "rpc.method" {
						methods[kv.GetValue().GetStringValue()] = s
					}
				}
				for _, ev := range s.GetEvents() {
					text += " " + ev.GetName()
					for _, kv := range ev.GetAttributes() {
						text += " " + kv.GetKey() + "=" + kv.GetValue().String()
					}
				}
				for _, secret := range secrets {
					require.NotContains(t, text, secret, "span %s", s.GetName())
				}
			}
		}
	}
	for _, m := range []string{"varco.v1.AuthService/Register", "varco.v1.BookingService/HoldSlots",
		"varco.v1.BookingService/ConfirmBooking", "varco.v1.BookingService/GetBooking", "varco.v1.AuthService/Login"} {
		require.Contains(t, methods, m)
	}
	get := methods["varco.v1.BookingService/GetBooking"]
	require.Equal(t, "varco.v1.BookingService/GetBooking", get.GetName())
	require.Len(t, get.GetLinks(), 1, "the caller's span is linked, not trusted as parent")
	require.Equal(t, callerTrace, hexID(get.GetLinks()[0].GetTraceId()))
	require.Empty(t, get.GetParentSpanId())
}

func hexID(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// Tracing stays off when the environment switches it off, even with an
// endpoint set: the collector receives nothing.
func TestTracingOff(t *testing.T) {
	t.Parallel()
	for name, vars := range map[string]map[string]string{
		"exporter none": {"OTEL_TRACES_EXPORTER": "none"},
		"sdk disabled":  {"OTEL_SDK_DISABLED": "true"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rcv := newOTLPReceiver(t)
			vars["OTEL_EXPORTER_OTLP_ENDPOINT"] = rcv.URL
			clk := clock.NewFake(time.Now())
			b := setupOpts(t, clk, []app.Option{app.WithGetenv(env(vars))})
			registerCitizens(t, b, "OFT", 1)
			require.NoError(t, b.stop())
			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			require.Zero(t, rcv.requests)
		})
	}
}
