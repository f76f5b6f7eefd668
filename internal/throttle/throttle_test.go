package throttle

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/varco-gate/varco/internal/clock"
)

var t0 = time.Date(2025, 3, 30, 1, 30, 0, 0, time.UTC)

// op is one step of a scenario: it acts on the limiter or the clock, or
// checks the limiter's answer.
type op func(t *testing.T, l *Limiter, c *clock.Fake)

func fail(n int, keys ...string) op {
	return func(t *testing.T, l *Limiter, c *clock.Fake) {
		for range n {
			l.Failure(keys...)
		}
	}
}

func succeed(keys ...string) op {
	return func(t *testing.T, l *Limiter, c *clock.Fake) { l.Success(keys...) }
}

func advance(d time.Duration) op {
	return func(t *testing.T, l *Limiter, c *clock.Fake) { c.Advance(d) }
}

func allowed(keys ...string) op {
	return func(t *testing.T, l *Limiter, c *clock.Fake) {
		t.Helper()
		if ok, wait := l.Allow(keys...); !ok || wait != 0 {
			t.Fatalf("at +%v Allow(%q) = %v, %v; want true, 0", c.Now().Sub(t0), keys, ok, wait)
		}
	}
}

func locked(retry time.Duration, keys ...string) op {
	return func(t *testing.T, l *Limiter, c *clock.Fake) {
		t.Helper()
		if ok, wait := l.Allow(keys...); ok || wait != retry {
			t.Fatalf("at +%v Allow(%q) = %v, %v; want false, %v", c.Now().Sub(t0), keys, ok, wait, retry)
		}
	}
}

// lockCycle fails key until locked, checks the lockout length, and waits it
// out.
func lockCycle(d time.Duration, key string) []op {
	return []op{fail(5, key), locked(d, key), advance(d), allowed(key)}
}

func TestLimiter(t *testing.T) {
	const a, b, ip1, ip2 = "acct:anna@example.it", "acct:bruno@example.it", "ip:192.0.2.1", "ip:192.0.2.2"
	tests := []struct {
		name string
		cfg  Config
		ops  []op
	}{
		{
			name: "unknown keys and no keys are allowed",
			ops:  []op{allowed(a, ip1), allowed()},
		},
		{
			name: "four failures do not lock, the fifth does",
			ops: []op{
				fail(4, a, ip1), allowed(a), allowed(ip1), allowed(a, ip1),
				fail(1, a, ip1), locked(15*time.Minute, a), locked(15*time.Minute, ip1),
				locked(15*time.Minute, a, ip2), locked(15*time.Minute, b, ip1),
			},
		},
		{
			name: "lock expires after Lockout",
			ops: []op{
				fail(5, a), advance(15*time.Minute - time.Second), locked(time.Second, a),
				advance(time.Second), allowed(a),
				// After the lock the allowance is fresh: four more failures pass.
				fail(4, a), allowed(a), fail(1, a), locked(30*time.Minute, a),
			},
		},
		{
			name: "sliding window: failures older than Window stop counting",
			ops: []op{
				fail(1, a), advance(14 * time.Minute), fail(3, a), allowed(a),
				// The first failure is now exactly Window old and drops out.
				advance(time.Minute), fail(1, a), allowed(a),
				fail(1, a), locked(15*time.Minute, a),
			},
		},
		{
			name: "sliding window: no reset at a boundary",
			ops: []op{
				// A fixed 15-minute window opened by the first failure would
				// reset at +15m and let the two failures at +16m through; a
				// sliding one sees 5 failures within 15 minutes.
				fail(1, a), advance(14 * time.Minute), fail(3, a),
				advance(2 * time.Minute), fail(2, a), locked(15*time.Minute, a),
			},
		},
		{
			name: "success resets the account",
			ops: []op{
				fail(4, a), succeed(a), fail(4, a), allowed(a),
				fail(1, a), locked(15*time.Minute, a),
			},
		},
		{
			name: "success does not touch the address key",
			ops: []op{
				fail(4, a, ip1), succeed(a), fail(1, b, ip1),
				allowed(a), allowed(b), locked(15*time.Minute, ip1),
			},
		},
		{
			name: "address limit is independent of accounts (spraying)",
			ops: []op{
				fail(1, "acct:1", ip1), fail(1, "acct:2", ip1), fail(1, "acct:3", ip1),
				fail(1, "acct:4", ip1), fail(1, "acct:5", ip1),
				locked(15*time.Minute, "acct:6", ip1),
				allowed("acct:1", ip2), allowed("acct:5"),
			},
		},
		{
			name: "account limit is independent of addresses (distributed)",
			ops: []op{
				fail(1, a, "ip:1"), fail(1, a, "ip:2"), fail(1, a, "ip:3"),
				fail(1, a, "ip:4"), fail(1, a, "ip:5"),
				locked(15*time.Minute, a, "ip:9"),
				allowed(b, "ip:1"), allowed("ip:5"),
			},
		},
		{
			name: "retryAfter is the longest of the locks",
			ops: []op{
				fail(5, a), advance(5 * time.Minute), fail(5, ip1),
				locked(15*time.Minute, a, ip1), locked(10*time.Minute, a), locked(15*time.Minute, ip1, a),
			},
		},
		{
			name: "a key listed twice fails once",
			ops:  []op{fail(4, a, a), allowed(a), fail(1, a), locked(15*time.Minute, a)},
		},
		{
			name: "failures while locked neither extend nor deepen the lock",
			ops: []op{
				fail(5, a), advance(10 * time.Minute), fail(20, a), locked(5*time.Minute, a),
				advance(5 * time.Minute), allowed(a),
				// 20 ignored failures did not carry over to the next window.
				fail(4, a), allowed(a),
			},
		},
		{
			name: "lockouts double up to MaxLockout",
			ops: concat(
				lockCycle(15*time.Minute, a), lockCycle(30*time.Minute, a),
				lockCycle(time.Hour, a), lockCycle(2*time.Hour, a),
				lockCycle(4*time.Hour, a), lockCycle(8*time.Hour, a),
				lockCycle(16*time.Hour, a), lockCycle(24*time.Hour, a),
				lockCycle(24*time.Hour, a),
			),
		},
		{
			name: "growth disabled when MaxLockout equals Lockout",
			cfg:  Config{MaxLockout: DefaultLockout},
			ops:  concat(lockCycle(15*time.Minute, a), lockCycle(15*time.Minute, a), lockCycle(15*time.Minute, a)),
		},
		{
			name: "success forgives earlier lockouts",
			ops:  concat(lockCycle(15*time.Minute, a), lockCycle(30*time.Minute, a), []op{succeed(a)}, lockCycle(15*time.Minute, a)),
		},
		{
			name: "a quiet MaxLockout forgives earlier lockouts",
			ops: concat(
				lockCycle(15*time.Minute, a), lockCycle(30*time.Minute, a),
				[]op{advance(24*time.Hour - time.Second)}, lockCycle(time.Hour, a),
				[]op{advance(24 * time.Hour)}, lockCycle(15*time.Minute, a),
			),
		},
		{
			name: "custom config",
			cfg:  Config{MaxFailures: 3, Window: time.Minute, Lockout: time.Hour},
			ops: []op{
				fail(2, a), advance(time.Minute), fail(2, a), allowed(a),
				fail(1, a), locked(time.Hour, a),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clock.NewFake(t0)
			l := New(tt.cfg, c)
			for _, o := range tt.ops {
				o(t, l, c)
			}
		})
	}
}

func concat(parts ...[]op) []op {
	var out []op
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestNewDefaults(t *testing.T) {
	tests := []struct {
		name string
		in   Config
		want Config
	}{
		{"zero", Config{}, Config{5, 15 * time.Minute, 15 * time.Minute, 24 * time.Hour, 100_000}},
		{"negative", Config{-1, -1, -1, -1, -1}, Config{5, 15 * time.Minute, 15 * time.Minute, 24 * time.Hour, 100_000}},
		{"kept", Config{3, time.Minute, time.Hour, 2 * time.Hour, 10}, Config{3, time.Minute, time.Hour, 2 * time.Hour, 10}},
		{"MaxLockout raised to Lockout", Config{Lockout: 48 * time.Hour}, Config{5, 15 * time.Minute, 48 * time.Hour, 48 * time.Hour, 100_000}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := New(tt.in, clock.Real{}).Config(); got != tt.want {
				t.Errorf("Config() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMaxKeys(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ops  []op
		len  int
	}{
		{
			name: "oldest unlocked key is forgotten",
			cfg:  Config{MaxKeys: 3},
			ops: []op{
				fail(4, "k1"), fail(1, "k2"), fail(1, "k3"), fail(1, "k4"),
				// k1 was evicted, so its four failures are gone.
				fail(1, "k1"), allowed("k1"),
			},
			len: 3,
		},
		{
			name: "a failure refreshes a key",
			cfg:  Config{MaxKeys: 3},
			ops: []op{
				fail(3, "k1"), fail(1, "k2"), fail(1, "k3"), fail(1, "k1"),
				fail(1, "k4"), // evicts k2, not k1 with its 4 failures
				fail(1, "k1"), locked(15*time.Minute, "k1"),
			},
			len: 3,
		},
		{
			name: "flooding does not evict a locked key",
			cfg:  Config{MaxKeys: 10},
			ops: concat(
				[]op{fail(5, "acct:victim")},
				floodOps(1000),
				[]op{locked(15*time.Minute, "acct:victim")},
			),
			len: 10,
		},
		{
			name: "when all keys are locked the oldest lock goes",
			cfg:  Config{MaxKeys: 2, MaxFailures: 1},
			ops: []op{
				fail(1, "k1"), advance(time.Minute), fail(1, "k2"), advance(time.Minute), fail(1, "k3"),
				allowed("k1"), locked(14*time.Minute, "k2"), locked(15*time.Minute, "k3"),
			},
			len: 2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clock.NewFake(t0)
			l := New(tt.cfg, c)
			for _, o := range tt.ops {
				o(t, l, c)
			}
			if got := l.Len(); got != tt.len {
				t.Errorf("Len() = %d, want %d", got, tt.len)
			}
		})
	}
}

func floodOps(n int) []op {
	ops := make([]op, n)
	for i := range ops {
		ops[i] = fail(1, fmt.Sprintf("ip:198.51.100.%d", i))
	}
	return ops
}

func TestPrune(t *testing.T) {
	const w = 15 * time.Minute
	tests := []struct {
		name      string
		ops       []op
		wantPrune int
		wantLen   int
	}{
		{"empty", nil, 0, 0},
		{"recent failures kept", []op{fail(1, "a", "b")}, 0, 2},
		{"expired failures dropped", []op{fail(1, "a", "b"), advance(w)}, 2, 0},
		{"only expired ones dropped", []op{fail(1, "a"), advance(w / 2), fail(1, "b"), advance(w / 2)}, 1, 1},
		{"locked key kept", []op{fail(5, "a"), advance(w - 1)}, 0, 1},
		// After a lockout the key is remembered for MaxLockout so that the
		// next lockout can be longer.
		{"strikes kept", []op{fail(5, "a"), advance(w), advance(24*time.Hour - 1)}, 0, 1},
		{"strikes forgiven", []op{fail(5, "a"), advance(w), advance(24 * time.Hour)}, 1, 0},
		{"success removes", []op{fail(5, "a"), succeed("a")}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := clock.NewFake(t0)
			l := New(Config{}, c)
			for _, o := range tt.ops {
				o(t, l, c)
			}
			if got := l.Prune(); got != tt.wantPrune {
				t.Errorf("Prune() = %d, want %d", got, tt.wantPrune)
			}
			if got := l.Len(); got != tt.wantLen {
				t.Errorf("Len() = %d, want %d", got, tt.wantLen)
			}
		})
	}
}

// TestLazyPrune checks that ordinary calls shed stale keys without Prune.
func TestLazyPrune(t *testing.T) {
	c := clock.NewFake(t0)
	l := New(Config{}, c)
	for i := range 10 {
		l.Failure(fmt.Sprint("ip:", i))
	}
	for range 5 {
		l.Failure("acct:locked")
	}
	c.Advance(DefaultWindow)
	for range 5 {
		l.Allow("acct:other")
	}
	// The locked key's strikes are still remembered; the rest are gone.
	if got := l.Len(); got != 1 {
		t.Fatalf("Len() = %d after lazy pruning, want 1", got)
	}
	c.Advance(DefaultMaxLockout)
	l.Allow()
	if got := l.Len(); got != 0 {
		t.Fatalf("Len() = %d after strikes expired, want 0", got)
	}
}

// TestConcurrent hammers one limiter from many goroutines; run with -race.
// Afterwards the limits must still hold.
func TestConcurrent(t *testing.T) {
	c := clock.NewFake(t0)
	l := New(Config{MaxKeys: 50}, c)
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for i := range 500 {
				acct := fmt.Sprint("acct:", (g+i)%40)
				ip := fmt.Sprint("ip:", i%30)
				switch i % 7 {
				case 0:
					l.Success(acct)
				case 1:
					c.Advance(time.Second)
				case 2:
					if g == 0 {
						l.Prune()
					}
				default:
					if ok, _ := l.Allow(acct, ip); ok {
						l.Failure(acct, ip)
					}
				}
				_ = l.Len()
			}
		})
	}
	wg.Wait()
	if n := l.Len(); n > 50 {
		t.Fatalf("Len() = %d exceeds MaxKeys", n)
	}
	// The limiter still works after the storm.
	l.Failure("acct:new", "acct:new")
	for range 4 {
		l.Failure("acct:new")
	}
	if ok, _ := l.Allow("acct:new"); ok {
		t.Fatal("limiter no longer locks after concurrent use")
	}
}

func BenchmarkAllow(b *testing.B) {
	l := New(Config{}, clock.NewFake(t0))
	for i := range 10_000 {
		l.Failure(fmt.Sprint("acct:", i), fmt.Sprint("ip:", i%500))
	}
	b.Run("miss", func(b *testing.B) {
		for b.Loop() {
			l.Allow("acct:nobody", "ip:203.0.113.1")
		}
	})
	b.Run("hit", func(b *testing.B) {
		for b.Loop() {
			l.Allow("acct:42", "ip:42")
		}
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				l.Allow("acct:42", "ip:42")
			}
		})
	})
}
