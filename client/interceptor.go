package client

import (
	"context"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"connectrpc.com/connect"
)

// defaultBackoff is the first retry delay; it doubles per attempt up to
// maxBackoff. A restarting server is typically back within a second or two.
const (
	defaultBackoff = 100 * time.Millisecond
	maxBackoff     = 3 * time.Second
)

// interceptor applies a Client's settings to every call of every service:
// credentials and language on unary and streaming calls alike, timeout and
// retries on unary calls only.
type interceptor struct {
	client *Client
	s      settings
}

var _ connect.Interceptor = (*interceptor)(nil)

// decorate adds the Authorization and Accept-Language headers unless the
// caller set them on this request (a device credential on one call, say).
func (i *interceptor) decorate(h http.Header) {
	if tok := i.client.Token(); tok != "" && h.Get("Authorization") == "" {
		h.Set("Authorization", "Bearer "+tok)
	}
	if i.s.language != "" && h.Get("Accept-Language") == "" {
		h.Set("Accept-Language", i.s.language)
	}
}

// WrapUnary implements connect.Interceptor.
func (i *interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		i.decorate(req.Header())
		retries := 0
		if isRetrySafe(req.Spec(), req.Any()) {
			retries = i.s.retries
		}
		for attempt := 0; ; attempt++ {
			res, err := i.attempt(ctx, next, req)
			if err == nil || attempt >= retries || !retryable(ctx, err) {
				return res, err
			}
			if !sleep(ctx, i.delay(attempt)) {
				return nil, err // the caller gave up while we waited: report the last failure
			}
		}
	}
}

// attempt runs one try, bounded by the per-call timeout. The timeout is per
// attempt, not per call: otherwise an attempt that timed out would leave no
// time for the retry it is allowed.
func (i *interceptor) attempt(ctx context.Context, next connect.UnaryFunc, req connect.AnyRequest) (connect.AnyResponse, error) {
	if i.s.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, i.s.timeout)
		defer cancel()
	}
	return next(ctx, req)
}

// delay is exponential backoff with full jitter, so clients that failed
// together do not come back together.
func (i *interceptor) delay(attempt int) time.Duration {
	base := i.s.backoff
	if base <= 0 {
		base = defaultBackoff
	}
	d := base << min(attempt, 16)
	if d > maxBackoff || d <= 0 {
		d = maxBackoff
	}
	return d/2 + rand.N(d/2+1)
}

// retryable reports whether a failed attempt may be repeated: the server
// (or the way to it) was unavailable, or the attempt ran out of time while
// the caller still has time left.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	switch connect.CodeOf(err) {
	case connect.CodeUnavailable, connect.CodeDeadlineExceeded:
		return true
	}
	return false
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// WrapStreamingClient implements connect.Interceptor. Streams get the
// headers but neither timeout nor retries: a stream's messages cannot be
// replayed, and a watch is meant to last.
func (i *interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return func(ctx context.Context, spec connect.Spec) connect.StreamingClientConn {
		return &headerConn{StreamingClientConn: next(ctx, spec), decorate: i.decorate}
	}
}

// WrapStreamingHandler implements connect.Interceptor; the client has no
// handlers.
func (i *interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return next
}

// headerConn adds the headers at the first Send rather than when the
// stream is created: connect-go merges the caller's request headers in
// between, and a header the caller set must win over the client's.
type headerConn struct {
	connect.StreamingClientConn
	decorate func(http.Header)
	once     sync.Once
}

func (c *headerConn) Send(msg any) error {
	c.once.Do(func() { c.decorate(c.RequestHeader()) })
	return c.StreamingClientConn.Send(msg)
}

func (c *headerConn) CloseRequest() error {
	// A stream closed without sending still sends its headers.
	c.once.Do(func() { c.decorate(c.RequestHeader()) })
	return c.StreamingClientConn.CloseRequest()
}
