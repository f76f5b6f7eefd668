// Package tracing sets up OpenTelemetry tracing of the RPC edge from the
// standard OTEL_* environment. It is off unless the environment names an
// OTLP endpoint or asks for the otlp exporter: a town that runs no
// collector pays nothing. Spans carry only the procedure, the protocol and
// the status code (connectrpc.com/otelconnect's defaults, narrowed by an
// allow-list): no headers, no bodies, no client addresses, nothing about
// the people behind a request.
package tracing

import (
	"context"
	"fmt"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/otelconnect"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// DefaultServiceName is service.name unless OTEL_SERVICE_NAME says
// otherwise.
const DefaultServiceName = "varco-server"

// Tracing is the server's tracer provider and the interceptor that makes a
// span of every RPC. The zero value (tracing off) is valid.
type Tracing struct {
	provider    *sdktrace.TracerProvider
	interceptor connect.Interceptor
}

// New reads the OTEL_* variables through getenv (os.Getenv in production)
// and, when tracing is on, starts the exporter. The variables read here
// decide whether and where to export; the SDK itself reads the others
// (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, _COMPRESSION, _CERTIFICATE,
// OTEL_TRACES_SAMPLER, OTEL_RESOURCE_ATTRIBUTES, OTEL_BSP_*…) from the
// process environment.
func New(ctx context.Context, getenv func(string) string) (*Tracing, error) {
	on, err := enabled(getenv)
	if err != nil || !on {
		return &Tracing{}, err
	}
	exporter, err := newExporter(ctx, getenv)
	if err != nil {
		return nil, err
	}
	name := getenv("OTEL_SERVICE_NAME")
	if name == "" {
		name = DefaultServiceName
	}
	res, err := resource.New(ctx, resource.WithFromEnv(), resource.WithTelemetrySDK(),
		resource.WithAttributes(semconv.ServiceName(name), semconv.ServiceVersion(version())))
	if err != nil {
		return nil, fmt.Errorf("otel resource: %w", err)
	}
	var batch []sdktrace.BatchSpanProcessorOption
	if v := getenv("OTEL_BSP_SCHEDULE_DELAY"); v != "" {
		ms, err := strconv.Atoi(v)
		if err != nil || ms <= 0 {
			return nil, fmt.Errorf("OTEL_BSP_SCHEDULE_DELAY: %q is not a positive number of milliseconds", v)
		}
		batch = append(batch, sdktrace.WithBatchTimeout(time.Duration(ms)*time.Millisecond))
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter, batch...), sdktrace.WithResource(res))
	ic, err := otelconnect.NewInterceptor(
		otelconnect.WithTracerProvider(tp),
		// W3C trace context only: a caller's trace id links our span to
		// theirs (as a link, not a parent: otelconnect does not trust
		// remote spans by default). Baggage is not read.
		otelconnect.WithPropagator(propagation.TraceContext{}),
		// RPC figures are Prometheus's job (package metrics).
		otelconnect.WithoutMetrics(),
		otelconnect.WithAttributeFilter(func(_ connect.Spec, kv attribute.KeyValue) bool { return Allowed(kv.Key) }),
	)
	if err != nil {
		return nil, fmt.Errorf("otelconnect: %w", err)
	}
	return &Tracing{provider: tp, interceptor: ic}, nil
}

// Allowed reports whether a span attribute may be exported: only what
// names the call and its outcome. otelconnect adds nothing else by
// default; the allow-list keeps it so if a later version adds more.
func Allowed(k attribute.Key) bool {
	switch k {
	case semconv.RPCSystemNameKey, semconv.RPCMethodKey, semconv.RPCResponseStatusCodeKey,
		semconv.ErrorTypeKey, semconv.HTTPResponseStatusCodeKey:
		return true
	}
	return false
}

// Enabled reports whether spans are exported.
func (t *Tracing) Enabled() bool { return t.provider != nil }

// Interceptors is the tracing interceptor, none when tracing is off.
func (t *Tracing) Interceptors() []connect.Interceptor {
	if t.interceptor == nil {
		return nil
	}
	return []connect.Interceptor{t.interceptor}
}

// Shutdown exports the spans still buffered and stops the exporter.
func (t *Tracing) Shutdown(ctx context.Context) error {
	if t.provider == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return t.provider.Shutdown(ctx)
}

// enabled decides from the environment. The specification's default
// exporter is otlp, but an operator who set nothing gets no tracing: an
// endpoint or OTEL_TRACES_EXPORTER=otlp switches it on.
func enabled(getenv func(string) string) (bool, error) {
	if v := getenv("OTEL_SDK_DISABLED"); v != "" {
		off, err := strconv.ParseBool(v)
		if err != nil {
			return false, fmt.Errorf("OTEL_SDK_DISABLED: %q is not a boolean", v)
		}
		if off {
			return false, nil
		}
	}
	switch exp := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER")); exp {
	case "none":
		return false, nil
	case "otlp":
		return true, nil
	case "":
		return getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "", nil
	default:
		return false, fmt.Errorf("OTEL_TRACES_EXPORTER: %q is not supported (otlp or none)", exp)
	}
}

// newExporter makes the OTLP exporter for the protocol asked (default
// http/protobuf, as the specification says). Endpoints given in getenv are
// passed on explicitly, so they win over the process environment.
func newExporter(ctx context.Context, getenv func(string) string) (sdktrace.SpanExporter, error) {
	protocol := getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
	if protocol == "" {
		protocol = getenv("OTEL_EXPORTER_OTLP_PROTOCOL")
	}
	endpoint, perSignal := getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), true
	if endpoint == "" {
		endpoint, perSignal = getenv("OTEL_EXPORTER_OTLP_ENDPOINT"), false
	}
	if endpoint != "" {
		if u, err := url.Parse(endpoint); err != nil || u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("OTLP endpoint %q: want a URL such as http://collector:4318", endpoint)
		}
	}
	switch protocol {
	case "", "http/protobuf", "http/json":
		var opts []otlptracehttp.Option
		if protocol == "http/json" {
			opts = append(opts, otlptracehttp.WithEncoding(otlptracehttp.EncodingJSON))
		}
		if endpoint != "" {
			if !perSignal {
				// The general endpoint is a base: traces go to /v1/traces under it.
				endpoint = strings.TrimRight(endpoint, "/") + "/v1/traces"
			}
			opts = append(opts, otlptracehttp.WithEndpointURL(endpoint))
		}
		exp, err := otlptracehttp.New(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("otlp http exporter: %w", err)
		}
		return exp, nil
	case "grpc":
		var opts []otlptracegrpc.Option
		if endpoint != "" {
			opts = append(opts, otlptracegrpc.WithEndpointURL(endpoint))
		}
		exp, err := otlptracegrpc.New(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("otlp grpc exporter: %w", err)
		}
		return exp, nil
	}
	return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_PROTOCOL: %q is not supported (http/protobuf, http/json or grpc)", protocol)
}

// version is the module version the binary was built from, as
// service.version.
func version() string {
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" {
		return info.Main.Version
	}
	return "(devel)"
}
