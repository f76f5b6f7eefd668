package notify

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// RetryAfter parses a Retry-After value as delay-seconds or an HTTP-date
// (RFC 9110 §10.2.3), the date measured against now, capped at limit.
// Absent, unparsable or past values give 0, leaving the delay to the
// dispatcher's backoff. Push services and webhook receivers both send it.
func RetryAfter(v string, now time.Time, limit time.Duration) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(limit/time.Second) {
			return limit
		}
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), limit)
}

// ReadExcerpt reads at most n bytes of an answer's body for the record,
// discards at most drain more so the keep-alive connection can be reused,
// closes the body, and returns the excerpt as one line (Sanitise).
func ReadExcerpt(body io.ReadCloser, n, drain int64) string {
	defer body.Close()
	buf, _ := io.ReadAll(io.LimitReader(body, n))
	_, _ = io.Copy(io.Discard, io.LimitReader(body, drain))
	return Sanitise(string(buf))
}

// Sanitise makes text from a remote server safe to store and log: valid
// UTF-8, no control characters, on one line.
func Sanitise(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
