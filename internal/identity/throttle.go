package identity

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/varco-gate/varco/internal/fault"
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
	it, en := humanDelay(wait)
	f := *ErrLoginThrottled
	f.IT = "Troppi tentativi di accesso non riusciti: riprova tra " + it + "."
	f.EN = "Too many failed login attempts: try again in " + en + "."
	return &ThrottledError{RetryAfter: wait, fault: &f}
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

// humanDelay spells d, rounded up, in Italian and English: seconds under a
// minute, then minutes, then hours and minutes (lockouts reach 24 hours).
func humanDelay(d time.Duration) (it, en string) {
	secs := int((d + time.Second - 1) / time.Second)
	if secs < 60 {
		secs = max(secs, 1)
		return plural(secs, "secondo", "secondi"), plural(secs, "second", "seconds")
	}
	mins := (secs + 59) / 60
	if mins < 60 {
		return plural(mins, "minuto", "minuti"), plural(mins, "minute", "minutes")
	}
	h, m := mins/60, mins%60
	it, en = plural(h, "ora", "ore"), plural(h, "hour", "hours")
	if m > 0 {
		it += " e " + plural(m, "minuto", "minuti")
		en += " and " + plural(m, "minute", "minutes")
	}
	return it, en
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
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
