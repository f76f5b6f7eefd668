package scanner

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/ticket"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// Defaults.
const (
	// DefaultScanTimeout bounds an online decision: a person is waiting at
	// the gate, and past it deciding offline is the better service.
	DefaultScanTimeout = 2 * time.Second
	// OnlinePause is how long scans skip the online try after one timed
	// out. On a network that swallows packets (a Wi-Fi with no uplink)
	// every try costs the full scan timeout, at every person; refused
	// connections fail at once and do not pause anything.
	OnlinePause = 15 * time.Second
	// DefaultUploadTimeout bounds one upload batch.
	DefaultUploadTimeout = 30 * time.Second
	// MaxUploadBatch is the most scans UploadScans accepts at once.
	MaxUploadBatch = 500
)

// ReasonDeviceRefused is not a varco.v1.ScanReason: the server refused the
// device itself (credential unknown or revoked). The scan is refused
// without deciding it offline, because a revoked device must not keep
// opening the gate on its own.
const ReasonDeviceRefused gate.Reason = "DEVICE_REFUSED"

// ReasonDataTooOld (varco.v1.SCAN_REASON_DATA_TOO_OLD) refuses every
// offline scan while the device's data is older than the organizer allows
// (GateSettings.max_data_age).
const ReasonDataTooOld gate.Reason = "DATA_TOO_OLD"

// Errors.
var (
	// ErrNotEnrolled: the store has no credential; run `scanner enroll`.
	ErrNotEnrolled = errors.New("device not enrolled (or revoked): run `scanner enroll` first")
	// ErrDeviceRevoked: the server revoked this device; its credential was
	// forgotten.
	ErrDeviceRevoked = errors.New("device revoked by the organizer: enroll it again with a new code")
)

// Result is the decision on one scan, as shown to the operator.
type Result struct {
	ScanID    string
	Direction gate.Direction
	ScannedAt time.Time
	Verdict   gate.Verdict
	Reason    gate.Reason
	TicketID  string
	Seats     int
	EnteredAt time.Time
	ExpiresAt time.Time
	// TimeLeft is the stay left, when the ticket has a maximum stay and
	// the holder is let in (or out).
	TimeLeft time.Duration
	// Online is true when the server decided; false when the device did.
	Online bool
	// Queued is true when the offline decision waits for upload.
	Queued bool
}

// LetThrough reports whether the gate opens.
func (r Result) LetThrough() bool { return r.Verdict == gate.Accepted || r.Verdict == gate.Flagged }

// Config assembles a Scanner. Store and Gate are required; the rest has
// defaults.
type Config struct {
	Store *Store
	Gate  Gate
	Clock clock.Clock
	Log   *slog.Logger
	// ScanTimeout bounds an online Scan (DefaultScanTimeout).
	ScanTimeout time.Duration
	// UploadTimeout bounds one UploadScans call (DefaultUploadTimeout).
	UploadTimeout time.Duration
	// UploadBatch is the number of scans per upload (at most 500).
	UploadBatch int
	// NewID makes scan ids (random UUIDs).
	NewID func() string
	// Rand returns numbers in [0, 1) for backoff jitter (math/rand/v2).
	Rand func() float64
}

// Scanner decides scans, online when it can and offline when it must, and
// keeps the local store and the server in step.
type Scanner struct {
	store *Store
	gate  Gate
	clk   clock.Clock
	log   *slog.Logger
	cfg   Config

	// offline serialises offline decisions: each reads a presence and
	// writes the next one, and two scans of the same ticket (stdin and the
	// web page at once) must not both see it outside.
	offline sync.Mutex
	// flush serialises uploads, so the loop and an explicit FlushOnce do
	// not send the same scans twice at once.
	flush sync.Mutex
	// queued wakes the uploader when a scan is queued; reachable wakes it
	// from a backoff when an online scan shows the server answers again.
	queued    chan struct{}
	reachable chan struct{}

	// pausedUntil is when scans try the server again after a timeout
	// (see OnlinePause); any sign of the server clears it.
	pauseMu     sync.Mutex
	pausedUntil time.Time

	// syncing is true while a Sync stream is open and has delivered a
	// message: the server answers (what the page shows as online).
	syncing atomic.Bool
}

// Connected reports whether the server answers now: a Sync stream is open
// and scans are not paused after a timeout.
func (s *Scanner) Connected() bool {
	return s.syncing.Load() && !s.paused(s.clk.Now())
}

func (s *Scanner) paused(now time.Time) bool {
	s.pauseMu.Lock()
	defer s.pauseMu.Unlock()
	return now.Before(s.pausedUntil)
}

func (s *Scanner) setPause(until time.Time) {
	s.pauseMu.Lock()
	defer s.pauseMu.Unlock()
	s.pausedUntil = until
}

// serverAnswered records a sign of life from the server: scans try it
// again, and the uploader stops waiting out its backoff.
func (s *Scanner) serverAnswered() {
	s.setPause(time.Time{})
	notify(s.reachable)
}

// New returns a Scanner.
func New(cfg Config) *Scanner {
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.ScanTimeout <= 0 {
		cfg.ScanTimeout = DefaultScanTimeout
	}
	if cfg.UploadTimeout <= 0 {
		cfg.UploadTimeout = DefaultUploadTimeout
	}
	if cfg.UploadBatch <= 0 || cfg.UploadBatch > MaxUploadBatch {
		cfg.UploadBatch = MaxUploadBatch
	}
	if cfg.NewID == nil {
		cfg.NewID = uuid.NewString
	}
	if cfg.Rand == nil {
		cfg.Rand = func() float64 { return 0.5 }
	}
	return &Scanner{store: cfg.Store, gate: cfg.Gate, clk: cfg.Clock, log: cfg.Log, cfg: cfg,
		queued: make(chan struct{}, 1), reachable: make(chan struct{}, 1)}
}

// Store returns the scanner's local store.
func (s *Scanner) Store() *Store { return s.store }

// Settings returns the gate settings.
func (s *Scanner) Settings() Settings { return s.store.Settings() }

func notify(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Decide decides one scan: online through GateService.Scan when the server
// answers within the scan timeout, offline otherwise. An error means no
// verdict could be given (not enrolled, shutting down, or the offline scan
// could not be stored) and the gate must stay closed.
func (s *Scanner) Decide(ctx context.Context, payload string, dir gate.Direction) (Result, error) {
	if !s.store.Enrolled() {
		return Result{}, ErrNotEnrolled
	}
	now := s.clk.Now()
	id := s.cfg.NewID()
	if s.paused(now) {
		return s.decideOffline(id, payload, dir, now)
	}
	r, err := s.online(ctx, id, payload, dir, now)
	if err == nil {
		return r, nil
	}
	if ctx.Err() != nil {
		return Result{}, ctx.Err()
	}
	switch connect.CodeOf(err) {
	case connect.CodeUnauthenticated, connect.CodePermissionDenied:
		s.log.Warn("the server refuses this device", "err", err)
		return Result{ScanID: id, Direction: dir, ScannedAt: now, Verdict: gate.Refused, Reason: ReasonDeviceRefused, Online: true}, nil
	case connect.CodeDeadlineExceeded:
		s.setPause(now.Add(OnlinePause))
		s.log.Info("the server does not answer in time; deciding offline for a while", "pause", OnlinePause)
	}
	// Anything else (no route, refused connection, timeout, a server in
	// trouble) means the server cannot decide now: the gate must keep
	// working, and the upload will reconcile. The same scan id goes into
	// the queue, so if the server did record the scan after all, the
	// upload is answered DUPLICATE.
	s.log.Debug("deciding offline", "err", err)
	return s.decideOffline(id, payload, dir, now)
}

func (s *Scanner) online(ctx context.Context, id, payload string, dir gate.Direction, now time.Time) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.ScanTimeout)
	defer cancel()
	res, err := s.gate.Scan(ctx, &varcov1.ScanRequest{ScanId: id, Payload: payload,
		Direction: varcov1.ScanDirection(dir), ScannedAt: timestamppb.New(now)})
	if err != nil {
		return Result{}, err
	}
	v := res.GetVerdict()
	if v == nil || v.GetVerdict() == varcov1.ScanVerdict_SCAN_VERDICT_UNSPECIFIED {
		return Result{}, errors.New("scan: empty verdict")
	}
	r := Result{ScanID: id, Direction: dir, ScannedAt: now, Online: true,
		Verdict: gate.Verdict(v.GetVerdict()), Reason: reasonFromProto(v.GetReason()),
		TicketID: v.GetTicketId(), Seats: int(v.GetSeats())}
	if v.GetEnteredAt() != nil {
		r.EnteredAt = v.GetEnteredAt().AsTime()
	}
	if v.GetExpiresAt() != nil {
		r.ExpiresAt = v.GetExpiresAt().AsTime()
	}
	if v.GetTimeLeft() != nil {
		r.TimeLeft = v.GetTimeLeft().AsDuration()
	}
	s.learn(payload, r)
	s.serverAnswered()
	return r, nil
}

// learn keeps the local copy of the ticket's gate state in step with an
// online verdict, so that anti-passback still holds if the network drops
// right after.
func (s *Scanner) learn(payload string, r Result) {
	if r.TicketID == "" {
		return
	}
	// The server verified the payload; decoding it again (without the
	// signature check) only recovers the resource id.
	claims, _ := ticket.Decode(payload)
	p := Presence{ResourceID: claims.ResourceID, EnteredAt: r.EnteredAt, ExpiresAt: r.ExpiresAt, Seats: claims.Seats}
	var revokedAt time.Time
	switch {
	case r.Reason == gate.ReasonRevoked:
		revokedAt = r.ScannedAt
	case r.LetThrough() && r.Direction == gate.Entry,
		r.Reason == gate.ReasonAlreadyInside,
		r.Reason == gate.ReasonStayExpired && r.Direction == gate.Entry && !r.EnteredAt.IsZero():
		p.State = gate.Inside
	case r.LetThrough() && r.Direction == gate.Exit:
		p.State, p.ExitedAt = gate.Exited, r.ScannedAt
	case r.Reason == gate.ReasonAlreadyUsed:
		p.State = gate.Exited
	case r.Reason == gate.ReasonNotInside:
		// Not inside: if the device thought so, it was wrong. Whether the
		// ticket is unused or closed the verdict does not say; keep a
		// closed one closed.
		if _, old := s.store.Lookup(r.TicketID); old.State != gate.Inside {
			return
		}
		p.State = gate.Issued
	default:
		return
	}
	if revokedAt.IsZero() {
		s.store.Learn(r.TicketID, &p, time.Time{})
		return
	}
	s.store.Learn(r.TicketID, nil, revokedAt)
}

// decideOffline applies the gate rules to the local state, queues the scan
// durably and only then returns the verdict.
func (s *Scanner) decideOffline(id, payload string, dir gate.Direction, now time.Time) (Result, error) {
	s.offline.Lock()
	defer s.offline.Unlock()
	settings := s.store.Settings()
	offset, lastSync := s.store.Offline()
	// Decided (and queued) at the server's time: a device clock off by
	// hours would otherwise open tickets outside their window.
	now = now.Add(offset)
	fresh := freshness{AsOf: lastSync.Add(offset), MaxAge: settings.MaxDataAge}
	r, next := judge(payload, s.store, s.store.Lookup, s.store.Inside, fresh, settings.Gate(), dir, now)
	r.ScanID = id
	// Every offline decision is queued, refusals too: the server keeps
	// every online scan, and an offline refusal it would have accepted
	// (say, the device missed a new key) is a conflict organizers should
	// see. Payloads the server rejects outright are not worth sending.
	if payload == "" || len(payload) > ticket.MaxPayloadLen {
		return r, nil
	}
	if _, err := s.store.Append(QueuedScan{ScanID: id, Payload: payload, Direction: dir, ScannedAt: now,
		TicketID: r.TicketID, Seats: r.Seats, Verdict: r.Verdict, Reason: r.Reason, Next: next}); err != nil {
		return Result{}, fmt.Errorf("the scan could not be stored, keep the gate closed: %w", err)
	}
	r.Queued = true
	notify(s.queued)
	return r, nil
}

// judge is the whole offline decision on one payload: the signature
// against the known keys, the revocation list, then the gate rules over the
// known presence. It is pure (lookup only reads), so the same table of cases
// (testdata/offline_cases.json) checks it and the gate web app's port
// (web/src/gate/offline), which must give identical verdicts. next is the
// presence to store, nil when the verdict changes nothing. inside counts
// the people inside a resource, read only when it has an occupancy cap.
func judge(payload string, keys ticket.KeyLookup, lookup func(ticketID string) (bool, Presence),
	inside func(resourceID string) int, fresh freshness, g gate.Gate, dir gate.Direction, now time.Time) (r Result, next *Presence) {
	r = Result{Direction: dir, ScannedAt: now}
	// With no keys yet every ticket names an unknown key: Verify refuses
	// it as UNKNOWN_KEY, which is the honest answer.
	claims, verr := ticket.Verify(payload, keys, now)
	r.TicketID, r.Seats = claims.TicketID, claims.Seats
	revoked, presence := false, Presence{State: gate.Issued}
	if verr == nil {
		revoked, presence = lookup(claims.TicketID)
	}
	switch {
	case fresh.stale(now) && dir != gate.Exit:
		// Keys and revocations this old may miss a cancelled ticket or a
		// new key: better no entry than a wrong one. Exits are decided as
		// usual: an exit lets no one in, and refusing it would keep who
		// left counted inside (the cap, overstays), here and, as a
		// conflict the server does not apply, on the server.
		r.Verdict, r.Reason = gate.Refused, ReasonDataTooOld
	case verr != nil:
		r.Verdict, r.Reason = gate.Refused, gate.Reason(ticket.ReasonOf(verr))
	case revoked:
		r.Verdict, r.Reason = gate.Refused, gate.ReasonRevoked
	default:
		if g.MaxInside[claims.ResourceID] > 0 {
			g.Inside = map[string]int{claims.ResourceID: inside(claims.ResourceID)}
		}
		d := gate.Decide(claims, presence.Gate(), g, dir, now)
		r.Verdict, r.Reason = d.Verdict, d.Reason
		r.EnteredAt, r.ExpiresAt = d.Next.EnteredAt, d.Next.ExpiresAt
		if d.Changed {
			next = &Presence{ResourceID: claims.ResourceID, State: d.Next.State,
				EnteredAt: d.Next.EnteredAt, ExpiresAt: d.Next.ExpiresAt, ExitedAt: d.Next.ExitedAt, Seats: claims.Seats}
		}
	}
	if r.LetThrough() && !r.ExpiresAt.IsZero() {
		r.TimeLeft = max(r.ExpiresAt.Sub(now), 0)
	}
	return r, next
}

// freshness is how old the device's data is: as of its last contact with
// the server (in the server's time), and the most the organizer allows for
// offline decisions (0: no bound).
type freshness struct {
	AsOf   time.Time
	MaxAge time.Duration
}

func (f freshness) stale(now time.Time) bool { return f.MaxAge > 0 && now.Sub(f.AsOf) > f.MaxAge }

func reasonFromProto(r varcov1.ScanReason) gate.Reason {
	const prefix = "SCAN_REASON_"
	name := r.String()
	if len(name) > len(prefix) && name[:len(prefix)] == prefix {
		return gate.Reason(name[len(prefix):])
	}
	return gate.Reason(name)
}

func reasonToProto(r gate.Reason) varcov1.ScanReason {
	return varcov1.ScanReason(varcov1.ScanReason_value["SCAN_REASON_"+string(r)])
}
