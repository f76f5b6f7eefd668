// Package dispatch delivers outbox messages. A message row is written in
// the same transaction as the change that causes it; the dispatcher leases
// due rows, renders them into e-mails and push messages, sends them,
// records per-channel progress, and retries with exponential backoff and
// jitter until a limit, after which the failure is recorded. A crash
// between sending and recording means a resend after the lease expires
// (at-least-once); the Message-ID and push topic are stable per message so
// receivers can collapse the duplicate.
package dispatch

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/outbox"
)

// Store is the outbox as the dispatcher sees it.
type Store interface {
	ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]outbox.Claimed, error)
	RecordProgress(ctx context.Context, id string, progress []string) error
	MarkSent(ctx context.Context, id string, at time.Time) error
	MarkRetry(ctx context.Context, id string, next time.Time, attempts int, lastErr string) error
	MarkFailed(ctx context.Context, id string, attempts int, lastErr string, at time.Time) error
	// ExtendLeases moves the leases of messages still being delivered
	// (pending and leased at now) to until.
	ExtendLeases(ctx context.Context, ids []string, now, until time.Time) error
	// NextDue is the earliest due time after now of a pending message.
	NextDue(ctx context.Context, now time.Time) (time.Time, bool, error)
}

// Delivery is one channel's part of a message.
type Delivery struct {
	// Key identifies the channel in the message's progress: "email",
	// "push:<subscription id>", "webhook" or "io".
	Key     string
	Email   *notify.Email
	Push    *notify.Push
	Webhook *notify.Webhook
	IO      *notify.IOMessage
}

// Renderer turns a message into deliveries; none when there is nothing to
// send any more (e.g. the booking was anonymized).
type Renderer interface {
	Deliveries(ctx context.Context, m outbox.Claimed) ([]Delivery, error)
}

// Channels send deliveries.
type Channels struct {
	Email func(ctx context.Context, e notify.Email) error
	Push  func(ctx context.Context, p notify.Push) error
	// Forget deletes a push subscription its service says is gone.
	Forget func(ctx context.Context, subscriptionID string) error
	// Webhook posts an event to an organization's endpoint.
	Webhook func(ctx context.Context, w notify.Webhook) error
	// IO sends an App IO message.
	IO func(ctx context.Context, m notify.IOMessage) error
}

// Config tunes the dispatcher. Zero values take the defaults.
type Config struct {
	// Interval between polls, the fallback for messages other processes
	// write: the dispatcher also wakes at the earliest due time it knows
	// of (from the store after each run, and from Alarm), so a scheduled
	// message is claimed at its due time. Default 500ms.
	Interval time.Duration
	// Alarm, when set, tells of messages this process has just written.
	Alarm *outbox.Alarm
	// Batch is the most messages claimed per poll. Default 100.
	Batch int
	// Lease is how long a claimed message is reserved before another
	// dispatcher may take it. While it is being delivered the dispatcher
	// renews it every Lease/3, so a send may take longer than Lease, and
	// the messages of a process that dies are taken over within Lease.
	// Default 15 seconds.
	Lease time.Duration
	// MaxAttempts before a message is recorded as failed. Default 8.
	MaxAttempts int
	// BaseBackoff and MaxBackoff bound the exponential backoff. Defaults
	// 30 seconds and 1 hour.
	BaseBackoff, MaxBackoff time.Duration
	// SendTimeout bounds one delivery. Default 30 seconds.
	SendTimeout time.Duration
	// Workers send messages of a batch in parallel. Default 4.
	Workers int
	// Jitter returns a number in [0,1); default math/rand/v2 (tests pass a
	// fixed one).
	Jitter func() float64
	// Observe, when set, is told the outcome of every delivery attempt
	// with its channel (Delivery.Channel), for metrics.
	Observe func(channel string, o Outcome)
}

// Outcome is what one delivery attempt came to.
type Outcome string

// Outcomes of a delivery attempt.
const (
	// Delivered: the channel accepted the message.
	Delivered Outcome = "delivered"
	// Temporary: the send failed and will be retried.
	Temporary Outcome = "temporary"
	// Permanent: the send failed for good on this channel.
	Permanent Outcome = "permanent"
	// Gone: the push service says the subscription no longer exists.
	Gone Outcome = "gone"
)

// Channel names the channel of d: "email", "push", "webhook" or "io".
func (d Delivery) Channel() string {
	switch {
	case d.Email != nil:
		return "email"
	case d.Push != nil:
		return "push"
	case d.Webhook != nil:
		return "webhook"
	case d.IO != nil:
		return "io"
	}
	return ""
}

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.Interval, 500*time.Millisecond)
	def(&c.Lease, DefaultLease)
	def(&c.BaseBackoff, 30*time.Second)
	def(&c.MaxBackoff, time.Hour)
	def(&c.SendTimeout, 30*time.Second)
	if c.Batch <= 0 {
		c.Batch = 100
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 8
	}
	if c.Workers <= 0 {
		c.Workers = 4
	}
	if c.Jitter == nil {
		// Random, so that retries after an outage spread out instead of
		// all hitting the recovering server at once.
		c.Jitter = rand.Float64
	}
	return c
}

// DefaultLease is Config.Lease's default: short, since it is renewed while
// a delivery is under way, so that a dead replica's claimed messages are
// sent by another within seconds.
const DefaultLease = 15 * time.Second

// Dispatcher delivers outbox messages in the background.
type Dispatcher struct {
	cfg      Config
	store    Store
	render   Renderer
	channels Channels
	clk      clock.Clock
	log      *slog.Logger
	stop     context.CancelFunc
	done     sync.WaitGroup
}

// New returns a dispatcher; Start runs it.
func New(cfg Config, s Store, r Renderer, ch Channels, clk clock.Clock, log *slog.Logger) *Dispatcher {
	return &Dispatcher{cfg: cfg.withDefaults(), store: s, render: r, channels: ch, clk: clk, log: log}
}

// Start delivers due messages until Stop or ctx ends: at once, then at
// the earliest due time it knows of and at least every Interval.
func (d *Dispatcher) Start(ctx context.Context) {
	ctx, d.stop = context.WithCancel(ctx)
	d.done.Go(func() { d.run(ctx) })
}

// Stop ends the dispatcher and waits for sends in flight. It is safe to
// call on a dispatcher never started.
func (d *Dispatcher) Stop() {
	if d.stop != nil {
		d.stop()
	}
	d.done.Wait()
}

// run is Start's loop. wake fires at next: the earliest of the next poll,
// the next due message the store knows and the alarm's latest news.
func (d *Dispatcher) run(ctx context.Context) {
	var alarm <-chan struct{}
	if d.cfg.Alarm != nil {
		alarm = d.cfg.Alarm.C()
	}
	wake := time.NewTimer(0)
	defer wake.Stop()
	next := d.clk.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-alarm:
			if due, ok := d.cfg.Alarm.Take(); ok && due.Before(next) {
				next = due
				wake.Reset(max(due.Sub(d.clk.Now()), 0))
			}
			continue
		case <-wake.C:
		}
		claimed, _, err := d.runOnce(ctx)
		if err != nil && !errors.Is(err, context.Canceled) && ctx.Err() == nil {
			d.log.Error("outbox dispatch failed", slog.Any("err", err))
		}
		now := d.clk.Now()
		next = now.Add(d.cfg.Interval)
		if claimed == d.cfg.Batch {
			next = now // a full batch: more may be due already
		} else if due, ok, err := d.store.NextDue(ctx, now); err != nil {
			if ctx.Err() == nil {
				d.log.Error("outbox next due", slog.Any("err", err))
			}
		} else if ok && due.Before(next) {
			next = due
		}
		wake.Reset(next.Sub(now))
	}
}

// RunOnce delivers the messages due now (one batch) and returns how many
// were completed.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	_, completed, err := d.runOnce(ctx)
	return completed, err
}

// runOnce is RunOnce, also telling how many messages it claimed.
func (d *Dispatcher) runOnce(ctx context.Context) (claimed, completed int, err error) {
	msgs, err := d.store.ClaimDue(ctx, d.clk.Now(), d.cfg.Lease, d.cfg.Batch)
	if err != nil || len(msgs) == 0 {
		return 0, 0, err
	}
	work := make(chan outbox.Claimed)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	open := make(map[string]bool, len(msgs)) // claimed, outcome not yet recorded
	for _, m := range msgs {
		open[m.ID] = true
	}
	stopRenew := d.renewLeases(ctx, &mu, open)
	defer stopRenew()
	for range min(d.cfg.Workers, len(msgs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range work {
				ok, err := d.deliver(ctx, m)
				mu.Lock()
				delete(open, m.ID)
				if ok {
					completed++
				}
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		}()
	}
	for _, m := range msgs {
		work <- m
	}
	close(work)
	wg.Wait()
	return len(msgs), completed, errors.Join(errs...)
}

// renewLeases extends the leases of the messages in open (guarded by mu)
// every Lease/3 until the returned stop is called, so that a slow send
// keeps its claim and a crashed process loses its claims within Lease.
func (d *Dispatcher) renewLeases(ctx context.Context, mu *sync.Mutex, open map[string]bool) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var done sync.WaitGroup
	done.Go(func() {
		t := time.NewTicker(d.cfg.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			mu.Lock()
			ids := make([]string, 0, len(open))
			for id := range open {
				ids = append(ids, id)
			}
			mu.Unlock()
			now := d.clk.Now()
			if err := d.store.ExtendLeases(ctx, ids, now, now.Add(d.cfg.Lease)); err != nil && ctx.Err() == nil {
				d.log.Warn("outbox lease renewal failed", slog.Any("err", err))
			}
		}
	})
	return func() { cancel(); done.Wait() }
}

// deliver sends what is left of one message and records the outcome. It
// returns true when the message is finished (sent, or failed for good).
func (d *Dispatcher) deliver(ctx context.Context, m outbox.Claimed) (bool, error) {
	// What was sent is recorded even when Stop cancels ctx meanwhile (a
	// graceful shutdown, a rolling restart): a send that went out but was
	// not recorded goes out again from another replica after the lease.
	rec, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	deliveries, err := d.render.Deliveries(ctx, m)
	if err != nil {
		return d.retry(rec, m, err, 0)
	}
	progress := slices.Clone(m.Progress)
	var retryErr error
	var after time.Duration
	var permanent []error
	for _, dl := range deliveries {
		if slices.Contains(progress, dl.Key) {
			continue // delivered by an earlier attempt
		}
		err := d.send(ctx, dl)
		var re *notify.RetryError
		switch {
		case err == nil:
			d.observe(dl, Delivered)
			progress = append(progress, dl.Key)
		case errors.Is(err, notify.ErrGone) && dl.Push != nil:
			d.observe(dl, Gone)
			// Only 404/410 end a subscription; anything else is retried.
			if ferr := d.channels.Forget(rec, dl.Push.Subscription.ID); ferr != nil {
				return false, ferr
			}
			progress = append(progress, dl.Key)
		case errors.As(err, &re):
			d.observe(dl, Temporary)
			retryErr, after = err, max(after, re.After)
		default:
			d.observe(dl, Permanent)
			// Permanent for this channel: record it, do not resend.
			permanent = append(permanent, err)
			progress = append(progress, dl.Key)
		}
	}
	if len(progress) != len(m.Progress) {
		if err := d.store.RecordProgress(rec, m.ID, progress); err != nil {
			return false, err
		}
	}
	if retryErr != nil {
		return d.retry(rec, m, retryErr, after)
	}
	if len(permanent) > 0 && len(permanent) == len(deliveries) {
		err := errors.Join(permanent...)
		d.log.Warn("message could not be delivered", slog.String("id", m.ID), slog.String("kind", m.Kind), slog.Any("err", err))
		return true, d.store.MarkFailed(rec, m.ID, m.Attempts+1, err.Error(), d.clk.Now())
	}
	return true, d.store.MarkSent(rec, m.ID, d.clk.Now())
}

func (d *Dispatcher) observe(dl Delivery, o Outcome) {
	if d.cfg.Observe != nil {
		d.cfg.Observe(dl.Channel(), o)
	}
}

func (d *Dispatcher) send(ctx context.Context, dl Delivery) error {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.SendTimeout)
	defer cancel()
	switch {
	case dl.Email != nil:
		return d.channels.Email(ctx, *dl.Email)
	case dl.Push != nil:
		return d.channels.Push(ctx, *dl.Push)
	case dl.Webhook != nil:
		return d.channels.Webhook(ctx, *dl.Webhook)
	case dl.IO != nil:
		return d.channels.IO(ctx, *dl.IO)
	}
	return nil
}

// retry schedules the next attempt, or records the failure after the last.
func (d *Dispatcher) retry(ctx context.Context, m outbox.Claimed, cause error, after time.Duration) (bool, error) {
	attempts := m.Attempts + 1
	now := d.clk.Now()
	if attempts >= d.cfg.MaxAttempts {
		d.log.Warn("giving up on message", slog.String("id", m.ID), slog.String("kind", m.Kind), slog.Any("err", cause))
		return true, d.store.MarkFailed(ctx, m.ID, attempts, cause.Error(), now)
	}
	wait := max(Backoff(d.cfg.BaseBackoff, d.cfg.MaxBackoff, attempts, d.cfg.Jitter()), after)
	return false, d.store.MarkRetry(ctx, m.ID, now.Add(wait), attempts, cause.Error())
}

// Backoff is base·2^(attempt-1), capped at maxWait, with "equal jitter":
// half fixed, half random (j in [0,1)), so retries after an outage spread
// out instead of arriving together.
func Backoff(base, maxWait time.Duration, attempt int, j float64) time.Duration {
	d := float64(base) * math.Pow(2, float64(max(attempt-1, 0)))
	d = min(d, float64(maxWait))
	return time.Duration(d/2 + d/2*j)
}
