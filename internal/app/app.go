// Package app assembles a running Varco server from its configuration:
// storage, demo data, services, the RPC edge and the HTTP listener. The
// server binary and end-to-end tests both start the server through it, so
// tests exercise exactly what production runs.
package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"connectrpc.com/grpchealth"

	"github.com/varco-gate/varco/internal/admission"
	"github.com/varco-gate/varco/internal/api"
	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/availability"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clientip"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/devices"
	"github.com/varco-gate/varco/internal/export"
	"github.com/varco-gate/varco/internal/healthwatch"
	"github.com/varco-gate/varco/internal/httpserver"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/metrics"
	"github.com/varco-gate/varco/internal/notify/dispatch"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/periodic"
	"github.com/varco-gate/varco/internal/privacy"
	"github.com/varco-gate/varco/internal/scheduling"
	"github.com/varco-gate/varco/internal/stats"
	"github.com/varco-gate/varco/internal/store/sqlite"
	"github.com/varco-gate/varco/internal/ticket"
	"github.com/varco-gate/varco/internal/tracing"
	"github.com/varco-gate/varco/internal/trust"
	"github.com/varco-gate/varco/internal/webapp"
	"github.com/varco-gate/varco/internal/webhook"
)

// App is a configured server, ready to serve.
type App struct {
	log            *slog.Logger
	db             *sqlite.DB
	handler        http.Handler
	health         *grpchealth.StaticChecker
	dbHealth       *healthwatch.Watcher
	metrics        http.Handler
	sweeper        *booking.Sweeper
	waitlist       *booking.WaitlistWorker
	proposals      *booking.ProposalSweeper
	dispatcher     *dispatch.Dispatcher
	manualDispatch bool
	retention      *privacy.Retention
	// prune deletes expired sessions (and, with them, their SPID/CIE ID
	// tokens) every hour: a session is useless after its 30 days, and the
	// table would otherwise only grow.
	prune         periodic.Loop
	pruneOnce     func(context.Context) error
	keys          *keyReloader
	webhookFeeder *webhook.Feeder
	webhookSender *dispatch.Dispatcher
	srvOpts       httpserver.Options
	// tracing exports RPC spans when OTEL_* asks for it.
	tracing *tracing.Tracing
	// closeStreams closes api.Options.Closing: the endless streams end.
	closeStreams func()
}

// New opens the database (migrating it), loads demo data when asked and
// builds the handler.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, clk clock.Clock, opts ...Option) (*App, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	roots, err := trust.Pool(cfg.ExtraCACerts)
	if err != nil {
		return nil, err
	}
	o.trustRoots(roots)
	// Booking and scan transactions tell the dispatcher of the messages
	// they commit, so it wakes at their due time rather than a poll later.
	alarm := outbox.NewAlarm()
	m := metrics.NewRPC(clk)
	dm := m.Domain()
	db, err := sqlite.Open(ctx, cfg.DB, sqlite.Options{Logger: log, Alarm: alarm, OnCommit: dm.Committed})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if cfg.Demo {
		loaded, err := demo.Load(ctx, db, clk.Now())
		if err != nil {
			return nil, errors.Join(err, db.Close())
		}
		log.Info("demo data", slog.Bool("loaded_now", loaded), slog.String("comune_id", demo.ComuneID))
	}
	// With --metrics-addr the figures leave the public port (Metrics
	// serves them there); without it they stay on it, as before.
	publicMetrics := m.Handler()
	if cfg.MetricsAddr != "" {
		publicMetrics = nil
	}
	m.RegisterBacklogs(func(ctx context.Context, now time.Time) ([]metrics.Backlog, error) {
		list, err := db.Backlogs(ctx, now)
		out := make([]metrics.Backlog, len(list))
		for i, b := range list {
			out[i] = metrics.Backlog{Queue: b.Queue, Due: b.Due, Oldest: b.Oldest}
		}
		return out, err
	})
	registerStoreMetrics(m, db)
	services := api.Unimplemented()
	avail := availability.New(db, clk)
	if o.noGridCache {
		avail.WithoutGridCache()
	}
	bookings := booking.New(o.booking, db, avail, db, clk)
	services.Catalog = api.NewCatalog(db, avail, log)
	keys, err := ticket.LoadOrCreate(ctx, db, rand.Reader, clk.Now())
	if err != nil {
		return nil, errors.Join(fmt.Errorf("ticket keys: %w", err), db.Close())
	}
	tickets := api.Tickets{Store: db, Signer: keys, PublicBaseURL: cfg.PublicBaseURL}
	cat := cachedCatalog{DB: db, cache: catalog.NewCache(db)}
	dispatcher, pushSender, err := notifications(ctx, cfg, o, dm, db, alarm, cat, keys, clk, log)
	if err != nil {
		return nil, errors.Join(err, db.Close())
	}
	services.Notification = api.NewNotifications(pushSender, db, bookings, clk, log)
	services.Waitlist = api.NewWaitlist(bookings, log)
	ids := identity.New(o.identity, db, clk, log)
	proxies, err := clientip.New(cfg.TrustedProxies)
	if err != nil {
		return nil, errors.Join(err, db.Close())
	}
	services.Booking = api.NewBooking(bookings, cat, tickets, log).WithGuests(booking.NewGuests(bookings, db, guestConfig(o)), proxies)
	auth := api.NewAuth(ids, log, privacy.New(ids, bookings, db, clk)).TrustProxies(proxies)
	services.Auth = auth
	oidcFlow, err := oidcLogin(ctx, cfg, roots, db, ids, clk, log)
	if err != nil {
		return nil, errors.Join(err, db.Close())
	}
	hooks, feeder, hookDispatcher := webhooks(cfg, o, dm, db, clk, log)
	devs := devices.New(db, clk)
	services.Gate = api.NewGate(devs, admission.New(db, keys, clk).WithObserver(scanObserver(dm)),
		api.GateStreams{Feed: db, Keys: keys, Clk: clk, Poll: o.gatePoll}, log)
	authorizer, auditor := authz.NewAuthorizer(db), api.NewAudit(db, clk, log)
	exports := &api.Exports{Service: export.New(db, api.ScanReasonText), Authn: ids, Sessions: db, Principals: ids,
		Authz: authorizer, Audit: auditor, Clock: clk, PublicBaseURL: cfg.PublicBaseURL, Log: log}
	schedules := scheduling.New(db, avail, clk)
	services.Admin = api.NewAdmin(api.AdminDeps{Staff: ids, Catalog: catalog.NewService(db, clk),
		Schedules: schedules, Reader: cat, Now: clk.Now, Devices: devs, Conflicts: db, Audit: db, Bookings: bookings,
		Stats: stats.New(db, clk), Exports: exports, Waitlists: bookings, Webhooks: hooks,
		Previews: api.SchedulePreviews{Proposals: schedules, Grids: avail}}, log)
	dist := o.webDist
	if dist == nil {
		dist = webapp.Dist()
	}
	apps, err := webApps(dist)
	if err != nil {
		return nil, errors.Join(err, db.Close())
	}
	secure := strings.HasPrefix(cfg.PublicBaseURL, "https://")
	sessionCookies := api.NewSessionCookies(secure, clk.Now)
	extra := map[string]http.Handler{
		api.CalendarPattern:                 api.NewCalendarHandler(bookings, db, cfg.PublicBaseURL, clk, log),
		api.QRPattern:                       api.NewQRHandler(bookings, tickets, log),
		api.ReceiptPattern:                  api.NewReceiptHandler(bookings, cat, tickets, log),
		api.CancelLinkPattern:               api.NewCancelLinkHandler(bookings, db, log),
		api.ProposalLinkPattern:             api.NewProposalLinkHandler(bookings, db, log),
		api.ExportPatterns[export.Bookings]: api.NewExportHandler(exports, export.Bookings),
		api.ExportPatterns[export.Scans]:    api.NewExportHandler(exports, export.Scans),
	}
	oidcRoutes(oidcFlow, auth, extra, proxies, sessionCookies, secure, log)
	getenv := o.getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	tracer, err := tracing.New(ctx, getenv)
	if err != nil {
		return nil, errors.Join(fmt.Errorf("tracing: %w", err), db.Close())
	}
	if tracer.Enabled() {
		log.Info("OpenTelemetry tracing on")
	}
	closing := make(chan struct{})
	handler, checker := api.NewMux(services, api.Options{
		MaxRequestBytes: cfg.MaxRequestBytes,
		CORSOrigins:     cfg.CORSOrigins,
		// The span is outermost, so it covers everything the call does.
		Interceptors: append(tracer.Interceptors(), m.Interceptor(), api.NewLogging(log, clk), sessionCookies),
		Access:       api.NewAccess(ids, authorizer, log),
		Audit:        auditor,
		Metrics:      publicMetrics,
		Closing:      closing,
		Extra:        extra,
		Fallback:     apps,
		Logger:       log,
	})
	return &App{
		log: log, db: db, handler: handler, health: checker, tracing: tracer,
		dbHealth: healthwatch.New(db.Ping, checker, api.ServiceNames, log),
		metrics:  m.Handler(),
		sweeper:  booking.NewSweeper(sweeperConfig(o.sweeper, dm), db, clk, log), waitlist: booking.NewWaitlistWorker(o.waitlist, bookings, log),
		proposals:  booking.NewProposalSweeper(booking.ProposalSweeperConfig{}, bookings, log),
		dispatcher: dispatcher, manualDispatch: o.manualDispatch,
		retention: privacy.NewRetention(cfg.Retention, db, clk, log),
		pruneOnce: func(ctx context.Context) error {
			n, err := ids.PruneSessions(ctx)
			if n > 0 {
				log.Info("pruned expired sessions", slog.Int("count", n))
			}
			// Login throttle states that no longer affect any decision.
			m, terr := db.PruneLoginThrottle(ctx, clk.Now())
			if m > 0 {
				log.Info("pruned login throttle states", slog.Int("count", m))
			}
			return errors.Join(err, terr)
		},
		keys:          &keyReloader{db: db, ring: keys, log: log},
		webhookFeeder: feeder, webhookSender: hookDispatcher,
		closeStreams: sync.OnceFunc(func() { close(closing) }),
		srvOpts: httpserver.Options{
			ReadHeaderTimeout: cfg.ReadHeaderTimeout, ReadTimeout: cfg.ReadTimeout, WriteTimeout: cfg.WriteTimeout,
			IdleTimeout: cfg.IdleTimeout, ShutdownTimeout: cfg.ShutdownTimeout,
			IsStreaming: api.IsStreaming(), Logger: log,
		},
	}, nil
}

// ExpireProposalsOnce closes the proposals of other dates lapsed now
// (tests).
func (a *App) ExpireProposalsOnce(ctx context.Context) (int, error) { return a.proposals.RunOnce(ctx) }

// RetainOnce runs the retention pass now (tests).
func (a *App) RetainOnce(ctx context.Context) (int, error) { return a.retention.RunOnce(ctx) }

// ReloadKeysOnce rereads the ticket signing keys from the database now
// (the server does it every 30 seconds).
func (a *App) ReloadKeysOnce(ctx context.Context) error { return a.keys.RunOnce(ctx) }

// WaitlistOnce makes the waiting-list offers due now (lapsed offers and
// holds, raised capacity), as the worker does every few seconds (tests).
func (a *App) WaitlistOnce(ctx context.Context) error { return a.waitlist.RunOnce(ctx) }

// SweepHoldsOnce frees the holds expired now, as the sweeper does every
// few seconds (tests).
func (a *App) SweepHoldsOnce(ctx context.Context) (int, error) { return a.sweeper.RunOnce(ctx) }

// DispatchOnce delivers the notifications due now (tests using
// WithManualDispatch).
func (a *App) DispatchOnce(ctx context.Context) (int, error) { return a.dispatcher.RunOnce(ctx) }

// WebhooksOnce feeds new events into webhook deliveries and sends those
// due now, once (tests using WithManualDispatch). It returns how many
// deliveries were created and how many finished.
func (a *App) WebhooksOnce(ctx context.Context) (fed, sent int, err error) {
	if fed, err = a.webhookFeeder.RunOnce(ctx); err != nil {
		return fed, 0, err
	}
	sent, err = a.webhookSender.RunOnce(ctx)
	return fed, sent, err
}

// Metrics is the handler of /metrics, for a listener of its own
// (--metrics-addr).
func (a *App) Metrics() http.Handler { return a.metrics }

// Handler is the complete HTTP handler (for tests with httptest).
func (a *App) Handler() http.Handler { return a.handler }

// Serve answers on ln until ctx is cancelled, then shuts down gracefully and
// closes the database.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	srv := httpserver.New(a.handler, a.srvOpts)
	srv.RegisterOnShutdown(func() {
		// Load balancers polling health stop sending traffic first (the
		// database watch stops first, so it cannot set SERVING again).
		a.dbHealth.Stop()
		a.health.SetStatus("", grpchealth.StatusNotServing)
		// Sync, WatchOccupancy and health Watch never end by themselves:
		// they end now, with Unavailable, and their clients reconnect to
		// another replica or to this one after the restart, instead of
		// holding the shutdown for its whole timeout.
		a.closeStreams()
	})
	a.dbHealth.Start(ctx)
	a.sweeper.Start(ctx)
	a.waitlist.Start(ctx)
	a.proposals.Start(ctx)
	a.retention.Start(ctx)
	a.prune.Start(ctx, time.Hour, a.log, "prune sessions", a.pruneOnce)
	a.keys.Start(ctx)
	if !a.manualDispatch {
		a.dispatcher.Start(ctx)
		a.webhookFeeder.Start(ctx)
		a.webhookSender.Start(ctx)
	}
	a.log.Info("listening", slog.String("addr", ln.Addr().String()))
	err := httpserver.Serve(ctx, srv, ln, a.srvOpts)
	a.dbHealth.Stop()
	a.sweeper.Stop()
	a.waitlist.Stop()
	a.proposals.Stop()
	a.retention.Stop()
	a.prune.Stop()
	a.keys.Stop()
	a.dispatcher.Stop()
	a.webhookFeeder.Stop()
	a.webhookSender.Stop()
	// The spans of the last calls leave before the process does.
	return errors.Join(err, a.tracing.Shutdown(context.WithoutCancel(ctx)), a.db.Close())
}

// cachedCatalog is the database with the lookups that describe a booking
// (its resource, place and organization) served by catalog.Cache.
type cachedCatalog struct {
	*sqlite.DB
	cache *catalog.Cache
}

func (c cachedCatalog) GetResource(ctx context.Context, id string) (catalog.Resource, error) {
	return c.cache.GetResource(ctx, id)
}

func (c cachedCatalog) GetPlace(ctx context.Context, id string) (catalog.Place, error) {
	return c.cache.GetPlace(ctx, id)
}

func (c cachedCatalog) GetOrganization(ctx context.Context, id string) (catalog.Organization, error) {
	return c.cache.GetOrganization(ctx, id)
}

// Pinned implements catalog.Pinner.
func (c cachedCatalog) Pinned(ctx context.Context) (catalog.Reader, error) {
	return c.cache.Pinned(ctx)
}
