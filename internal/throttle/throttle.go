// Package throttle slows down password guessing by locking out keys (an
// account, a client address) after repeated login failures.
//
// The caller checks every key involved in an attempt before doing any
// expensive work, and reports the outcome afterwards:
//
//	acct, ip := "acct:"+normalizedLogin, "ip:"+clientNet
//	if ok, wait, err := lim.Allow(ctx, acct, ip); err != nil || !ok {
//		// reject with 429 / RESOURCE_EXHAUSTED and Retry-After: wait (rounded up)
//	}
//	if passwordOK {
//		lim.Success(ctx, acct) // the account key only, never the address key
//	} else {
//		lim.Failure(ctx, acct, ip)
//	}
//
// The account key stops a distributed attack on one account; the address key
// stops one client from spraying guesses over many accounts. Success must not
// clear the address key: otherwise an attacker who owns one valid account
// could reset its counter between guesses at other people's passwords. For
// IPv6 clients the caller should use the /64 network as the key, since a
// single client usually controls a whole /64.
//
// The state lives in a Store — the database — so that every replica of a
// server counts the same failures: an attacker does not get N times the
// attempts from N replicas behind a load balancer. Keys reach the store
// hashed (SHA-256), since they carry login e-mails and addresses. It is a
// speed bump for online guessing, not a security boundary: argon2id and
// password strength are what protect the hashes.
package throttle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/varco-gate/varco/internal/clock"
)

// Config tunes a Limiter. Zero (or negative) fields take the defaults.
type Config struct {
	// MaxFailures is the number of failures within Window that locks a key.
	// Default 5.
	MaxFailures int
	// Window is the length of the sliding window in which failures are
	// counted. Default 15 minutes.
	Window time.Duration
	// Lockout is how long a key stays locked the first time. Default 15
	// minutes.
	Lockout time.Duration
	// MaxLockout caps the lockout, which doubles with each lockout that
	// follows another before the key has been forgiven (see Limiter).
	// Default 24 hours; set it equal to Lockout to disable the growth. Values
	// below Lockout are raised to Lockout.
	MaxLockout time.Duration
}

// Defaults used for zero Config fields.
const (
	// DefaultMaxFailures is the default Config.MaxFailures.
	DefaultMaxFailures = 5
	// DefaultWindow is the default Config.Window.
	DefaultWindow = 15 * time.Minute
	// DefaultLockout is the default Config.Lockout.
	DefaultLockout = 15 * time.Minute
	// DefaultMaxLockout is the default Config.MaxLockout.
	DefaultMaxLockout = 24 * time.Hour
)

// State is what is kept of one key.
type State struct {
	// Failures holds the times of recent failures, oldest first, at most
	// MaxFailures of them; older ones are dropped as they leave the window.
	Failures []time.Time
	// LockedUntil is the end of the current or last lockout (zero if never).
	LockedUntil time.Time
	// Strikes counts lockouts since the key was last forgiven.
	Strikes int
	// ForgetAt is when the state stops affecting any decision: the store
	// may drop it then.
	ForgetAt time.Time
}

// Store keeps the states of keys (hashed).
type Store interface {
	// ThrottleStates returns the states of keys; absent keys are left out.
	ThrottleStates(ctx context.Context, keys []string) (map[string]State, error)
	// UpdateThrottle replaces, in one write transaction, the states of keys
	// with what update returns given their current ones (absent: not in the
	// map); a key update leaves out is deleted. update may run more than
	// once (a transaction run again) and must depend on its argument only.
	UpdateThrottle(ctx context.Context, keys []string, update func(map[string]State) map[string]State) error
}

// Limiter counts login failures per key and locks keys that fail too often.
//
// Failures are counted in a sliding window: a key is locked when its
// MaxFailures-th failure comes less than Window after the oldest of them.
// (A fixed window would let an attacker fit up to 2*(MaxFailures-1) guesses
// around a window boundary.) Locking clears the count, so after the lockout
// the key has a fresh allowance. Failures reported for a key that is
// currently locked are ignored, so they neither extend nor deepen the lock.
//
// Each lockout that follows an earlier one doubles in length, up to
// MaxLockout. A key is forgiven, and the next lockout is back to Lockout, on
// Success or once MaxLockout has passed since its last lockout ended.
//
// A Limiter is safe for concurrent use, in one process and across
// processes sharing the store.
type Limiter struct {
	cfg   Config
	store Store
	clk   clock.Clock
}

// New returns a Limiter with cfg's zero fields set to the defaults, keeping
// its state in st and reading time from clk.
func New(cfg Config, st Store, clk clock.Clock) *Limiter {
	if cfg.MaxFailures <= 0 {
		cfg.MaxFailures = DefaultMaxFailures
	}
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.Lockout <= 0 {
		cfg.Lockout = DefaultLockout
	}
	if cfg.MaxLockout <= 0 {
		cfg.MaxLockout = DefaultMaxLockout
	}
	cfg.MaxLockout = max(cfg.MaxLockout, cfg.Lockout)
	return &Limiter{cfg: cfg, store: st, clk: clk}
}

// Config returns the effective configuration, defaults applied.
func (l *Limiter) Config() Config { return l.cfg }

// hashKeys returns the distinct keys, hashed, in their first order.
func hashKeys(keys []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		sum := sha256.Sum256([]byte(k))
		if h := hex.EncodeToString(sum[:]); !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// Allow reports whether an attempt involving all of keys may proceed. If any
// key is locked, ok is false and retryAfter is the time until the last of the
// locks on keys ends. Allow records nothing.
func (l *Limiter) Allow(ctx context.Context, keys ...string) (ok bool, retryAfter time.Duration, err error) {
	if len(keys) == 0 {
		return true, 0, nil
	}
	states, err := l.store.ThrottleStates(ctx, hashKeys(keys))
	if err != nil {
		return false, 0, fmt.Errorf("throttle: %w", err)
	}
	now := l.clk.Now()
	for _, s := range states {
		if wait := s.LockedUntil.Sub(now); wait > 0 {
			retryAfter = max(retryAfter, wait)
		}
	}
	return retryAfter == 0, retryAfter, nil
}

// Failure records one failed attempt for each distinct key and locks those
// that reached MaxFailures within Window. Keys already locked are unaffected.
func (l *Limiter) Failure(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	now := l.clk.Now()
	hashed := hashKeys(keys)
	err := l.store.UpdateThrottle(ctx, hashed, func(cur map[string]State) map[string]State {
		next := make(map[string]State, len(hashed))
		for _, k := range hashed {
			next[k] = l.fail(cur[k], now)
		}
		return next
	})
	if err != nil {
		return fmt.Errorf("throttle: record failure: %w", err)
	}
	return nil
}

// fail returns s after one failure at now.
func (l *Limiter) fail(s State, now time.Time) State {
	if now.Before(s.LockedUntil) {
		return s
	}
	// Slide the window: keep only failures less than Window old.
	cutoff := now.Add(-l.cfg.Window)
	kept := make([]time.Time, 0, l.cfg.MaxFailures)
	for _, f := range s.Failures {
		if f.After(cutoff) {
			kept = append(kept, f)
		}
	}
	s.Failures = append(kept, now)
	if len(s.Failures) >= l.cfg.MaxFailures {
		// Lock. Forgive earlier strikes if the last lockout ended long ago.
		if s.Strikes > 0 && !now.Before(s.LockedUntil.Add(l.cfg.MaxLockout)) {
			s.Strikes = 0
		}
		s.Strikes++
		s.LockedUntil = now.Add(l.lockoutFor(s.Strikes))
		s.Failures = nil
	}
	s.ForgetAt = l.forgetAt(s)
	return s
}

// forgetAt is when s stops affecting decisions: its lock is over, its
// failures out of the window and its strikes forgiven.
func (l *Limiter) forgetAt(s State) time.Time {
	at := s.LockedUntil
	if s.Strikes > 0 {
		at = s.LockedUntil.Add(l.cfg.MaxLockout)
	}
	if n := len(s.Failures); n > 0 && s.Failures[n-1].Add(l.cfg.Window).After(at) {
		at = s.Failures[n-1].Add(l.cfg.Window)
	}
	return at
}

// lockoutFor returns Lockout doubled strikes-1 times, capped at MaxLockout,
// without overflowing.
func (l *Limiter) lockoutFor(strikes int) time.Duration {
	d := l.cfg.Lockout
	for i := 1; i < strikes && d < l.cfg.MaxLockout; i++ {
		d *= 2
	}
	return min(d, l.cfg.MaxLockout)
}

// Success forgets everything about keys: failures, lockout and strikes.
// Callers pass only the account key (see the package documentation). It
// writes only when there is something to forget, which is rare: most
// logins succeed at the first attempt.
func (l *Limiter) Success(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	hashed := hashKeys(keys)
	states, err := l.store.ThrottleStates(ctx, hashed)
	if err != nil {
		return fmt.Errorf("throttle: %w", err)
	}
	if len(states) == 0 {
		return nil
	}
	if err := l.store.UpdateThrottle(ctx, hashed, func(map[string]State) map[string]State { return nil }); err != nil {
		return fmt.Errorf("throttle: record success: %w", err)
	}
	return nil
}
