package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/notify/email/mailtest"
	"github.com/varco-gate/varco/internal/person"
	"github.com/varco-gate/varco/internal/store/sqlite"
	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// cluster is two server processes on one PostgreSQL database, and what a
// load balancer knows of them: which are up.
type cluster struct {
	t      *testing.T
	bin    string
	args   []string
	mu     sync.Mutex
	procs  [2]*proc
	bases  [2]string
	up     [2]bool
	served atomic.Int64
}

func newCluster(t *testing.T, smtpPort int) *cluster {
	url := pgtest.URL(t)
	c := &cluster{t: t, bin: buildServer(t), args: []string{"--db", url, "--smtp-host", "127.0.0.1", "--smtp-port", strconv.Itoa(smtpPort),
		"--smtp-tls", "none", "--mail-from", "Comune <noreply@comune.example>", "--notify-lease", "3s", "--notify-poll-interval", "200ms"}}
	c.startReplica(0, "--demo") // the first loads the demo data, the second finds it
	c.startReplica(1)
	return c
}

func (c *cluster) startReplica(i int, extra ...string) {
	p := start(c.t, c.bin, append(append([]string{}, c.args...), extra...)...)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.procs[i], c.bases[i], c.up[i] = p, "http://"+p.addr, true
}

// down takes replica i out of the balancer (as its health check would).
func (c *cluster) down(i int) *proc {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.up[i] = false
	return c.procs[i]
}

// pick returns the base URL of a replica that is up, preferring i.
func (c *cluster) pick(i int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range 2 {
		if j := (i + k) % 2; c.up[j] {
			return c.bases[j]
		}
	}
	return c.bases[i%2]
}

// load is citizens booking boat trips through the cluster: each call goes
// to one replica, alternately, and a call that fails in transport (the
// replica died or is shutting down) is sent again to the other — a
// confirmation with the same idempotency key, so it is booked once.
type load struct {
	c        *cluster
	slots    []*varcov1.Slot
	mu       sync.Mutex
	acked    map[string]bool // booking codes acknowledged to clients
	retried  int             // calls sent again after a transport failure
	failed   []error         // calls that failed for good
	bookings atomic.Int64
	// booked is signalled (without blocking) after each acknowledged
	// booking, so waitBookings wakes on progress instead of polling.
	booked chan struct{}
}

// transportFailure reports an error that says nothing about the request's
// outcome on the server: the connection failed or was cut.
func transportFailure(err error) bool {
	// connect-go reports a connection refused as unavailable, and a
	// connection reset in the middle of a call as canceled or unknown.
	switch connect.CodeOf(err) {
	case connect.CodeUnavailable, connect.CodeUnknown, connect.CodeCanceled, connect.CodeDeadlineExceeded:
		return true
	}
	return false
}

// maxAttempts bounds the replicas a call is sent to: the drills always
// keep one replica up, and pick alternates, so the second attempt reaches
// it; the bound only stops a test whose cluster is wholly down.
const maxAttempts = 20

// retry runs call on replica i and, while it fails in transport, on the
// next one.
func retry[T any](l *load, i int, call func(base string) (T, error)) (T, error) {
	for attempt := 0; ; attempt++ {
		v, err := call(l.c.pick(i + attempt))
		if err == nil || !transportFailure(err) || attempt+1 == maxAttempts {
			return v, err
		}
		l.mu.Lock()
		l.retried++
		l.mu.Unlock()
	}
}

func newLoad(t *testing.T, c *cluster) *load {
	grid, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, c.pick(0)).GetAvailability(context.Background(),
		connect.NewRequest(&varcov1.GetAvailabilityRequest{ResourceId: demo.BoatTripID, FromDate: time.Now().AddDate(0, 0, 2).Format(time.DateOnly),
			ToDate: time.Now().AddDate(0, 0, 40).Format(time.DateOnly)}))
	require.NoError(t, err)
	l := &load{c: c, acked: map[string]bool{}, booked: make(chan struct{}, 1)}
	for _, d := range grid.Msg.GetDays() {
		for _, s := range d.GetSlots() {
			if s.GetState() == varcov1.SlotState_SLOT_STATE_AVAILABLE {
				l.slots = append(l.slots, s)
			}
		}
	}
	require.NotEmpty(t, l.slots)
	return l
}

// citizen registers worker w and books until stop is closed.
func (l *load) citizen(w int, stop <-chan struct{}) {
	ctx := context.Background()
	reg, err := retry(l, w, func(base string) (*connect.Response[varcov1.RegisterResponse], error) {
		return varcov1connect.NewAuthServiceClient(http.DefaultClient, base).Register(ctx, connect.NewRequest(&varcov1.RegisterRequest{
			GivenName: "Cittadino", FamilyName: "Carico", Email: fmt.Sprintf("carico%d@example.it", w),
			CodiceFiscale: person.CompleteCodiceFiscale(fmt.Sprintf("CRCCTT85T10A%03d", w)),
			Phone:         "3331234567", Password: "una password lunga", PrivacyConsent: true,
		}))
	})
	if err != nil {
		l.fail(fmt.Errorf("register %d: %w", w, err))
		return
	}
	tok := reg.Msg.GetSession().GetToken()
	bearer := func(r connect.AnyRequest) { r.Header().Set("Authorization", "Bearer "+tok) }
	for n := 0; ; n++ {
		select {
		case <-stop:
			return
		default:
		}
		slot := l.slots[(w*7+n)%len(l.slots)]
		hold, err := retry(l, w+n, func(base string) (*connect.Response[varcov1.HoldSlotsResponse], error) {
			r := connect.NewRequest(&varcov1.HoldSlotsRequest{ResourceId: demo.BoatTripID, SlotStart: slot.GetStart()})
			bearer(r)
			return varcov1connect.NewBookingServiceClient(http.DefaultClient, base).HoldSlots(ctx, r)
		})
		if connect.CodeOf(err) == connect.CodeResourceExhausted || connect.CodeOf(err) == connect.CodeFailedPrecondition {
			continue // that trip is full, or this citizen holds enough: another one
		}
		if err != nil {
			l.fail(fmt.Errorf("hold: %w", err))
			return
		}
		key := fmt.Sprintf("drill-%d-%d", w, n)
		conf, err := retry(l, w+n+1, func(base string) (*connect.Response[varcov1.ConfirmBookingResponse], error) {
			r := connect.NewRequest(&varcov1.ConfirmBookingRequest{HoldId: hold.Msg.GetHold().GetId(), IdempotencyKey: key,
				Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY}})
			bearer(r)
			return varcov1connect.NewBookingServiceClient(http.DefaultClient, base).ConfirmBooking(ctx, r)
		})
		if err != nil {
			l.fail(fmt.Errorf("confirm %s: %w", key, err))
			return
		}
		l.mu.Lock()
		l.acked[conf.Msg.GetBooking().GetCode()] = true
		l.mu.Unlock()
		l.bookings.Add(1)
		select {
		case l.booked <- struct{}{}:
		default:
		}
	}
}

func (l *load) fail(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failed = append(l.failed, err)
}

// run starts workers and returns a function that stops them and waits.
func (l *load) run(workers int) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() { l.citizen(w, done) })
	}
	return func() { close(done); wg.Wait() }
}

// waitBookings waits until n more bookings have been acknowledged.
func (l *load) waitBookings(t *testing.T, n int64) {
	t.Helper()
	target := l.bookings.Load() + n
	deadline := time.After(60 * time.Second)
	for l.bookings.Load() < target {
		select {
		case <-l.booked:
		case <-deadline:
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("the load stalled at %d bookings (failures: %v)", l.bookings.Load(), l.failed)
		}
	}
}

// check verifies what the drills promise: every acknowledged booking is in
// the database, confirmed; no trip has more seats taken than it has; every
// acknowledged booking's confirmation reached the mail server.
func (l *load) check(t *testing.T, url string, sink *mailtest.Sink) {
	t.Helper()
	db, err := sqlite.Open(t.Context(), url, sqlite.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	defer db.Close()
	var lost []string
	for code := range l.acked {
		var status int
		if err := db.R.QueryRowContext(t.Context(), `SELECT status FROM bookings WHERE code = $1`, strings.ReplaceAll(code, "-", "")).Scan(&status); err != nil || status != 1 {
			lost = append(lost, fmt.Sprintf("%s: status %d, %v", code, status, err))
		}
	}
	require.Empty(t, lost, "acknowledged bookings lost")
	var oversold int
	require.NoError(t, db.R.QueryRowContext(t.Context(), `SELECT count(*) FROM (SELECT b.start_ms, SUM(b.seats) AS seats FROM bookings b
		WHERE b.resource_id = $1 AND b.status = 1 GROUP BY b.start_ms) s JOIN slot_usage u ON u.resource_id = $1 AND u.start_ms = s.start_ms
		WHERE s.seats > u.capacity OR u.taken > u.capacity`, demo.BoatTripID).Scan(&oversold))
	require.Zero(t, oversold, "oversold trips")

	deadline := time.After(60 * time.Second)
	for {
		mailed := map[string]int{}
		for _, m := range sink.Messages() {
			for code := range l.acked {
				if containsCode(m.Data, code) {
					mailed[code]++
				}
			}
		}
		if len(mailed) == len(l.acked) {
			dup := 0
			for _, n := range mailed {
				dup += n - 1
			}
			t.Logf("%d acknowledged bookings, all in the database, all mailed (%d duplicate e-mails, at-least-once); %d calls retried on the other replica",
				len(l.acked), dup, l.retried)
			return
		}
		select {
		case <-sink.Arrived: // one more message: look again
		case <-deadline:
			t.Fatalf("%d of %d confirmations mailed", len(mailed), len(l.acked))
		}
	}
}

func containsCode(data []byte, code string) bool {
	return len(code) > 0 && strings.Contains(string(data), code)
}

// Failover: one of two replicas is SIGKILLed in the middle of steady
// booking load. Clients send what failed in transport to the other
// replica (confirmations with their idempotency keys); the dead replica
// comes back and rejoins. Nothing acknowledged is lost, nothing is
// oversold, and every confirmation — the dead replica's queued and
// claimed ones included — is mailed by a survivor.
func TestReplicaFailoverUnderLoad(t *testing.T) {
	t.Parallel()
	sink := &mailtest.Sink{Arrived: make(chan mailtest.Received, 10000)}
	c := newCluster(t, mailtest.Start(t, sink, mailtest.PlainOnly, nil))
	l := newLoad(t, c)
	stop := l.run(12)
	l.waitBookings(t, 40)
	p := c.down(1)
	require.NoError(t, p.cmd.Process.Kill())
	<-p.done
	l.waitBookings(t, 40) // the survivor carries the load
	c.startReplica(1)     // the dead one restarts and rejoins
	l.waitBookings(t, 40)
	stop()
	require.Empty(t, l.failed, "calls failed for good")
	l.check(t, c.args[1], sink)
}

// A rolling restart (SIGTERM, start again, one replica at a time) under
// steady booking load fails no request other than those the clients sent
// again to the other replica, and loses nothing.
func TestRollingRestartUnderLoad(t *testing.T) {
	t.Parallel()
	sink := &mailtest.Sink{Arrived: make(chan mailtest.Received, 10000)}
	c := newCluster(t, mailtest.Start(t, sink, mailtest.PlainOnly, nil))
	l := newLoad(t, c)
	stop := l.run(12)
	l.waitBookings(t, 30)
	for i := range 2 {
		// No draining first: the balancer learns of the stop from the
		// refused connections, which the clients send to the other.
		c.mu.Lock()
		p := c.procs[i]
		c.mu.Unlock()
		p.stop(t) // graceful: in-flight calls finish
		c.startReplica(i)
		l.waitBookings(t, 30)
	}
	stop()
	require.Empty(t, l.failed, "calls failed for good")
	l.check(t, c.args[1], sink)
}
