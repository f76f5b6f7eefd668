package webhook

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"code.dny.dev/ssrf"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/notify"
	domain "github.com/varco-gate/varco/internal/webhook"
)

// Defaults.
const (
	// DefaultTimeout bounds one attempt, connection to last byte: a
	// receiver should answer at once and process asynchronously.
	DefaultTimeout = 10 * time.Second
	// maxDetail is how much of an error answer is kept for the delivery
	// list: enough for "invalid signature", never a whole page.
	maxDetail = 200
	// maxDrain bounds how much of an answer is read to reuse the
	// connection.
	maxDrain = 64 << 10
	// maxRetryAfter caps the wait a receiver can ask for.
	maxRetryAfter = 6 * time.Hour
)

// Config configures a Sender.
type Config struct {
	// TLS is the client TLS configuration (tests trust their receiver's
	// certificate with it); nil means the system roots.
	TLS *tls.Config
	// AllowPrivate lets deliveries connect to loopback and private
	// addresses (development and tests only: it opens an SSRF door).
	AllowPrivate bool
	// Timeout bounds one attempt; zero means DefaultTimeout.
	Timeout time.Duration
	// Clock signs and measures Retry-After dates; nil means the wall clock.
	Clock clock.Clock
}

// Sender posts deliveries. It is safe for concurrent use.
type Sender struct {
	client *http.Client
	clock  clock.Clock
}

// ErrForbiddenAddress wraps a refused destination (a private, loopback or
// otherwise special-purpose address).
var ErrForbiddenAddress = errors.New("destination address not allowed")

// New returns a Sender. Its transport checks every address it connects to
// (after DNS resolution, so a name that resolves to an internal address is
// refused too), ignores proxy settings (a proxy would hide the real
// destination from that check) and never follows redirects (the URL was
// validated, the redirect target was not).
func New(cfg Config) *Sender {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	dialer := &net.Dialer{Timeout: timeout}
	if !cfg.AllowPrivate {
		dialer.Control = domain.Guardian().Safe
	}
	var tlsCfg *tls.Config
	if cfg.TLS != nil {
		tlsCfg = cfg.TLS.Clone()
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsCfg,
		TLSHandshakeTimeout:   timeout,
		ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
	clk := cfg.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	return &Sender{
		client: &http.Client{Transport: tr, Timeout: timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		clock: clk,
	}
}

// Send posts one delivery, signed now. It returns the receiver's status
// (0 without an answer) and nil for 2xx, a *notify.RetryError for what may
// succeed later (network errors, 408, 429, 5xx), or an error wrapping
// notify.ErrPermanent.
func (s *Sender) Send(ctx context.Context, w notify.Webhook) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(w.Body))
	if err != nil {
		return 0, fmt.Errorf("webhook request: %w: %w", errors.New("invalid URL"), notify.ErrPermanent)
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set("User-Agent", UserAgent)
	h.Set(EventHeader, w.Event)
	h.Set(EventIDHeader, w.EventID)
	h.Set(DeliveryHeader, w.DeliveryID)
	h.Set(SignatureHeader, Sign(w.Secret, s.clock.Now(), w.Body))
	res, err := s.client.Do(req)
	if err != nil {
		return 0, s.transportError(ctx, err)
	}
	detail := notify.ReadExcerpt(res.Body, maxDetail, maxDrain)
	return res.StatusCode, s.classify(res.StatusCode, res.Header.Get("Retry-After"), detail)
}

// transportError classifies a failure without an answer. The message
// never quotes the URL (its path or query may hold a token).
func (s *Sender) transportError(ctx context.Context, err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, ssrf.ErrProhibitedIP) || errors.Is(err, ssrf.ErrProhibitedNetwork) || errors.Is(err, ssrf.ErrProhibitedPort) {
		return fmt.Errorf("%w: %w", ErrForbiddenAddress, notify.ErrPermanent)
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return &notify.RetryError{Err: errors.New("attempt timed out or was stopped")}
	}
	msg := notify.Sanitise(err.Error())
	if len(msg) > maxDetail {
		msg = strings.ToValidUTF8(msg[:maxDetail], "")
	}
	return &notify.RetryError{Err: errors.New(msg)}
}

// StatusError is a non-2xx answer.
type StatusError struct {
	StatusCode int
	// Detail is the start of the answer's body, on one line.
	Detail string
}

// Error gives the status and the detail.
func (e *StatusError) Error() string {
	msg := "HTTP " + strconv.Itoa(e.StatusCode)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// classify maps the receiver's answer to what the dispatcher must do. A
// 410 Gone is a permanent failure of this delivery but does not disable
// the webhook: an endpoint answering 410 during a deployment would
// otherwise silently lose every later event; organizers delete webhooks.
func (s *Sender) classify(code int, retryAfter, detail string) error {
	if code >= 200 && code < 300 {
		return nil
	}
	se := &StatusError{StatusCode: code, Detail: detail}
	if code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500 {
		return &notify.RetryError{After: notify.RetryAfter(retryAfter, s.clock.Now(), maxRetryAfter), Err: se}
	}
	return fmt.Errorf("%w: %w", se, notify.ErrPermanent)
}
