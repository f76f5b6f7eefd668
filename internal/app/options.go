package app

import (
	"crypto/tls"
	"io/fs"
	"net/http"
	"time"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/identity"
)

// Option adjusts how New builds the server; production passes none.
type Option func(*options)

type options struct {
	identity identity.Config
	booking  booking.Config
	sweeper  booking.SweeperConfig
	guests   booking.GuestConfig
	waitlist booking.WaitlistConfig
	gatePoll time.Duration

	pushClient    *http.Client
	appIOClient   *http.Client
	smtpTLS       *tls.Config
	notifyBackoff time.Duration
	webhookTLS    *tls.Config
	webhookJitter func() float64
	// manualDispatch leaves the dispatcher stopped: tests drive it with
	// App.DispatchOnce to observe scheduled messages deterministically.
	manualDispatch bool
	// webDist replaces the embedded web apps (webapp.Dist).
	webDist fs.FS
	// getenv reads the OTEL_* tracing environment; default os.Getenv.
	getenv func(string) string
	// noGridCache computes every grid afresh (WithoutGridCache).
	noGridCache bool
}

// WithGetenv reads the OpenTelemetry environment (OTEL_*) through getenv
// instead of the process environment (tests, which run in parallel).
func WithGetenv(getenv func(string) string) Option { return func(o *options) { o.getenv = getenv } }

// WithWebApps serves the web apps of dist (one folder per app, like
// webapp.Dist) instead of the embedded build.
func WithWebApps(dist fs.FS) Option { return func(o *options) { o.webDist = dist } }

// WithManualDispatch keeps the notification dispatcher and the webhook
// feeder and dispatcher from running in the background; call
// App.DispatchOnce and App.WebhooksOnce instead.
func WithManualDispatch() Option { return func(o *options) { o.manualDispatch = true } }

// WithNotifyBackoff sets the first retry delay of notifications.
func WithNotifyBackoff(d time.Duration) Option { return func(o *options) { o.notifyBackoff = d } }

// WithGatePoll sets how often gate streams look for changes.
func WithGatePoll(d time.Duration) Option { return func(o *options) { o.gatePoll = d } }

// WithIdentity sets the identity configuration (tests use cheap password
// hashing so that hundreds of accounts register quickly).
func WithIdentity(c identity.Config) Option { return func(o *options) { o.identity = c } }

// WithBooking sets the booking configuration.
func WithBooking(c booking.Config) Option { return func(o *options) { o.booking = c } }

// WithSweeper sets the hold sweeper configuration.
func WithSweeper(c booking.SweeperConfig) Option { return func(o *options) { o.sweeper = c } }

// WithWaitlist sets the waiting-list worker configuration.
func WithWaitlist(c booking.WaitlistConfig) Option { return func(o *options) { o.waitlist = c } }

// WithoutGridCache computes every availability grid afresh (benchmarks
// compare it with the cached grids in the same run).
func WithoutGridCache() Option { return func(o *options) { o.noGridCache = true } }
