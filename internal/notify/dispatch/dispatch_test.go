package dispatch_test

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/notify/dispatch"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/store/sqlite"
)

type recorder struct {
	mu        sync.Mutex
	emails    []string
	pushes    []string
	forgotten []string
	emailErrs []error // consumed in order; nil = success
	pushErrs  []error
}

func (r *recorder) channels() dispatch.Channels {
	return dispatch.Channels{
		Email: func(_ context.Context, e notify.Email) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			if len(r.emailErrs) > 0 {
				err := r.emailErrs[0]
				r.emailErrs = r.emailErrs[1:]
				if err != nil {
					return err
				}
			}
			r.emails = append(r.emails, e.MessageID)
			return nil
		},
		Push: func(_ context.Context, p notify.Push) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			if len(r.pushErrs) > 0 {
				err := r.pushErrs[0]
				r.pushErrs = r.pushErrs[1:]
				if err != nil {
					return err
				}
			}
			r.pushes = append(r.pushes, p.Subscription.ID)
			return nil
		},
		Forget: func(_ context.Context, id string) error {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.forgotten = append(r.forgotten, id)
			return nil
		},
	}
}

// renderer sends every message by e-mail and to one push subscription.
type renderer struct{}

func (renderer) Deliveries(_ context.Context, m outbox.Claimed) ([]dispatch.Delivery, error) {
	return []dispatch.Delivery{
		{Key: "email", Email: &notify.Email{To: "mario@example.it", MessageID: m.ID}},
		{Key: "push:sub-1", Push: &notify.Push{Subscription: notify.Subscription{ID: "sub-1"}}},
	}, nil
}

type env struct {
	db  *sqlite.DB
	clk *clock.Fake
	rec *recorder
	d   *dispatch.Dispatcher
}

func setup(t *testing.T, cfg dispatch.Config) env {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir()+"/varco.db", sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	clk := clock.NewFake(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	rec := &recorder{}
	cfg.Jitter = func() float64 { return 0 }
	return env{db: db, clk: clk, rec: rec, d: dispatch.New(cfg, db, renderer{}, rec.channels(), clk, slog.New(slog.DiscardHandler))}
}

func (e env) enqueue(t *testing.T, due time.Time) string {
	t.Helper()
	id := uuid.NewString()
	require.NoError(t, e.db.InTx(context.Background(), func(tx booking.Tx) error {
		return tx.Enqueue(context.Background(), outbox.Message{ID: id, Kind: outbox.KindBookingReminder, SubjectKey: "booking:x",
			Payload: []byte(`{}`), DueAt: due, CreatedAt: e.clk.Now()})
	}))
	return id
}

func (e env) status(t *testing.T, id string) (int, int) {
	t.Helper()
	st, attempts, _, err := e.db.OutboxStatus(context.Background(), id)
	require.NoError(t, err)
	return st, attempts
}

func TestHappyPathSendsOnce(t *testing.T) {
	t.Parallel()
	e := setup(t, dispatch.Config{})
	id := e.enqueue(t, e.clk.Now())
	later := e.enqueue(t, e.clk.Now().Add(time.Hour))
	n, err := e.d.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, n, "only the message that is due")
	n, err = e.d.RunOnce(context.Background())
	require.NoError(t, err)
	require.Zero(t, n, "no duplicate")
	require.Equal(t, []string{id}, e.rec.emails)
	require.Equal(t, []string{"sub-1"}, e.rec.pushes)
	st, _ := e.status(t, id)
	require.Equal(t, 1, st)

	e.clk.Advance(time.Hour) // the scheduled message becomes due
	n, err = e.d.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, []string{id, later}, e.rec.emails)
}

func TestRetryResendsOnlyWhatFailed(t *testing.T) {
	t.Parallel()
	e := setup(t, dispatch.Config{BaseBackoff: 30 * time.Second})
	e.rec.pushErrs = []error{&notify.RetryError{After: 2 * time.Minute, Err: errors.New("429")}}
	id := e.enqueue(t, e.clk.Now())
	_, err := e.d.RunOnce(context.Background())
	require.NoError(t, err)
	require.Len(t, e.rec.emails, 1)
	require.Empty(t, e.rec.pushes)
	st, attempts := e.status(t, id)
	require.Equal(t, 0, st, "still pending")
	require.Equal(t, 1, attempts)

	e.clk.Advance(time.Minute) // Retry-After (2m) outranks the 15-30s backoff
	n, err := e.d.RunOnce(context.Background())
	require.NoError(t, err)
	require.Zero(t, n)
	e.clk.Advance(time.Minute + time.Second)
	n, err = e.d.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Len(t, e.rec.emails, 1, "the e-mail that went out is not sent again")
	require.Equal(t, []string{"sub-1"}, e.rec.pushes)
}

func TestGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	e := setup(t, dispatch.Config{MaxAttempts: 3, BaseBackoff: time.Second, MaxBackoff: time.Minute})
	for range 3 {
		e.rec.emailErrs = append(e.rec.emailErrs, &notify.RetryError{Err: errors.New("smtp down")})
	}
	id := e.enqueue(t, e.clk.Now())
	for range 3 {
		_, err := e.d.RunOnce(context.Background())
		require.NoError(t, err)
		e.clk.Advance(time.Minute)
	}
	st, attempts := e.status(t, id)
	require.Equal(t, 2, st, "recorded as failed")
	require.Equal(t, 3, attempts)
	_, _, lastErr, err := e.db.OutboxStatus(context.Background(), id)
	require.NoError(t, err)
	require.Contains(t, lastErr, "smtp down")
}

func TestGoneSubscriptionIsForgotten(t *testing.T) {
	t.Parallel()
	e := setup(t, dispatch.Config{})
	e.rec.pushErrs = []error{notify.ErrGone}
	id := e.enqueue(t, e.clk.Now())
	n, err := e.d.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, []string{"sub-1"}, e.rec.forgotten)
	st, _ := e.status(t, id)
	require.Equal(t, 1, st)
}

// A dispatcher that claimed a message and died leaves it leased; after the
// lease another dispatcher delivers it, once.
func TestCrashedClaimIsDeliveredAfterTheLease(t *testing.T) {
	t.Parallel()
	e := setup(t, dispatch.Config{Lease: time.Minute})
	id := e.enqueue(t, e.clk.Now())
	_, err := e.db.ClaimDue(context.Background(), e.clk.Now(), time.Minute, 10) // then "crash"
	require.NoError(t, err)
	n, err := e.d.RunOnce(context.Background())
	require.NoError(t, err)
	require.Zero(t, n, "leased elsewhere")
	e.clk.Advance(time.Minute + time.Second)
	n, err = e.d.RunOnce(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Equal(t, []string{id}, e.rec.emails)
}

// renewals wraps the store to tell the test each time a lease renewal
// has been written.
type renewals struct {
	*sqlite.DB
	done chan time.Time
}

func (r renewals) ExtendLeases(ctx context.Context, ids []string, now, until time.Time) error {
	err := r.DB.ExtendLeases(ctx, ids, now, until)
	if err == nil && len(ids) > 0 {
		select {
		case r.done <- now:
		default:
		}
	}
	return err
}

// A send that outlasts the lease keeps its claim: the dispatcher renews it
// while the send is under way, so another dispatcher does not send the
// same message meanwhile; once the sender stops renewing (it finished or
// died) the lease runs out within one Lease.
func TestLeaseRenewedWhileSending(t *testing.T) {
	t.Parallel()
	const lease = 300 * time.Millisecond // real time: the renewal ticker's period is lease/3
	e := setup(t, dispatch.Config{})
	id := e.enqueue(t, e.clk.Now())
	store := renewals{DB: e.db, done: make(chan time.Time, 1)}
	release := make(chan struct{})
	entered := make(chan struct{})
	slow := dispatch.Channels{
		Email: func(ctx context.Context, _ notify.Email) error {
			close(entered)
			<-release
			return nil
		},
		Push: func(context.Context, notify.Push) error { return nil },
	}
	d := dispatch.New(dispatch.Config{Lease: lease, Jitter: func() float64 { return 0 }}, store, renderer{}, slow, e.clk, slog.New(slog.DiscardHandler))
	sent := make(chan error, 1)
	go func() {
		_, err := d.RunOnce(context.Background())
		sent <- err
	}()
	<-entered
	// Time moves on by the renewal period, each step once the renewal
	// has been written, to twice the original lease: the message stays
	// with the slow sender all along.
	for range 6 {
		e.clk.Advance(lease / 3)
		for renewed := false; !renewed; { // wait for a renewal written at the advanced time
			select {
			case at := <-store.done:
				renewed = !at.Before(e.clk.Now())
			case <-time.After(10 * time.Second):
				t.Fatal("the lease of a message being sent was not renewed")
			}
		}
		got, err := e.db.ClaimDue(context.Background(), e.clk.Now(), lease, 10)
		require.NoError(t, err)
		require.Empty(t, got, "a message being sent was claimed again")
	}
	close(release)
	require.NoError(t, <-sent)
	st, _ := e.status(t, id)
	require.Equal(t, 1, st, "sent once")
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		attempt int
		j       float64
		want    time.Duration
	}{
		{1, 0, 15 * time.Second}, {1, 1, 30 * time.Second}, {2, 0, 30 * time.Second}, {3, 0.5, 90 * time.Second},
		{20, 0, 30 * time.Minute},
	} {
		require.Equal(t, tt.want, dispatch.Backoff(30*time.Second, time.Hour, tt.attempt, tt.j), "attempt %d", tt.attempt)
	}
}

// BenchmarkDispatch measures the outbox's own cost per message — claim,
// render, send through no-op channels, record — in batches of 100, so it
// can be read against the channel benchmarks (BenchmarkSend in
// notify/email and notify/push) measured the same way.
func BenchmarkDispatch(b *testing.B) {
	db, err := sqlite.Open(context.Background(), b.TempDir()+"/varco.db", sqlite.Options{Logger: slog.New(slog.DiscardHandler)})
	require.NoError(b, err)
	defer db.Close()
	clk := clock.NewFake(time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC))
	noop := dispatch.Channels{
		Email:  func(context.Context, notify.Email) error { return nil },
		Push:   func(context.Context, notify.Push) error { return nil },
		Forget: func(context.Context, string) error { return nil },
	}
	d := dispatch.New(dispatch.Config{Batch: 100}, db, renderer{}, noop, clk, slog.New(slog.DiscardHandler))
	ctx := context.Background()
	const batch = 100
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		require.NoError(b, db.InTx(ctx, func(tx booking.Tx) error {
			for range batch {
				if err := tx.Enqueue(ctx, outbox.Message{ID: uuid.NewString(), Kind: outbox.KindBookingReminder, Payload: []byte(`{}`),
					DueAt: clk.Now(), CreatedAt: clk.Now()}); err != nil {
					return err
				}
			}
			return nil
		}))
		b.StartTimer()
		if n, err := d.RunOnce(ctx); err != nil || n != batch {
			b.Fatalf("dispatched %d: %v", n, err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "msgs/s")
}
