// Package throttle slows down password guessing by locking out keys (an
// account, a client address) after repeated login failures.
//
// The caller checks every key involved in an attempt before doing any
// expensive work, and reports the outcome afterwards:
//
//	acct, ip := "acct:"+normalizedLogin, "ip:"+clientNet
//	if ok, wait := lim.Allow(acct, ip); !ok {
//		// reject with 429 / RESOURCE_EXHAUSTED and Retry-After: wait (rounded up)
//	}
//	if passwordOK {
//		lim.Success(acct) // the account key only, never the address key
//	} else {
//		lim.Failure(acct, ip)
//	}
//
// The account key stops a distributed attack on one account; the address key
// stops one client from spraying guesses over many accounts. Success must not
// clear the address key: otherwise an attacker who owns one valid account
// could reset its counter between guesses at other people's passwords. For
// IPv6 clients the caller should use the /64 network as the key, since a
// single client usually controls a whole /64.
//
// State lives in memory, per process, and is bounded by Config.MaxKeys. It is
// a speed bump for online guessing, not a security boundary: argon2id and
// password strength are what protect the hashes.
package throttle

import (
	"container/list"
	"slices"
	"sync"
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
	// MaxKeys bounds the number of keys tracked, and so the memory used
	// (a few hundred bytes per key, plus the key itself). When full, the least
	// recently failed unlocked key is forgotten. Default 100,000.
	MaxKeys int
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
	// DefaultMaxKeys is the default Config.MaxKeys.
	DefaultMaxKeys = 100_000
)

// pruneBudget is how many stale keys each call may drop from the tails of
// the LRU lists: enough that the maps shrink as fast as they grow, small
// enough that no single call does unbounded work.
const pruneBudget = 2

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
// A Limiter is safe for concurrent use. It starts no goroutines: expired
// state is dropped a little at a time on each call, and all at once by Prune.
type Limiter struct {
	cfg Config
	clk clock.Clock

	mu      sync.Mutex
	entries map[string]*entry
	// Two LRU lists, most recent at the front. Keeping locked keys apart
	// lets eviction prefer unlocked ones: otherwise an attacker could evict
	// a locked account, and so unlock it, by failing on MaxKeys other keys.
	active list.List // unlocked keys, ordered by last failure
	locked list.List // keys that were locked, ordered by when they were locked
}

type entry struct {
	key string
	// failures holds the times of recent failures, oldest first, at most
	// MaxFailures of them; older ones are dropped as they leave the window.
	failures []time.Time
	// lockedUntil is the end of the current or last lockout (zero if never).
	lockedUntil time.Time
	// strikes counts lockouts since the key was last forgiven.
	strikes int
	elem    *list.Element
	list    *list.List // active or locked, whichever holds elem
}

// New returns a Limiter with cfg's zero fields set to the defaults, reading
// time from clk.
func New(cfg Config, clk clock.Clock) *Limiter {
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
	if cfg.MaxKeys <= 0 {
		cfg.MaxKeys = DefaultMaxKeys
	}
	return &Limiter{cfg: cfg, clk: clk, entries: make(map[string]*entry)}
}

// Config returns the effective configuration, defaults applied.
func (l *Limiter) Config() Config { return l.cfg }

// Allow reports whether an attempt involving all of keys may proceed. If any
// key is locked, ok is false and retryAfter is the time until the last of the
// locks on keys ends. Allow records nothing.
func (l *Limiter) Allow(keys ...string) (ok bool, retryAfter time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// Read the clock under the lock so that failures are recorded in
	// non-decreasing time order, which fail and stale rely on.
	now := l.clk.Now()
	l.pruneSome(now)
	for _, k := range keys {
		e := l.entries[k]
		if e == nil {
			continue
		}
		if wait := e.lockedUntil.Sub(now); wait > 0 {
			retryAfter = max(retryAfter, wait)
		}
	}
	return retryAfter == 0, retryAfter
}

// Failure records one failed attempt for each distinct key and locks those
// that reached MaxFailures within Window. Keys already locked are unaffected.
func (l *Limiter) Failure(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	// Read the clock under the lock so that failures are recorded in
	// non-decreasing time order, which fail and stale rely on.
	now := l.clk.Now()
	l.pruneSome(now)
	for i, k := range keys {
		if slices.Contains(keys[:i], k) {
			continue // one attempt is one failure, however the caller lists keys
		}
		l.fail(k, now)
	}
}

func (l *Limiter) fail(k string, now time.Time) {
	e := l.entries[k]
	if e == nil {
		if len(l.entries) >= l.cfg.MaxKeys {
			l.evictOne()
		}
		e = &entry{key: k}
		l.entries[k] = e
	}
	if now.Before(e.lockedUntil) {
		return
	}
	// Slide the window: keep only failures less than Window old.
	cutoff := now.Add(-l.cfg.Window)
	drop := 0
	for drop < len(e.failures) && !e.failures[drop].After(cutoff) {
		drop++
	}
	e.failures = append(e.failures[:0], e.failures[drop:]...)
	e.failures = append(e.failures, now)

	if len(e.failures) < l.cfg.MaxFailures {
		l.moveToFront(e, &l.active)
		return
	}
	// Lock. Forgive earlier strikes if the last lockout ended long ago.
	if e.strikes > 0 && !now.Before(e.lockedUntil.Add(l.cfg.MaxLockout)) {
		e.strikes = 0
	}
	e.strikes++
	e.lockedUntil = now.Add(l.lockoutFor(e.strikes))
	e.failures = e.failures[:0]
	l.moveToFront(e, &l.locked)
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
// Callers pass only the account key (see the package documentation).
func (l *Limiter) Success(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range keys {
		if e := l.entries[k]; e != nil {
			l.remove(e)
		}
	}
}

// Prune drops every key that no longer affects any decision (not locked, no
// failure within Window, strikes forgiven) and returns how many it dropped.
// Calling it is optional, e.g. from a periodic maintenance job; the Limiter
// also prunes a little on every call and never exceeds MaxKeys.
func (l *Limiter) Prune() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	// Read the clock under the lock so that failures are recorded in
	// non-decreasing time order, which fail and stale rely on.
	now := l.clk.Now()
	n := 0
	for _, e := range l.entries {
		if l.stale(e, now) {
			l.remove(e)
			n++
		}
	}
	return n
}

// Len returns the number of keys currently tracked.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries)
}

// stale reports whether e can be dropped without changing any future
// decision.
func (l *Limiter) stale(e *entry, now time.Time) bool {
	if now.Before(e.lockedUntil) {
		return false
	}
	if n := len(e.failures); n > 0 && e.failures[n-1].After(now.Add(-l.cfg.Window)) {
		return false
	}
	return e.strikes == 0 || !now.Before(e.lockedUntil.Add(l.cfg.MaxLockout))
}

// pruneSome drops up to pruneBudget stale keys from the least recent ends of
// the lists. It is best effort (a non-stale tail hides stale keys behind it);
// Prune is exhaustive.
func (l *Limiter) pruneSome(now time.Time) {
	for range pruneBudget {
		dropped := false
		for _, lst := range []*list.List{&l.active, &l.locked} {
			if back := lst.Back(); back != nil {
				if e := back.Value.(*entry); l.stale(e, now) {
					l.remove(e)
					dropped = true
				}
			}
		}
		if !dropped {
			return
		}
	}
}

// evictOne makes room for a new key: the least recently failed unlocked key
// goes first; only if every key was locked does the least recently locked one
// go (that is the key whose lock is most likely to have expired).
func (l *Limiter) evictOne() {
	back := l.active.Back()
	if back == nil {
		back = l.locked.Back()
	}
	if back != nil {
		l.remove(back.Value.(*entry))
	}
}

func (l *Limiter) moveToFront(e *entry, to *list.List) {
	if e.list == to {
		to.MoveToFront(e.elem)
		return
	}
	if e.list != nil {
		e.list.Remove(e.elem)
	}
	e.elem = to.PushFront(e)
	e.list = to
}

func (l *Limiter) remove(e *entry) {
	if e.list != nil {
		e.list.Remove(e.elem)
	}
	delete(l.entries, e.key)
}
