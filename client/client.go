// Package client is the Go client of the Varco API: it wraps the generated
// Connect clients of [varcov1connect] with what every caller otherwise
// rewrites — the session token, the message language, the protocol
// (Connect, gRPC or gRPC-Web), per-call timeouts, retries of calls that are
// safe to repeat, and errors decoded into their stable machine-readable
// reason ([AsError]).
//
// The service clients are the generated interfaces, so every request and
// response type is the documented one from proto/varco/v1:
//
//	c, err := client.New("http://127.0.0.1:8080", client.WithLanguage("en"))
//	res, err := c.Catalog.ListOrganizations(ctx, connect.NewRequest(&varcov1.ListOrganizationsRequest{}))
//
// A Client is safe for concurrent use; share one per server.
package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"connectrpc.com/connect"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// Client holds one typed client per Varco service, all sharing the same
// connection pool, credentials and behaviour.
type Client struct {
	// Auth registers citizens, logs in and out, describes the caller.
	Auth varcov1connect.AuthServiceClient
	// Catalog is the public catalog and the availability grid.
	Catalog varcov1connect.CatalogServiceClient
	// Booking holds, confirms, lists and cancels a citizen's bookings.
	Booking varcov1connect.BookingServiceClient
	// Admin is the back office of organizers and operators.
	Admin varcov1connect.AdminServiceClient
	// Gate is the API of gate scanners (and live occupancy for staff).
	Gate varcov1connect.GateServiceClient
	// Notification manages Web Push subscriptions.
	Notification varcov1connect.NotificationServiceClient

	baseURL string
	token   atomic.Pointer[string]
}

// New returns a Client for the server at baseURL (for example
// "http://127.0.0.1:8080"; a path prefix is kept, for servers behind a
// reverse proxy). It fails only on an unusable URL or option; it does not
// contact the server.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("client: base URL %q: want http://host[:port] or https://host[:port]", baseURL)
	}
	s := settings{protocol: Connect}
	for _, o := range opts {
		o(&s)
	}
	if err := s.validate(); err != nil {
		return nil, err
	}
	c := &Client{baseURL: strings.TrimRight(u.String(), "/")}
	c.SetToken(s.token)

	httpClient := s.httpClient
	if httpClient == nil {
		httpClient = defaultHTTPClient(s.protocol)
	}
	httpClient = ownHeaders{httpClient}
	copts := []connect.ClientOption{connect.WithInterceptors(&interceptor{client: c, s: s})}
	switch s.protocol {
	case GRPC:
		copts = append(copts, connect.WithGRPC())
	case GRPCWeb:
		copts = append(copts, connect.WithGRPCWeb())
	}
	copts = append(copts, s.connectOptions...)

	c.Auth = varcov1connect.NewAuthServiceClient(httpClient, c.baseURL, copts...)
	c.Catalog = varcov1connect.NewCatalogServiceClient(httpClient, c.baseURL, publicGET(s.protocol, copts)...)
	c.Booking = varcov1connect.NewBookingServiceClient(httpClient, c.baseURL, copts...)
	c.Admin = varcov1connect.NewAdminServiceClient(httpClient, c.baseURL, copts...)
	c.Gate = varcov1connect.NewGateServiceClient(httpClient, c.baseURL, copts...)
	c.Notification = varcov1connect.NewNotificationServiceClient(httpClient, c.baseURL, publicGET(s.protocol, copts)...)
	return c, nil
}

// BaseURL returns the server URL the client calls, without a trailing
// slash.
func (c *Client) BaseURL() string { return c.baseURL }

// Token returns the bearer token sent with every call ("" for none).
func (c *Client) Token() string { return *c.token.Load() }

// SetToken replaces the bearer token sent with later calls: a session token
// from AuthService.Login, or a gate device's credential. "" sends none.
func (c *Client) SetToken(token string) { c.token.Store(&token) }

// Login logs in with an e-mail or codice fiscale and a password and, on
// success, uses the new session's token for every later call.
func (c *Client) Login(ctx context.Context, login, password string) (*varcov1.LoginResponse, error) {
	res, err := c.Auth.Login(ctx, connect.NewRequest(&varcov1.LoginRequest{Login: login, Password: password}))
	if err != nil {
		return nil, err
	}
	tok := res.Msg.GetSession().GetToken()
	if tok == "" {
		return nil, errors.New("client: login answered without a session token")
	}
	c.SetToken(tok)
	return res.Msg, nil
}

// publicGET adds Connect's GET form to the options of the services whose
// reads are public (the catalog, the push key): their answers may then be
// cached by HTTP caches on the way. The other reads stay POST: they carry
// a session, and their requests (booking ids, searches) should not end up
// in URLs and the access logs of proxies. A URL too long for common
// proxies falls back to POST.
func publicGET(p Protocol, opts []connect.ClientOption) []connect.ClientOption {
	if p != Connect {
		return opts // gRPC and gRPC-Web are POST only.
	}
	return append([]connect.ClientOption{connect.WithHTTPGet(), connect.WithHTTPGetMaxURLSize(4096, true)}, opts...)
}

// ownHeaders gives every HTTP request its own copy of the headers. A retry
// reuses the call's header map, which connect-go writes again
// (Connect-Timeout-Ms) while the transport may still be reading the map of
// the attempt just abandoned: with GET requests that is a data race, which
// -race found in TestTimeoutPerAttempt.
type ownHeaders struct{ connect.HTTPClient }

func (c ownHeaders) Do(r *http.Request) (*http.Response, error) {
	r2 := *r
	r2.Header = r.Header.Clone()
	return c.HTTPClient.Do(&r2)
}

// defaultHTTPClient returns a client with its own transport (so tuning it
// never touches http.DefaultTransport). gRPC needs HTTP/2 end to end: over
// http:// that is cleartext HTTP/2 with prior knowledge, which the server
// speaks on the same port; Connect and gRPC-Web work over HTTP/1.1 too and
// keep the default protocols, which any proxy in between understands.
func defaultHTTPClient(p Protocol) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	if p == GRPC {
		var protos http.Protocols
		protos.SetHTTP2(true)
		protos.SetUnencryptedHTTP2(true)
		t.Protocols = &protos
	}
	// No http.Client.Timeout: it would cut long-lived streams
	// (WatchOccupancy, exports); WithTimeout bounds unary calls instead.
	return &http.Client{Transport: t}
}
