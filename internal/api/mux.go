// Package api is the RPC edge: it mounts the seven varco.v1 services, health,
// reflection and the plain HTTP links on one mux, applies the limits every
// request shares, and maps domain errors to Connect codes. Domain logic
// lives in the packages the handlers call, never here.
package api

import (
	"context"
	"log/slog"
	"net/http"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// Services are the handlers of the seven varco.v1 services.
type Services struct {
	Auth         varcov1connect.AuthServiceHandler
	Catalog      varcov1connect.CatalogServiceHandler
	Booking      varcov1connect.BookingServiceHandler
	Admin        varcov1connect.AdminServiceHandler
	Gate         varcov1connect.GateServiceHandler
	Notification varcov1connect.NotificationServiceHandler
	Waitlist     varcov1connect.WaitlistServiceHandler
}

// Options configure the edge.
type Options struct {
	// MaxRequestBytes bounds every request message, compressed and after
	// decompression (which stops there); larger ones are refused with
	// ResourceExhausted before they are decoded.
	MaxRequestBytes int64
	// CORSOrigins are the browser origins allowed to call; "*" allows any.
	CORSOrigins []string
	// Interceptors run on every RPC, outermost first, before Access.
	Interceptors []connect.Interceptor
	// Access authenticates and authorizes every RPC; required.
	Access *Access
	// Audit records staff calls after Access; optional.
	Audit *Audit
	// Metrics serves /metrics when set.
	Metrics http.Handler
	// Closing is closed when the server starts shutting down: the streams
	// that never end by themselves (Sync, WatchOccupancy, health Watch,
	// reflection) then end with Unavailable. Nil leaves them open.
	Closing <-chan struct{}
	// Extra mounts plain HTTP handlers (QR PNG, .ics, CSV, cancel link).
	Extra map[string]http.Handler
	// Fallback serves the GET and HEAD requests that no route above
	// matches: the web apps. Everything else keeps the mux's answers (404,
	// 405, redirects), so RPC clients and the plain links behave as if it
	// were not there.
	Fallback http.Handler
	Logger   *slog.Logger
}

// ServiceNames are the fully-qualified names of the seven varco.v1 services.
var ServiceNames = []string{
	varcov1connect.AuthServiceName,
	varcov1connect.CatalogServiceName,
	varcov1connect.BookingServiceName,
	varcov1connect.AdminServiceName,
	varcov1connect.GateServiceName,
	varcov1connect.NotificationServiceName,
	varcov1connect.WaitlistServiceName,
}

// compressMin leaves small responses uncompressed. Clients (browsers,
// connect-go) accept gzip, and compressing a 50-byte reply costs more CPU
// than sending it: flate's setup was the largest single symbol in a profile
// of cheap RPCs under load. Above 1 KiB (grids, lists, exports) gzip pays.
var compressMin = connect.WithCompressMinBytes(1024)

// NewMux returns the handler serving everything on one port, and the health
// checker so the caller can report NOT_SERVING while shutting down.
func NewMux(s Services, o Options) (http.Handler, *grpchealth.StaticChecker) {
	if o.Access == nil {
		// Serving without authorization must be impossible, not a default.
		panic("api: NewMux without an Access interceptor")
	}
	limits := requestLimits(o.MaxRequestBytes)
	drained := drain{closing: o.Closing}
	handlerOpts := []connect.HandlerOption{
		// Access runs last, right before the handler, so metrics and logs
		// also count refused calls; the field limits just before it, so
		// authorization never looks up an unbounded list of ids.
		// drain sits inside metrics and logging so they record Unavailable.
		// httpCache is outermost, so refusals too are marked no-store.
		connect.WithInterceptors(newHTTPCache()),
		connect.WithInterceptors(withAudit(append(o.Interceptors[:len(o.Interceptors):len(o.Interceptors)],
			drained, NewLimits(o.Logger), o.Access), o.Audit)...),
		limits,
		compressMin,
		// A panic in one handler becomes an Internal error for that call
		// instead of taking the process (and every other citizen) down.
		connect.WithRecover(func(_ context.Context, spec connect.Spec, _ http.Header, p any) error {
			o.Logger.Error("panic in handler", slog.String("procedure", spec.Procedure), slog.Any("panic", p))
			return connect.NewError(connect.CodeInternal, errInternal)
		}),
	}
	// Decoding errors without Go type names (codec.go).
	handlerOpts = append(handlerOpts, codecs()...)
	mux := http.NewServeMux()
	mux.Handle(varcov1connect.NewAuthServiceHandler(s.Auth, handlerOpts...))
	mux.Handle(varcov1connect.NewCatalogServiceHandler(s.Catalog, handlerOpts...))
	mux.Handle(varcov1connect.NewBookingServiceHandler(s.Booking, handlerOpts...))
	mux.Handle(varcov1connect.NewAdminServiceHandler(s.Admin, handlerOpts...))
	mux.Handle(varcov1connect.NewGateServiceHandler(s.Gate, handlerOpts...))
	mux.Handle(varcov1connect.NewNotificationServiceHandler(s.Notification, handlerOpts...))
	mux.Handle(varcov1connect.NewWaitlistServiceHandler(s.Waitlist, handlerOpts...))

	checker := grpchealth.NewStaticChecker(ServiceNames...)
	// Health and reflection are public too: the same limits apply.
	public := connect.WithHandlerOptions(limits, compressMin, connect.WithInterceptors(drained))
	mux.Handle(grpchealth.NewHandler(checker, public))
	reflector := grpcreflect.NewStaticReflector(ServiceNames...)
	mux.Handle(grpcreflect.NewHandlerV1(reflector, public))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector, public))

	if o.Metrics != nil {
		mux.Handle("GET /metrics", o.Metrics)
	}
	for pattern, h := range o.Extra {
		mux.Handle(pattern, h)
	}
	return withCORS(withFallback(mux, o.Fallback), o.CORSOrigins), checker
}

// withFallback sends GET and HEAD requests that match no pattern of mux to
// fallback. The web apps cannot simply be a pattern: "GET /" conflicts
// with the method-less RPC patterns at registration, and a method-less "/"
// would take over every unmatched request, turning the mux's 405 for a
// POST to a GET link into the app's 404.
func withFallback(mux *http.ServeMux, fallback http.Handler) http.Handler {
	if fallback == nil {
		return mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			// An empty pattern: nothing matches (the mux would say 404, or
			// 405 for a path only other methods have).
			if _, pattern := mux.Handler(r); pattern == "" {
				fallback.ServeHTTP(w, r)
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// withAudit appends the audit interceptor, innermost (after Access), when
// there is one.
func withAudit(list []connect.Interceptor, a *Audit) []connect.Interceptor {
	if a == nil {
		return list
	}
	return append(list, a)
}

// IsStreaming reports whether path names a streaming RPC of the varco.v1
// services, health or reflection, or a CSV download: those must not be cut
// by unary timeouts.
func IsStreaming() func(path string) bool {
	streaming := map[string]bool{
		"/grpc.health.v1.Health/Watch":                                   true,
		"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo":      true,
		"/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo": true,
		// CSV downloads stream for as long as the period takes.
		ExportBookingsPath: true,
		ExportScansPath:    true,
	}
	for _, name := range ServiceNames {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
		if err != nil {
			panic("api: service descriptor missing: " + name) // generated code not linked: a build bug.
		}
		methods := d.(protoreflect.ServiceDescriptor).Methods()
		for i := range methods.Len() {
			m := methods.Get(i)
			if m.IsStreamingClient() || m.IsStreamingServer() {
				streaming["/"+name+"/"+string(m.Name())] = true
			}
		}
	}
	return func(path string) bool { return streaming[path] }
}
