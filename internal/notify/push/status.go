package push

import (
	"fmt"
	"net/http"
	"time"

	"github.com/varco-gate/varco/internal/notify"
)

const (
	// maxDetail is how much of an error body is kept: push services explain
	// a rejection there (e.g. a VAPID key mismatch), in a line or two.
	maxDetail = 256
	// maxDrain bounds how much of a body is read to reuse the connection;
	// past it the connection is simply closed.
	maxDrain = 64 << 10
	// maxRetryAfter caps the delay a push service can ask for: past a day
	// any message with the default TTL is stale anyway.
	maxRetryAfter = 24 * time.Hour
)

// StatusError is a push service's non-2xx answer. It is wrapped in the
// error Send returns, next to notify.ErrGone or notify.ErrPermanent or
// inside a *notify.RetryError, for logs and metrics.
type StatusError struct {
	StatusCode int
	Host       string
	// Detail is the start of the response body, sanitised for logs.
	Detail string
}

// Error names the host and status and adds the body excerpt.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("push: %s answered %d", e.Host, e.StatusCode)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// classify maps a push service status to what the dispatcher must do.
func (s *Sender) classify(host string, code int, retryAfter, detail string) error {
	if code >= 200 && code < 300 {
		return nil
	}
	se := &StatusError{StatusCode: code, Host: host, Detail: detail}
	switch {
	case code == http.StatusNotFound || code == http.StatusGone:
		return fmt.Errorf("%w: %w", se, notify.ErrGone)
	case code == http.StatusTooManyRequests || code == http.StatusRequestTimeout || code >= 500:
		return &notify.RetryError{After: notify.RetryAfter(retryAfter, s.clock.Now(), maxRetryAfter), Err: se}
	default:
		return fmt.Errorf("%w: %w", se, notify.ErrPermanent)
	}
}
