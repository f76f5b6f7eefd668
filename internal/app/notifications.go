package app

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/metrics"
	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/notify/appio"
	"github.com/varco-gate/varco/internal/notify/dispatch"
	"github.com/varco-gate/varco/internal/notify/email"
	"github.com/varco-gate/varco/internal/notify/push"
	"github.com/varco-gate/varco/internal/notify/render"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/store/sqlite"
	"github.com/varco-gate/varco/internal/ticket"
)

// notifications assembles the outbox dispatcher with its channels: e-mail
// when an SMTP server is configured, Web Push always (the VAPID key is
// generated once and stored), App IO for the organizations with an IO
// service key.
func notifications(ctx context.Context, cfg config.Config, o options, dm *metrics.Domain, db *sqlite.DB, alarm *outbox.Alarm, cat cachedCatalog, keys *ticket.KeyRing, clk clock.Clock, log *slog.Logger) (*dispatch.Dispatcher, *push.Sender, error) {
	vapid, err := push.LoadOrCreate(ctx, db)
	if err != nil {
		return nil, nil, fmt.Errorf("vapid keys: %w", err)
	}
	pushSender, err := push.New(push.Config{Subject: cfg.VAPIDSubject, Keys: vapid, HTTPClient: o.pushClient,
		AllowAnyHTTPS: cfg.PushAllowAnyHTTPS, Clock: clk})
	if err != nil {
		return nil, nil, fmt.Errorf("push: %w", err)
	}
	rcfg := render.Config{PublicBaseURL: cfg.PublicBaseURL, Push: true, Signer: keys}
	channels := dispatch.Channels{Push: pushSender.Send, Forget: db.DeleteSubscription,
		Email: func(context.Context, notify.Email) error { return nil }}
	if cfg.SMTPHost != "" {
		mailer, err := email.New(email.Config{Host: cfg.SMTPHost, Port: cfg.SMTPPort, Username: cfg.SMTPUsername,
			Password: cfg.SMTPPassword, TLS: cfg.SMTPTLS, TLSConfig: o.smtpTLS, From: cfg.MailFrom, ReplyTo: cfg.MailReplyTo, Clock: clk})
		if err != nil {
			return nil, nil, fmt.Errorf("smtp: %w", err)
		}
		rcfg.Compose, channels.Email = email.Compose, mailer.Send
		rcfg.GuestCodes = &render.GuestCodes{Guests: db, Compose: email.ComposeCode, Valid: guestConfig(o).CodeTTL}
	} else {
		log.Warn("no SMTP server configured (--smtp-host): notifications go by push only")
	}
	if len(cfg.AppIOKeys) > 0 {
		io := appio.New(appio.Config{BaseURL: cfg.AppIOURL, Keys: cfg.AppIOKeys, HTTPClient: o.appIOClient, Clock: clk})
		rcfg.AppIO, channels.IO = io.Enabled, appio.Channel(io, db, clk, log)
		log.Info("App IO messages enabled", slog.Int("organizations", len(cfg.AppIOKeys)))
	}
	d := dispatch.New(dispatch.Config{Interval: cfg.NotifyPollInterval, Lease: cfg.NotifyLease, MaxAttempts: cfg.NotifyMaxAttempts, BaseBackoff: o.notifyBackoff, Alarm: alarm,
		Observe: deliveryObserver(dm)},
		db, render.New(rcfg, cat, clk), channels, clk, log)
	return d, pushSender, nil
}

// WithPushHTTPClient sets the client push messages are sent with (tests
// trust their push service's certificate with it).
func WithPushHTTPClient(c *http.Client) Option { return func(o *options) { o.pushClient = c } }

// WithAppIOHTTPClient sets the client App IO requests are sent with.
func WithAppIOHTTPClient(c *http.Client) Option { return func(o *options) { o.appIOClient = c } }

// WithSMTPTLS sets the TLS configuration of the SMTP connection (tests
// trust their server's certificate with it).
func WithSMTPTLS(c *tls.Config) Option { return func(o *options) { o.smtpTLS = c } }
