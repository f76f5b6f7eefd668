package client

import (
	"errors"
	"fmt"
	"time"

	"connectrpc.com/connect"
)

// Protocol is the wire protocol a Client speaks. The server speaks all
// three on one port.
type Protocol int

const (
	// Connect is the Connect protocol with binary protobuf (the default).
	Connect Protocol = iota
	// GRPC is gRPC over HTTP/2 (cleartext with prior knowledge for http://).
	GRPC
	// GRPCWeb is gRPC-Web, as browsers and some proxies speak it.
	GRPCWeb
)

// String returns "connect", "grpc" or "grpc-web".
func (p Protocol) String() string {
	switch p {
	case Connect:
		return "connect"
	case GRPC:
		return "grpc"
	case GRPCWeb:
		return "grpc-web"
	}
	return fmt.Sprintf("Protocol(%d)", int(p))
}

// MaxRetries bounds WithRetries: beyond a few attempts a retry only adds
// load to a server that is already struggling.
const MaxRetries = 10

// Option configures New.
type Option func(*settings)

type settings struct {
	token          string
	protocol       Protocol
	httpClient     connect.HTTPClient
	timeout        time.Duration
	retries        int
	backoff        time.Duration
	language       string
	connectOptions []connect.ClientOption
}

func (s *settings) validate() error {
	var errs []error
	switch s.protocol {
	case Connect, GRPC, GRPCWeb:
	default:
		errs = append(errs, fmt.Errorf("client: unknown protocol %v", s.protocol))
	}
	if s.timeout < 0 {
		errs = append(errs, errors.New("client: negative timeout"))
	}
	if s.retries < 0 || s.retries > MaxRetries {
		errs = append(errs, fmt.Errorf("client: retries must be between 0 and %d", MaxRetries))
	}
	switch s.language {
	case "", "it", "en", "de":
	default:
		errs = append(errs, fmt.Errorf("client: language %q: the server speaks \"it\", \"en\" and \"de\"", s.language))
	}
	return errors.Join(errs...)
}

// WithToken sends token as "Authorization: Bearer <token>" on every call
// that does not set its own Authorization header. See also
// [Client.SetToken] and [Client.Login].
func WithToken(token string) Option { return func(s *settings) { s.token = token } }

// WithProtocol chooses the wire protocol; Connect by default.
func WithProtocol(p Protocol) Option { return func(s *settings) { s.protocol = p } }

// WithHTTPClient makes the client send requests through h (an
// *http.Client, or anything with its Do method). For GRPC over http://, h
// must speak cleartext HTTP/2 (http.Protocols with UnencryptedHTTP2); the
// default client does.
func WithHTTPClient(h connect.HTTPClient) Option { return func(s *settings) { s.httpClient = h } }

// WithTimeout bounds each attempt of a unary call to d, unless the caller's
// context has an earlier deadline. Streams (WatchOccupancy, Sync, exports)
// are not bounded: they are meant to stay open. Zero means no timeout.
func WithTimeout(d time.Duration) Option { return func(s *settings) { s.timeout = d } }

// WithRetries retries a call up to n more times when it fails with
// Unavailable or DeadlineExceeded, with exponential backoff and jitter — but
// only calls that are safe to repeat: reads, and writes that carry an
// idempotency key (ConfirmBooking, RescheduleBooking, counter bookings) or
// a scan id (GateService.Scan, UploadScans). Other writes are never
// retried: repeating them could book or cancel twice. Zero (the default)
// disables retries; n is at most MaxRetries.
func WithRetries(n int) Option { return func(s *settings) { s.retries = n } }

// WithLanguage asks for error messages in "it" (the server's default),
// "en" or "de", through the Accept-Language header.
func WithLanguage(lang string) Option { return func(s *settings) { s.language = lang } }

// WithConnectOptions passes extra options to every generated client (for
// example connect.WithProtoJSON() to see requests in a proxy, or
// connect.WithSendGzip()).
func WithConnectOptions(opts ...connect.ClientOption) Option {
	return func(s *settings) { s.connectOptions = append(s.connectOptions, opts...) }
}

// withBackoff sets the first retry delay; tests shorten it.
func withBackoff(d time.Duration) Option { return func(s *settings) { s.backoff = d } }
