package push

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

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
		return &notify.RetryError{After: s.retryAfter(retryAfter), Err: se}
	default:
		return fmt.Errorf("%w: %w", se, notify.ErrPermanent)
	}
}

// retryAfter parses Retry-After as delay-seconds or an HTTP-date (RFC 9110
// §10.2.3); the date is measured against the injected clock. Absent,
// unparsable or past values give 0, leaving the delay to the dispatcher.
func (s *Sender) retryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(maxRetryAfter/time.Second) {
			return maxRetryAfter
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(s.clock.Now())
	}
	return min(max(d, 0), maxRetryAfter)
}

// drainAndClose reads what little of the body is useful, discards a
// bounded rest so the keep-alive connection can be reused, and closes it.
func drainAndClose(body io.ReadCloser) string {
	defer body.Close()
	buf, _ := io.ReadAll(io.LimitReader(body, maxDetail))
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxDrain))
	return sanitise(string(buf))
}

// sanitise keeps a body excerpt safe to log on one line.
func sanitise(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
