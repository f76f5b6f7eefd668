package dispatch_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/notify/dispatch"
	"github.com/varco-gate/varco/internal/outbox"
)

// memStore is an outbox in memory that records when each message was
// claimed (in the synctest bubble's time).
type memStore struct {
	mu      sync.Mutex
	pending []outbox.Message
	claimed map[string]time.Time
}

func (s *memStore) add(m outbox.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pending = append(s.pending, m)
}

func (s *memStore) claimedAt(id string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.claimed[id]
	return t, ok
}

func (s *memStore) ClaimDue(_ context.Context, now time.Time, _ time.Duration, limit int) ([]outbox.Claimed, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []outbox.Claimed
	rest := s.pending[:0]
	for _, m := range s.pending {
		if !m.DueAt.After(now) && len(out) < limit {
			out = append(out, outbox.Claimed{Message: m})
			s.claimed[m.ID] = time.Now()
			continue
		}
		rest = append(rest, m)
	}
	s.pending = rest
	return out, nil
}

func (s *memStore) NextDue(_ context.Context, now time.Time) (time.Time, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var next time.Time
	for _, m := range s.pending {
		if m.DueAt.After(now) && (next.IsZero() || m.DueAt.Before(next)) {
			next = m.DueAt
		}
	}
	return next, !next.IsZero(), nil
}

func (s *memStore) RecordProgress(context.Context, string, []string) error { return nil }
func (s *memStore) MarkSent(context.Context, string, time.Time) error      { return nil }
func (s *memStore) MarkRetry(context.Context, string, time.Time, int, string) error {
	return nil
}
func (s *memStore) MarkFailed(context.Context, string, int, string, time.Time) error { return nil }
func (s *memStore) ExtendLeases(context.Context, []string, time.Time, time.Time) error {
	return nil
}

// nothing renders every message into no delivery: it is simply done.
type nothing struct{}

func (nothing) Deliveries(context.Context, outbox.Claimed) ([]dispatch.Delivery, error) {
	return nil, nil
}

// A message is claimed at its due time, not at the next poll after it:
// whether the store knew it at the last run or this process has just
// written it (the alarm); a message due now is claimed at once.
func TestDispatcherWakesAtDueTime(t *testing.T) {
	t.Parallel()
	const interval = 500 * time.Millisecond
	for _, tc := range []struct {
		name    string
		written time.Duration // after the start; 0: before it
		due     time.Duration // after the start
		alarm   bool
	}{
		{"known to the store", 0, 1234 * time.Millisecond, false},
		{"known to the store, hours ahead", 0, 2*time.Hour + 17*time.Millisecond, false},
		{"written by this process", 100 * time.Millisecond, 300 * time.Millisecond, true},
		{"written by this process, due at once", 120 * time.Millisecond, 120 * time.Millisecond, true},
		{"written by another process: the poll finds it", 100 * time.Millisecond, 200 * time.Millisecond, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				store := &memStore{claimed: map[string]time.Time{}}
				alarm := outbox.NewAlarm()
				msg := outbox.Message{ID: "m1", Kind: outbox.KindTicketExpiryWarning, DueAt: start.Add(tc.due)}
				if tc.written == 0 {
					store.add(msg)
				}
				d := dispatch.New(dispatch.Config{Interval: interval, Alarm: alarm}, store, nothing{}, dispatch.Channels{},
					clock.Real{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
				d.Start(context.Background())
				defer d.Stop()
				if tc.written > 0 {
					time.Sleep(tc.written) // the bubble's clock: no real wait
					store.add(msg)
					if tc.alarm {
						alarm.Set(msg.DueAt)
					}
				}
				time.Sleep(tc.due + time.Second)
				synctest.Wait()
				at, ok := store.claimedAt("m1")
				require.True(t, ok, "never claimed")
				want := msg.DueAt
				if !tc.alarm && tc.written > 0 {
					// Another process's message: the first poll after it.
					want = start.Add(interval)
				}
				require.Equal(t, want, at, "claimed %v after its due time", at.Sub(msg.DueAt))
			})
		})
	}
}
