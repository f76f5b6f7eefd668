package identity

import (
	"errors"
	"net/netip"
	"time"

	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/i18n"
)

// ThrottledError is returned by Login (and ChangePassword) while the account
// or the client address is locked out. It wraps ErrLoginThrottled with a
// message naming the delay; the API edge also sends RetryAfter as a
// Retry-After header.
type ThrottledError struct {
	// RetryAfter is how long until the attempt may be repeated.
	RetryAfter time.Duration
	fault      *fault.Error
}

func newThrottled(wait time.Duration) *ThrottledError {
	f := ErrLoginThrottled.Text("error.login_throttled.delay", humanDelay(wait))
	return &ThrottledError{RetryAfter: wait, fault: f}
}

// Error returns the English message.
func (e *ThrottledError) Error() string { return e.fault.Error() }

// Unwrap returns the fault, so the API edge maps it like any other.
func (e *ThrottledError) Unwrap() error { return e.fault }

// RetryAfter returns the delay of a *ThrottledError in err's chain.
func RetryAfter(err error) (time.Duration, bool) {
	var te *ThrottledError
	if errors.As(err, &te) {
		return te.RetryAfter, true
	}
	return 0, false
}

// humanDelay spells d, rounded up, in the reader's language: seconds under
// a minute, then minutes, then hours and minutes (lockouts reach 24 hours).
func humanDelay(d time.Duration) i18n.Msg {
	secs := int((d + time.Second - 1) / time.Second)
	if secs < 60 {
		return plural(max(secs, 1), "delay.seconds")
	}
	mins := (secs + 59) / 60
	if mins < 60 {
		return plural(mins, "delay.minutes")
	}
	h, m := mins/60, mins%60
	if m == 0 {
		return plural(h, "delay.hours")
	}
	return i18n.Msg{Key: "delay.hours_minutes", Args: []any{plural(h, "delay.hours"), plural(m, "delay.minutes")}}
}

// plural picks key.one for 1 and key.other otherwise (with the number).
func plural(n int, key string) i18n.Msg {
	if n == 1 {
		return i18n.Msg{Key: key + ".one"}
	}
	return i18n.Msg{Key: key + ".other", Args: []any{n}}
}

// addressKey is the throttling key of a client address. An IPv6 client
// usually controls a whole /64, so that is the unit; an IPv4-mapped address
// counts as the IPv4 one. Anything unparsable is used verbatim.
func addressKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return "ip:" + addr
	}
	a = a.Unmap().WithZone("")
	if a.Is6() {
		p, _ := a.Prefix(64) // cannot fail for 64 on an IPv6 address
		return "ip:" + p.String()
	}
	return "ip:" + a.String()
}

// accountKey is the throttling key of an account. It is the account id, not
// the login typed, so that alternating e-mail and codice fiscale does not
// double the guesses allowed, and ChangePassword shares the same allowance.
func accountKey(id string) string { return "acct:" + id }
