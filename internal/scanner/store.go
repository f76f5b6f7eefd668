package scanner

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/ticket"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// File names inside the store directory, and their permissions: the
// database and the identity hold the device credential, a secret, so
// nothing is readable by other users of the machine.
const (
	// DBFile is the store: one bbolt database (see store_db.go).
	DBFile = "store.db"
	// IdentityFile is a second copy of who the device is (server,
	// credential, settings), written only when that changes, so that a
	// damaged database never costs a re-enrollment.
	IdentityFile = "identity.json"
	// LegacyStateFile and LegacyQueueFile are the files of the store
	// before bbolt; Open imports them once and renames them aside.
	LegacyStateFile = "state.json"
	LegacyQueueFile = "queue.jsonl"
	// lockFile is held (flock) by the process using the store.
	lockFile = "lock"
	fileMode = 0o600
	dirMode  = 0o700
	// saveBatch is how many changed tickets learnt from Sync are saved at
	// once rather than with the next periodic save. Ticket ids are random
	// UUIDs, so a batch lands all over the bucket's pages, and a commit
	// holds in memory a copy of every page it touches: 5,000 touched nearly
	// all of them (≈ 8 MB at 50,000 tickets), 1,000 (one piece of a Sync
	// snapshot) about half; the scanner's peak RSS went from 63 to 58 MiB.
	saveBatch = 1000
	// heartbeatSaveEvery is how often a Sync stream with nothing new
	// still gets the time of the last sync written, for `scanner status`.
	heartbeatSaveEvery = 5 * time.Minute
)

// Secret is a credential. It prints as "[redacted]" through fmt and slog so
// it never ends up in a log or on the operator's screen by accident; it is
// stored in clear in the store, which only the device's user can read.
type Secret string

// String hides the secret.
func (Secret) String() string { return "[redacted]" }

// GoString hides the secret from %#v too.
func (Secret) GoString() string { return `"[redacted]"` }

// LogValue hides the secret from slog.
func (Secret) LogValue() slog.Value { return slog.StringValue("[redacted]") }

// Reveal returns the secret itself, for the Authorization header.
func (s Secret) Reveal() string { return string(s) }

// Settings is how the server configured the gate (varco.v1.GateSettings).
type Settings struct {
	DeviceID           string             `json:"device_id"`
	Name               string             `json:"name"`
	ResourceIDs        []string           `json:"resource_ids"`
	Direction          gate.GateDirection `json:"direction"`
	ReentryResourceIDs []string           `json:"reentry_resource_ids,omitempty"`
	// TimeZone is the IANA zone of the place the gate's resources belong
	// to: the operator reads times in it whatever the device's own zone.
	TimeZone string `json:"time_zone,omitempty"`
	// MaxInside is the occupancy cap of each capped resource served.
	MaxInside map[string]int `json:"max_inside,omitempty"`
	// MaxDataAge bounds how old the device's data (its last contact with
	// the server) may be for it to decide offline; 0: no bound (a store
	// synced before servers sent one).
	MaxDataAge time.Duration `json:"max_data_age,omitempty"`
}

// Gate returns the settings as the gate rules want them.
func (s Settings) Gate() gate.Gate {
	return gate.Gate{ResourceIDs: s.ResourceIDs, Direction: s.Direction, ReentryResourceIDs: s.ReentryResourceIDs,
		MaxInside: s.MaxInside}
}

// Location is the place's time zone, in which the operator reads every
// time; the device's own zone (time.Local, UTC on most gate boxes) only
// when the server did not say (an older server) or names a zone this
// program does not know.
func (s Settings) Location() *time.Location {
	if s.TimeZone != "" {
		if loc, err := time.LoadLocation(s.TimeZone); err == nil {
			return loc
		}
	}
	return time.Local
}

// PublicKey is a ticket signing key as published to scanners.
type PublicKey struct {
	ID     string `json:"id"`
	Public []byte `json:"public"`
	// RetiredAt: tickets signed with the key stop verifying after it.
	RetiredAt time.Time `json:"retired_at,omitzero"`
}

// Presence is a ticket's gate state as known to the device.
type Presence struct {
	ResourceID string     `json:"resource_id,omitempty"`
	State      gate.State `json:"state"`
	EnteredAt  time.Time  `json:"entered_at,omitzero"`
	ExpiresAt  time.Time  `json:"expires_at,omitzero"`
	ExitedAt   time.Time  `json:"exited_at,omitzero"`
	// Seats are the people the ticket admits, counted against an
	// occupancy cap while inside.
	Seats int `json:"seats,omitempty"`
}

// Gate returns the presence as the gate rules want it.
func (p Presence) Gate() gate.Presence {
	return gate.Presence{State: p.State, EnteredAt: p.EnteredAt, ExpiresAt: p.ExpiresAt, ExitedAt: p.ExitedAt}
}

// State is what the device knows, apart from its queue.
type State struct {
	ServerURL  string    `json:"server_url"`
	Credential Secret    `json:"credential,omitempty"`
	EnrolledAt time.Time `json:"enrolled_at,omitzero"`
	Settings   Settings  `json:"settings"`
	// Keys is the full set of public keys last received.
	Keys []PublicKey `json:"keys,omitempty"`
	// Revoked maps revoked ticket ids to when they were revoked.
	// Presences maps ticket ids to their known gate state. The Store keeps
	// both compactly (presences.go) and fills them only in what State and
	// Update hand out.
	Revoked   map[string]time.Time `json:"revoked,omitempty"`
	Presences map[string]Presence  `json:"presences,omitempty"`
	// Cursor is where Sync resumes; it is saved in the same transaction as
	// the state it describes, so the two never disagree after a crash.
	Cursor   string    `json:"cursor,omitempty"`
	LastSync time.Time `json:"last_sync,omitzero"`
	// ClockOffset is the server's clock minus this device's, measured at
	// the last Sync message: offline decisions are made at the corrected
	// time.
	ClockOffset time.Duration `json:"clock_offset,omitempty"`
	// DeviceRevoked is set when the server revoked this device: the
	// credential is forgotten and the scanner refuses to run.
	DeviceRevoked bool `json:"device_revoked,omitempty"`
}

// Enrolled reports whether the device has a usable credential.
func (s State) Enrolled() bool { return s.Credential != "" && !s.DeviceRevoked }

// QueuedScan is a scan decided offline, waiting to be uploaded.
type QueuedScan struct {
	// Seq orders the queue: it is the scan's number among all the scans
	// this store ever queued.
	Seq       uint64         `json:"seq"`
	ScanID    string         `json:"scan_id"`
	Payload   string         `json:"payload"`
	Direction gate.Direction `json:"direction"`
	ScannedAt time.Time      `json:"scanned_at"`
	TicketID  string         `json:"ticket_id,omitempty"`
	Seats     int            `json:"seats,omitempty"`
	Verdict   gate.Verdict   `json:"verdict"`
	Reason    gate.Reason    `json:"reason"`
	// Next is the ticket's presence after the scan, when the scan changed
	// it; it is written with the scan, in the same transaction.
	Next *Presence `json:"next,omitempty"`
}

// Counters tell a queue that lost scans from one that uploaded them:
// Queued = Uploaded + Lost + the scans still queued, always.
type Counters struct {
	// Queued is how many scans this store ever queued.
	Queued uint64 `json:"queued"`
	// Uploaded is how many of them the server answered for.
	Uploaded uint64 `json:"uploaded"`
	// Lost is how many disappeared from a damaged store.
	Lost uint64 `json:"lost"`
}

// Store is the device's local store: one bbolt database (store.db) with
// the credential, the settings, the Sync copy (keys, revocations,
// presences, cursor) and the queue of offline scans, plus identity.json, a
// second copy of the credential. It is safe for concurrent use.
//
// An offline scan and the presence change it causes are one transaction,
// committed (fsynced) before Append returns. Changes learnt from online
// scans and from Sync are only a cache of what the server knows, so they
// are written by Save (every few seconds, and at once for what matters),
// always together with the Sync cursor that covers them.
type Store struct {
	dir  string
	db   *bolt.DB
	lock *os.File // the held lock file (nil where locking is not available)

	mu sync.Mutex
	// st is the state but its Revoked and Presences, which are nil: they
	// are in rev and pres.
	st   State
	rev  revokedMap
	pres presenceMap
	ring *ticket.KeyRing
	// queue indexes the queue bucket in order; payloads stay on disk, so
	// memory does not grow with a long offline spell.
	queue    []queued
	counters Counters
	// pending counts, per ticket, the queued scans that changed its
	// presence: until they are uploaded the device knows more about those
	// tickets than the server, so Sync must not overwrite them.
	pending map[string]int
	// inPieces: Sync messages without a cursor arrived, the pieces of a
	// big batch (a snapshot); the one with the cursor ends it.
	inPieces  bool
	incidents []Incident
	// found is how many of incidents this Open added.
	found int
	log   *slog.Logger
	dirty dirty
	// savedCursor and savedLastSync are what the database holds, to tell
	// a heartbeat from a change; savedIdentity is identity.json's content.
	savedCursor   string
	savedLastSync time.Time
	savedOffset   time.Duration
	savedIdentity []byte
}

// dirty is what Save has to write.
type dirty struct {
	meta, keys bool
	// all: presences and revocations were replaced wholesale (a Sync
	// snapshot, Update): rewrite their buckets.
	all       bool
	presences map[string]bool
	revoked   map[string]bool
}

func (d dirty) any() bool {
	return d.meta || d.keys || d.all || len(d.presences) > 0 || len(d.revoked) > 0
}

// queued is the in-memory index entry of a queued scan.
type queued struct {
	seq              uint64
	scanID, ticketID string
	changes          bool // the scan changed the ticket's presence
}

func index(q QueuedScan) queued {
	return queued{seq: q.Seq, scanID: q.ScanID, ticketID: q.TicketID, changes: q.Next != nil && q.TicketID != ""}
}

// SetLogger sets where the store reports what it skipped (bad keys from the
// server); by default it says nothing.
func (s *Store) SetLogger(l *slog.Logger) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.log = l
}

// Dir is the store's directory.
func (s *Store) Dir() string { return s.dir }

// Incidents is what Open found wrong with the store (damage, loss,
// migration), oldest first: the program logs them and `scanner status`
// shows them.
func (s *Store) Incidents() []Incident {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.incidents)
}

// Found is the incidents this Open found (the last of Incidents).
func (s *Store) Found() []Incident {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.incidents[len(s.incidents)-s.found:])
}

// Counters returns the queue's counters.
func (s *Store) Counters() Counters {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counters
}

// Close saves pending changes and closes the database.
func (s *Store) Close() error {
	err := s.Save()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db != nil {
		err = errors.Join(err, s.db.Close())
		s.db = nil
	}
	s.unlock()
	return err
}

// unlock releases the store directory.
func (s *Store) unlock() {
	if s.lock != nil {
		_ = s.lock.Close() // closing the descriptor releases the flock
		s.lock = nil
	}
}

// State returns a deep copy of the current state.
func (s *Store) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := cloneState(s.st)
	st.Revoked, st.Presences = s.rev.all(), s.pres.all()
	return st
}

// Meta returns a copy of the state without its tickets (Revoked and
// Presences are nil): what a caller needs that is not about a ticket,
// without copying 50,000 of them.
func (s *Store) Meta() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneState(s.st)
}

func cloneState(st State) State {
	st.Settings = cloneSettings(st.Settings)
	st.Keys = slices.Clone(st.Keys)
	st.Revoked = maps.Clone(st.Revoked)
	st.Presences = maps.Clone(st.Presences)
	return st
}

func cloneSettings(g Settings) Settings {
	g.ResourceIDs = slices.Clone(g.ResourceIDs)
	g.ReentryResourceIDs = slices.Clone(g.ReentryResourceIDs)
	g.MaxInside = maps.Clone(g.MaxInside)
	return g
}

// Enrolled reports whether the device has a usable credential. Unlike
// State it copies nothing, so it is cheap enough for every scan.
func (s *Store) Enrolled() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.Enrolled()
}

// Credential returns the device credential ("" when not enrolled).
func (s *Store) Credential() Secret {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.Credential
}

// Settings returns the gate settings.
func (s *Store) Settings() Settings {
	s.mu.Lock()
	defer s.mu.Unlock()
	return cloneSettings(s.st.Settings)
}

// Cursor returns where Sync resumes.
func (s *Store) Cursor() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.Cursor
}

// Update changes the state in memory; Save writes it (all of it: Update is
// for enrollment and tests, not for every scan).
func (s *Store) Update(fn func(*State)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Revoked, s.st.Presences = s.rev.all(), s.pres.all()
	fn(&s.st)
	s.rev, s.pres = revokedFrom(s.st.Revoked), presencesFrom(s.st.Presences)
	s.st.Revoked, s.st.Presences = nil, nil
	s.ring, _ = buildRing(s.st.Keys)
	s.dirty.meta, s.dirty.keys, s.dirty.all = true, true, true
}

// Save writes what changed since the last save in one transaction, and
// identity.json when the device's identity changed.
func (s *Store) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked()
}

func (s *Store) saveLocked() error {
	if s.db == nil {
		if s.dirty.any() {
			return errors.New("store: closed")
		}
		return nil
	}
	if s.dirty.any() {
		if err := s.db.Update(func(tx *bolt.Tx) error { return writeDirty(tx, &s.st, &s.pres, &s.rev, s.dirty, s.counters) }); err != nil {
			return fmt.Errorf("store: save: %w", err)
		}
		s.dirty = dirty{}
		s.savedCursor, s.savedLastSync, s.savedOffset = s.st.Cursor, s.st.LastSync, s.st.ClockOffset
	}
	return s.saveIdentityLocked()
}

// buildRing turns the stored public keys into a key ring, skipping (and
// reporting) any that is inconsistent, so that one bad key from the server
// does not stop the others from verifying.
func buildRing(keys []PublicKey) (*ticket.KeyRing, error) {
	ring, _ := ticket.NewKeyRing()
	var errs []error
	for _, k := range keys {
		if err := ring.Add(ticket.Key{ID: k.ID, Public: k.Public, RetiredAt: k.RetiredAt}); err != nil {
			errs = append(errs, err)
		}
	}
	return ring, errors.Join(errs...)
}

// Get returns the public key with the given id: the store is the
// ticket.KeyLookup of offline verification.
func (s *Store) Get(id string) (ticket.Key, bool) {
	s.mu.Lock()
	ring := s.ring
	s.mu.Unlock()
	return ring.Get(id)
}

// Lookup returns what the device knows about a ticket: whether it is
// revoked, and its presence (Issued when unknown).
func (s *Store) Lookup(ticketID string) (revoked bool, p Presence) {
	s.mu.Lock()
	defer s.mu.Unlock()
	revoked = s.rev.has(ticketID)
	p, ok := s.pres.get(ticketID)
	if !ok {
		p.State = gate.Issued
	}
	return revoked, p
}

// MaxClockSkew is how far the device's clock may drift from the server's
// before the operator is warned.
const MaxClockSkew = time.Minute

func skewed(d time.Duration) bool { return d > MaxClockSkew || d < -MaxClockSkew }

// Offline returns what an offline decision needs beyond the state: the
// device clock's offset from the server's, and the time of the last
// contact with the server.
func (s *Store) Offline() (offset time.Duration, lastSync time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.ClockOffset, s.st.LastSync
}

// Inside counts the people inside resourceID as the device knows them:
// the seats of its unrevoked tickets inside, what the server counts too.
func (s *Store) Inside(resourceID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.pres.inside(resourceID, &s.rev)
}

// presence and revocation note one changed ticket; nothing to note when
// the whole of both is rewritten anyway (a snapshot of 50,000 tickets
// would otherwise keep a second map of their ids until the save).
func (d *dirty) presence(id string) {
	if d.all {
		return
	}
	if d.presences == nil {
		d.presences = map[string]bool{}
	}
	d.presences[id] = true
}

func (d *dirty) revocation(id string) {
	if d.all {
		return
	}
	if d.revoked == nil {
		d.revoked = map[string]bool{}
	}
	d.revoked[id] = true
}

// Learn records a presence or a revocation reported by an online verdict.
// The server decided it just now, so it overrides anything older, queued
// offline scans included.
func (s *Store) Learn(ticketID string, p *Presence, revokedAt time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !revokedAt.IsZero() {
		s.rev.set(ticketID, revokedAt)
		s.dirty.revocation(ticketID)
	}
	if p != nil {
		if p.State == gate.Issued {
			s.pres.delete(ticketID)
		} else {
			s.pres.set(ticketID, *p)
		}
		s.dirty.presence(ticketID)
	}
}

// Append queues an offline scan and stores the ticket's new presence in
// one transaction, committed before it returns. The caller shows the
// verdict only after Append returned nil, so a scan the gate let through
// is never lost to a crash, and a ticket let in is never let in again.
func (s *Store) Append(q QueuedScan) (QueuedScan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return q, errors.New("store: closed")
	}
	q.Seq = s.counters.Queued + 1
	val, err := json.Marshal(q)
	if err != nil {
		return q, fmt.Errorf("store: encode scan: %w", err)
	}
	counters := s.counters
	counters.Queued = q.Seq
	err = s.db.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketQueue).Put(seqKey(q.Seq), val); err != nil {
			return err
		}
		if q.Next != nil && q.TicketID != "" {
			if err := putJSON(tx.Bucket(bucketPresences), q.TicketID, q.Next); err != nil {
				return err
			}
		}
		return putCounters(tx, counters)
	})
	if err != nil {
		return q, fmt.Errorf("store: queue scan: %w", err)
	}
	s.counters = counters
	s.queue = append(s.queue, index(q))
	if q.Next != nil && q.TicketID != "" {
		s.pres.set(q.TicketID, *q.Next)
		s.pending[q.TicketID]++
		if !s.dirty.all {
			delete(s.dirty.presences, q.TicketID) // on disk now
		}
	}
	return q, nil
}

// QueueLen is the number of scans waiting for upload.
func (s *Store) QueueLen() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

// Queue returns up to n queued scans, oldest first (all when n <= 0),
// read back from the database.
func (s *Store) Queue(n int) ([]QueuedScan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n <= 0 || n > len(s.queue) {
		n = len(s.queue)
	}
	out := make([]QueuedScan, 0, n)
	if n == 0 {
		return out, nil
	}
	if s.db == nil {
		return nil, errors.New("store: closed")
	}
	err := s.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketQueue).Cursor()
		for k, v := c.First(); k != nil && len(out) < n; k, v = c.Next() {
			if q, ok := decodeQueued(k, v); ok {
				out = append(out, q)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: read queue: %w", err)
	}
	return out, nil
}

// Remove drops uploaded scans from the queue and counts them as uploaded,
// in one transaction. Their presence changes are already stored.
func (s *Store) Remove(scanIDs map[string]bool) error {
	if len(scanIDs) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db == nil {
		return errors.New("store: closed")
	}
	keep := make([]queued, 0, len(s.queue))
	var gone []queued
	for _, q := range s.queue {
		if scanIDs[q.scanID] {
			gone = append(gone, q)
		} else {
			keep = append(keep, q)
		}
	}
	counters := s.counters
	counters.Uploaded += uint64(len(gone))
	err := s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketQueue)
		for _, q := range gone {
			if err := b.Delete(seqKey(q.seq)); err != nil {
				return err
			}
		}
		return putCounters(tx, counters)
	})
	if err != nil {
		return fmt.Errorf("store: drop uploaded scans: %w", err)
	}
	s.counters = counters
	s.queue = keep
	for _, q := range gone {
		if q.changes {
			if s.pending[q.ticketID]--; s.pending[q.ticketID] <= 0 {
				delete(s.pending, q.ticketID)
			}
		}
	}
	return nil
}

// ApplySync applies one SyncResponse in order (reset, settings, keys,
// revocations, presences) and stores its cursor. A snapshot, new settings
// or keys, and a revocation of the device are saved at once; the stream of
// small changes (a presence per scan anywhere, a heartbeat every few
// seconds) is saved with the next Save, so the flash of a handheld is not
// written every second. Either way the cursor is saved in the same
// transaction as the changes it covers, so after a crash the device
// resumes from an older cursor and the server simply sends those changes
// again. A big batch comes in pieces (messages without a cursor; the last
// has it): its changes are saved every saveBatch tickets, so neither they
// nor the transaction writing them grow with the batch, and at its end.
// It returns ErrDeviceRevoked, after forgetting the credential, when the
// message says the device was revoked.
func (s *Store) ApplySync(m *varcov1.SyncResponse, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st
	if m.GetReset_() {
		// A full snapshot follows: forget what it will resend, except the
		// presences that queued offline scans changed, which the server
		// does not know yet.
		// The maps are made at the snapshot's size: grown one doubling at a
		// time, 50,000 tickets leave twice their size in garbage.
		st.Keys = nil
		s.rev = newRevokedMap(len(m.GetRevocations()))
		kept := newPresenceMap(len(s.pending) + len(m.GetPresences()))
		for id := range s.pending {
			if p, ok := s.pres.get(id); ok {
				kept.set(id, p)
			}
		}
		s.pres = kept
		s.dirty.all, s.dirty.keys = true, true
	}
	if g := m.GetSettings(); g != nil {
		st.Settings = settingsFromProto(g)
		s.dirty.meta = true
	}
	if len(m.GetKeys()) > 0 || m.GetReset_() {
		st.Keys = st.Keys[:0]
		for _, k := range m.GetKeys() {
			pk := PublicKey{ID: k.GetKeyId(), Public: k.GetPublicKey()}
			if k.GetRetiredAt() != nil {
				pk.RetiredAt = k.GetRetiredAt().AsTime()
			}
			st.Keys = append(st.Keys, pk)
		}
		ring, err := buildRing(st.Keys)
		s.ring = ring
		if err != nil {
			s.log.Warn("sync: some keys were skipped", "err", err)
		}
		s.dirty.keys = true
	}
	for _, r := range m.GetRevocations() {
		at := now
		if r.GetRevokedAt() != nil {
			at = r.GetRevokedAt().AsTime()
		}
		s.rev.set(r.GetTicketId(), at)
		s.dirty.revocation(r.GetTicketId())
	}
	for _, p := range m.GetPresences() {
		id := p.GetTicketId()
		if s.pending[id] > 0 {
			continue // the device knows better until its queue is uploaded
		}
		np := presenceFromProto(p)
		// One copy of each resource id, not one per ticket.
		if i := slices.Index(st.Settings.ResourceIDs, np.ResourceID); i >= 0 {
			np.ResourceID = st.Settings.ResourceIDs[i]
		}
		if np.State == gate.Issued || np.State == 0 {
			s.pres.delete(id)
		} else {
			s.pres.set(id, np)
		}
		s.dirty.presence(id)
	}
	if m.GetDeviceRevoked() {
		st.Credential = ""
		st.DeviceRevoked = true
	}
	if m.GetCursor() != "" {
		st.Cursor = m.GetCursor()
	}
	changed := m.GetReset_() || m.GetSettings() != nil || len(m.GetKeys()) > 0 || len(m.GetRevocations()) > 0 ||
		len(m.GetPresences()) > 0 || m.GetDeviceRevoked() || m.GetCursor() != s.savedCursor
	st.LastSync = now
	if m.GetServerTime() != nil {
		off := m.GetServerTime().AsTime().Sub(now)
		if skewed(off) && !skewed(st.ClockOffset) {
			s.log.Warn("this device's clock differs from the server's by more than a minute: offline decisions use the server's time",
				"offset", off.Round(time.Second))
		}
		if off != st.ClockOffset {
			st.ClockOffset = off
			s.dirty.meta = s.dirty.meta || skewed(off) != skewed(s.savedOffset)
		}
	}
	// A heartbeat changes nothing but the time of the last sync, which is
	// worth a write only now and then.
	if changed || now.Sub(s.savedLastSync) >= heartbeatSaveEvery {
		s.dirty.meta = true
	}
	endOfPieces := s.inPieces && m.GetCursor() != ""
	s.inPieces = m.GetCursor() == "" && len(m.GetRevocations())+len(m.GetPresences()) > 0
	if m.GetReset_() || m.GetSettings() != nil || len(m.GetKeys()) > 0 || m.GetDeviceRevoked() || endOfPieces ||
		len(s.dirty.presences)+len(s.dirty.revoked) >= saveBatch {
		if err := s.saveLocked(); err != nil {
			return err
		}
	}
	if m.GetDeviceRevoked() {
		return ErrDeviceRevoked
	}
	return nil
}

func settingsFromProto(g *varcov1.GateSettings) Settings {
	return Settings{
		DeviceID: g.GetDeviceId(), Name: g.GetName(), ResourceIDs: slices.Clone(g.GetResourceIds()),
		Direction: gate.GateDirection(g.GetDirection()), ReentryResourceIDs: slices.Clone(g.GetReentryResourceIds()),
		TimeZone: g.GetTimeZone(), MaxInside: maxInsideFromProto(g.GetMaxInside()),
		MaxDataAge: g.GetMaxDataAge().AsDuration(),
	}
}

func maxInsideFromProto(m map[string]int32) map[string]int {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]int, len(m))
	for id, n := range m {
		out[id] = int(n)
	}
	return out
}

func presenceFromProto(p *varcov1.TicketPresence) Presence {
	out := Presence{ResourceID: p.GetResourceId(), State: gate.State(p.GetState()), Seats: int(p.GetSeats())}
	if p.GetEnteredAt() != nil {
		out.EnteredAt = p.GetEnteredAt().AsTime()
	}
	if p.GetExpiresAt() != nil {
		out.ExpiresAt = p.GetExpiresAt().AsTime()
	}
	if p.GetExitedAt() != nil {
		out.ExitedAt = p.GetExitedAt().AsTime()
	}
	return out
}
