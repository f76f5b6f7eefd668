package throttle

import (
	"context"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/varco-gate/varco/internal/clock"
)

var t0 = time.Date(2025, 3, 30, 1, 30, 0, 0, time.UTC)

// memStore keeps states in a map and, like the database's hourly prune
// but at every call, drops every state whose ForgetAt has come: the
// scenarios' decisions must not change, or ForgetAt was too early.
type memStore struct {
	mu     sync.Mutex
	clk    clock.Clock
	states map[string]State
}

func (m *memStore) prune() {
	for k, s := range m.states {
		if !m.clk.Now().Before(s.ForgetAt) {
			delete(m.states, k)
		}
	}
}

func (m *memStore) ThrottleStates(_ context.Context, keys []string) (map[string]State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prune()
	out := map[string]State{}
	for _, k := range keys {
		if s, ok := m.states[k]; ok {
			out[k] = s
		}
	}
	return out, nil
}

func (m *memStore) UpdateThrottle(_ context.Context, keys []string, update func(map[string]State) map[string]State) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.prune()
	cur := map[string]State{}
	for _, k := range keys {
		if s, ok := m.states[k]; ok {
			cur[k] = s
		}
	}
	next := update(maps.Clone(cur))
	for _, k := range keys {
		delete(m.states, k)
		if s, ok := next[k]; ok {
			m.states[k] = s
		}
	}
	return nil
}

// op is one step of a scenario: it acts on the limiter or the clock, or
// checks the limiter's answer.
type op func(t *testing.T, l *Limiter, c *clock.Fake)

func fail(n int, keys ...string) op {
	return func(t *testing.T, l *Limiter, c *clock.Fake) {
		for range n {
			if err := l.Failure(context.Background(), keys...); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func succeed(keys ...string) op {
	return func(t *testing.T, l *Limiter, c *clock.Fake) {
		if err := l.Success(context.Background(), keys...); err != nil {
			t.Fatal(err)
		}
	}
}

func advance(d time.Duration) op {
	return func(t *testing.T, l *Limiter, c *clock.Fake) { c.Advance(d) }
}

func allowed(keys ...string) op {
	return func(t *testing.T, l *Limiter, c *clock.Fake) {
		t.Helper()
		if ok, wait, err := l.Allow(context.Background(), keys...); err != nil || !ok || wait != 0 {
			t.Fatalf("at +%v Allow(%q) = %v, %v, %v; want true, 0", c.Now().Sub(t0), keys, ok, wait, err)
		}
	}
}

func locked(retry time.Duration, keys ...string) op {
	return func(t *testing.T, l *Limiter, c *clock.Fake) {
		t.Helper()
		if ok, wait, err := l.Allow(context.Background(), keys...); err != nil || ok || wait != retry {
			t.Fatalf("at +%v Allow(%q) = %v, %v, %v; want false, %v", c.Now().Sub(t0), keys, ok, wait, err, retry)
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
			l := New(tt.cfg, &memStore{clk: c, states: map[string]State{}}, c)
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
		{"zero", Config{}, Config{5, 15 * time.Minute, 15 * time.Minute, 24 * time.Hour}},
		{"negative", Config{-1, -1, -1, -1}, Config{5, 15 * time.Minute, 15 * time.Minute, 24 * time.Hour}},
		{"kept", Config{3, time.Minute, time.Hour, 2 * time.Hour}, Config{3, time.Minute, time.Hour, 2 * time.Hour}},
		{"MaxLockout raised to Lockout", Config{Lockout: 48 * time.Hour}, Config{5, 15 * time.Minute, 48 * time.Hour, 48 * time.Hour}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := New(tt.in, nil, clock.Real{}).Config(); got != tt.want {
				t.Errorf("Config() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// Keys reach the store hashed: no login e-mail or address at rest.
func TestKeysAreHashed(t *testing.T) {
	c := clock.NewFake(t0)
	st := &memStore{clk: c, states: map[string]State{}}
	l := New(Config{}, st, c)
	if err := l.Failure(context.Background(), "acct:login:anna@example.it", "ip:192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	if len(st.states) != 2 {
		t.Fatalf("%d states, want 2", len(st.states))
	}
	for k := range st.states {
		if len(k) != 64 {
			t.Errorf("stored key %q is not a SHA-256", k)
		}
	}
}
