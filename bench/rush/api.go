package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"

	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// rpcTimeout bounds every single call: a request stuck behind a wedged
// server fails (and is counted) instead of stalling the run.
const rpcTimeout = 30 * time.Second

// api holds the generated Connect clients, all sharing one transport.
// Clients are safe for concurrent use; each request carries its caller's
// token in its own header, so sharing them does not share identities.
type api struct {
	base    string
	http    *http.Client
	auth    varcov1connect.AuthServiceClient
	catalog varcov1connect.CatalogServiceClient
	booking varcov1connect.BookingServiceClient
	admin   varcov1connect.AdminServiceClient
	gate    varcov1connect.GateServiceClient
	health  *grpchealth.Client
}

// newAPI builds the clients for protocol ("connect", "grpc" or "grpcweb").
// conns is the number of concurrent callers: the transport keeps that many
// idle connections, so a phase does not pay TCP handshakes again after the
// previous one (HTTP/1.1 carries one request per connection at a time).
func newAPI(base, protocol string, gzip bool, conns int) (*api, error) {
	tr := &http.Transport{
		DialContext:         loopbackDialer(),
		MaxIdleConns:        conns + 64,
		MaxIdleConnsPerHost: conns + 64,
		IdleConnTimeout:     90 * time.Second,
		// Connect handles compression itself (negotiated per message);
		// the transport must not add its own gzip layer.
		DisableCompression: true,
	}
	var opts []connect.ClientOption
	switch protocol {
	case "connect":
	case "grpc":
		// gRPC needs HTTP/2; the server speaks cleartext HTTP/2 with prior
		// knowledge (h2c), as grpc-go clients do.
		var p http.Protocols
		p.SetUnencryptedHTTP2(true)
		tr.Protocols = &p
		opts = append(opts, connect.WithGRPC())
	case "grpcweb":
		opts = append(opts, connect.WithGRPCWeb())
	default:
		return nil, fmt.Errorf("--protocol %q: want connect, grpc or grpcweb", protocol)
	}
	if !gzip {
		// connect-go clients (like browsers) accept gzip by default, and the
		// server then compresses every response; --gzip=false measures
		// without that cost.
		opts = append(opts, connect.WithAcceptCompression("gzip", nil, nil))
	}
	hc := &http.Client{Transport: tr}
	return &api{
		base:    base,
		http:    hc,
		auth:    varcov1connect.NewAuthServiceClient(hc, base, opts...),
		catalog: varcov1connect.NewCatalogServiceClient(hc, base, opts...),
		booking: varcov1connect.NewBookingServiceClient(hc, base, opts...),
		admin:   varcov1connect.NewAdminServiceClient(hc, base, opts...),
		gate:    varcov1connect.NewGateServiceClient(hc, base, opts...),
		health:  grpchealth.NewClient(hc, base, opts...),
	}, nil
}

// req wraps msg in a request carrying the bearer token (none when empty).
func req[T any](msg *T, token string) *connect.Request[T] {
	r := connect.NewRequest(msg)
	if token != "" {
		r.Header().Set("Authorization", "Bearer "+token)
	}
	return r
}

// call runs one RPC under rpcTimeout, times it and records it in op (when
// op is not nil). The latency is what the caller waited, transport
// included: that is what a citizen's browser would see.
func call[T any](ctx context.Context, op *opStats, fn func(context.Context) (T, error)) (T, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, rpcTimeout)
	defer cancel()
	t0 := time.Now()
	res, err := fn(ctx)
	d := time.Since(t0)
	if op != nil {
		op.record(d, err)
	}
	return res, d, err
}
