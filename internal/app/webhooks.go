package app

import (
	"crypto/tls"
	"log/slog"
	"math/rand/v2"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/metrics"
	"github.com/varco-gate/varco/internal/notify/dispatch"
	whsend "github.com/varco-gate/varco/internal/notify/webhook"
	"github.com/varco-gate/varco/internal/store/sqlite"
	"github.com/varco-gate/varco/internal/webhook"
)

// webhooks assembles the webhook service, the feeder that turns booking
// history and scans into deliveries, and a dispatcher (the outbox's, on the
// deliveries table) that sends them.
func webhooks(cfg config.Config, o options, dm *metrics.Domain, db *sqlite.DB, clk clock.Clock, log *slog.Logger) (*webhook.Service, *webhook.Feeder, *dispatch.Dispatcher) {
	svc := webhook.NewService(webhook.Config{AllowPrivate: cfg.WebhookAllowPrivate}, db, clk)
	feeder := webhook.NewFeeder(webhook.FeederConfig{Interval: cfg.NotifyPollInterval}, db, clk, log)
	sender := whsend.New(whsend.Config{TLS: o.webhookTLS, AllowPrivate: cfg.WebhookAllowPrivate, Clock: clk})
	queue := db.WebhookQueue()
	jitter := o.webhookJitter
	if jitter == nil {
		jitter = rand.Float64
	}
	d := dispatch.New(dispatch.Config{Interval: cfg.NotifyPollInterval, Lease: cfg.NotifyLease, MaxAttempts: cfg.WebhookMaxAttempts,
		SendTimeout: 2 * whsend.DefaultTimeout, Jitter: jitter, Observe: deliveryObserver(dm)},
		queue, whsend.NewRenderer(queue), dispatch.Channels{Webhook: whsend.Channel(sender, queue, clk, log)}, clk, log)
	return svc, feeder, d
}

// WithWebhookTLS sets the TLS configuration webhook deliveries use (tests
// trust their receiver's certificate with it).
func WithWebhookTLS(c *tls.Config) Option { return func(o *options) { o.webhookTLS = c } }

// WithWebhookJitter fixes the random part of webhook retry backoff
// (tests); j returns a number in [0,1).
func WithWebhookJitter(j func() float64) Option { return func(o *options) { o.webhookJitter = j } }
