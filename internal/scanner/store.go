package scanner

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/ticket"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// File names inside the store directory, and their permissions: the state
// holds the device credential, a secret, so nothing is readable by other
// users of the machine.
const (
	StateFile = "state.json"
	QueueFile = "queue.jsonl"
	// lockFile is held (flock) by the process using the store.
	lockFile = "lock"
	fileMode = 0o600
	dirMode  = 0o700
	// stateVersion is written into state.json so that a future layout can
	// be told apart from this one.
	stateVersion = 1
	// heartbeatSaveEvery is how often a Sync stream with nothing new
	// still gets the time of the last sync written, for `scanner status`.
	heartbeatSaveEvery = 5 * time.Minute
	// maxQueueLine bounds one queued scan on disk: a payload is at most
	// ticket.MaxPayloadLen bytes, the rest is a few hundred bytes of JSON.
	maxQueueLine = 64 << 10
)

// Secret is a credential. It prints as "[redacted]" through fmt and slog so
// it never ends up in a log or on the operator's screen by accident; it is
// stored in clear in state.json, which only the device's user can read.
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
}

// Gate returns the settings as the gate rules want them.
func (s Settings) Gate() gate.Gate {
	return gate.Gate{ResourceIDs: s.ResourceIDs, Direction: s.Direction, ReentryResourceIDs: s.ReentryResourceIDs}
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
}

// Gate returns the presence as the gate rules want it.
func (p Presence) Gate() gate.Presence {
	return gate.Presence{State: p.State, EnteredAt: p.EnteredAt, ExpiresAt: p.ExpiresAt, ExitedAt: p.ExitedAt}
}

// State is the content of state.json.
type State struct {
	Version    int       `json:"version"`
	ServerURL  string    `json:"server_url"`
	Credential Secret    `json:"credential,omitempty"`
	EnrolledAt time.Time `json:"enrolled_at,omitzero"`
	Settings   Settings  `json:"settings"`
	// Keys is the full set of public keys last received.
	Keys []PublicKey `json:"keys,omitempty"`
	// Revoked maps revoked ticket ids to when they were revoked.
	Revoked map[string]time.Time `json:"revoked,omitempty"`
	// Presences maps ticket ids to their known gate state.
	Presences map[string]Presence `json:"presences,omitempty"`
	// Cursor is where Sync resumes; it is saved in the same atomic write as
	// the state it describes, so the two never disagree after a crash.
	Cursor   string    `json:"cursor,omitempty"`
	LastSync time.Time `json:"last_sync,omitzero"`
	// AppliedSeq is the highest queue sequence number whose presence change
	// is already in Presences; queued scans above it are replayed at Open.
	AppliedSeq uint64 `json:"applied_seq,omitempty"`
	// DeviceRevoked is set when the server revoked this device: the
	// credential is forgotten and the scanner refuses to run.
	DeviceRevoked bool `json:"device_revoked,omitempty"`
}

// Enrolled reports whether the device has a usable credential.
func (s State) Enrolled() bool { return s.Credential != "" && !s.DeviceRevoked }

// QueuedScan is one line of queue.jsonl: a scan decided offline, waiting
// to be uploaded.
type QueuedScan struct {
	// Seq orders the queue and ties it to State.AppliedSeq.
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
	// it. The queue doubles as the journal of offline presence changes:
	// appending one fsynced line is the whole durable write of an offline
	// scan, instead of also rewriting state.json every time.
	Next *Presence `json:"next,omitempty"`
}

// Store is the device's local store: a directory with state.json, replaced
// atomically (temporary file, fsync, rename, fsync of the directory), and
// queue.jsonl, an append-only log of offline scans fsynced line by line
// and rewritten compactly after an upload. It is safe for concurrent use.
//
// Writes of state.json are explicit (Save): changes learnt from online
// scans are only a cache of what the server knows, so losing the last few
// seconds of them in a crash costs nothing, while offline scans, which only
// the device knows, are on disk before Append returns.
type Store struct {
	dir string

	mu    sync.Mutex
	st    State
	dirty bool
	ring  *ticket.KeyRing
	// queue indexes queue.jsonl, which holds exactly the queued scans in
	// order; payloads stay on disk, so memory does not grow with a long
	// offline spell (Queue reads them back for the upload).
	queue   []queued
	qf      *os.File
	qsize   int64
	lastSeq uint64
	// pending counts, per ticket, the queued scans that changed its
	// presence: until they are uploaded the device knows more about those
	// tickets than the server, so Sync must not overwrite them.
	pending map[string]int
	// dropped counts queue lines that could not be read at Open.
	dropped int
	log     *slog.Logger
	// savedCursor and savedLastSync are what state.json holds, to tell a
	// heartbeat from a change.
	savedCursor   string
	savedLastSync time.Time
	// lock is the held lock file (nil where locking is not available).
	lock *os.File
}

// Open opens (creating it if needed) the store in dir.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// Locked first: the clean-up below would delete the temporary files
	// of a process already using the store.
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	// Leftovers of a write interrupted by a crash: the rename never
	// happened, so they hold nothing the real files do not.
	if tmps, err := filepath.Glob(filepath.Join(dir, "*.tmp")); err == nil {
		for _, t := range tmps {
			_ = os.Remove(t)
		}
	}
	s := &Store{dir: dir, pending: map[string]int{}, log: slog.New(slog.DiscardHandler), lock: lock}
	if err := s.loadState(); err != nil {
		s.unlock()
		return nil, err
	}
	if err := s.loadQueue(); err != nil {
		if s.qf != nil {
			_ = s.qf.Close()
		}
		s.unlock()
		return nil, err
	}
	return s, nil
}

// unlock releases the store directory.
func (s *Store) unlock() {
	if s.lock != nil {
		_ = s.lock.Close() // closing the descriptor releases the flock
		s.lock = nil
	}
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

func (s *Store) loadState() error {
	data, err := os.ReadFile(filepath.Join(s.dir, StateFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
		s.st = State{Version: stateVersion}
	case err != nil:
		return fmt.Errorf("store: %w", err)
	default:
		if err := json.Unmarshal(data, &s.st); err != nil {
			// Atomic replacement means this is not a torn write but a
			// damaged disk or a hand edit: refuse rather than guess.
			return fmt.Errorf("store: %s: %w", StateFile, err)
		}
		if s.st.Version != stateVersion {
			return fmt.Errorf("store: %s has version %d, this program reads %d", StateFile, s.st.Version, stateVersion)
		}
	}
	if s.st.Revoked == nil {
		s.st.Revoked = map[string]time.Time{}
	}
	if s.st.Presences == nil {
		s.st.Presences = map[string]Presence{}
	}
	s.ring, _ = buildRing(s.st.Keys)
	s.lastSeq = s.st.AppliedSeq
	s.savedCursor, s.savedLastSync = s.st.Cursor, s.st.LastSync
	return nil
}

// queued is the in-memory index entry of a queued scan.
type queued struct {
	scanID, ticketID string
	changes          bool // the scan changed the ticket's presence
}

func index(q QueuedScan) queued {
	return queued{scanID: q.ScanID, ticketID: q.TicketID, changes: q.Next != nil && q.TicketID != ""}
}

// eachLine calls fn with every complete line of the queue file (newline
// included), stopping early when fn returns false. It reports whether the
// file ended cleanly (false after the torn tail of an interrupted append).
func (s *Store) eachLine(fn func(line []byte) bool) (clean bool, err error) {
	f, err := os.Open(filepath.Join(s.dir, QueueFile))
	if err != nil {
		return false, fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		switch {
		case err == io.EOF:
			return len(line) == 0, nil
		case err != nil:
			return false, fmt.Errorf("store: read queue: %w", err)
		}
		if !fn(line) {
			return true, nil
		}
	}
}

func decodeLine(line []byte) (QueuedScan, bool) {
	var q QueuedScan
	if err := json.Unmarshal(line, &q); err != nil || q.ScanID == "" {
		return q, false
	}
	return q, true
}

func (s *Store) loadQueue() error {
	path := filepath.Join(s.dir, QueueFile)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, fileMode)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	s.qf = f
	if err := f.Chmod(fileMode); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	clean, err := s.eachLine(func(line []byte) bool {
		s.qsize += int64(len(line))
		q, ok := decodeLine(line)
		if !ok {
			s.dropped++
			return true
		}
		s.queue = append(s.queue, index(q))
		s.lastSeq = max(s.lastSeq, q.Seq)
		if q.Next != nil && q.TicketID != "" {
			s.pending[q.TicketID]++
			if q.Seq > s.st.AppliedSeq {
				s.st.Presences[q.TicketID] = *q.Next
			}
		}
		return true
	})
	if err != nil {
		return err
	}
	if !clean || s.dropped > 0 {
		// Rewrite before the next append, which would otherwise glue a
		// new line onto a torn one.
		return s.rewriteQueueLocked(func(QueuedScan) bool { return true })
	}
	return nil
}

// Close saves pending changes and closes the queue file.
func (s *Store) Close() error {
	err := s.Save()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.qf != nil {
		err = errors.Join(err, s.qf.Close())
		s.qf = nil
	}
	s.unlock()
	return err
}

// State returns a deep copy of the current state.
func (s *Store) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.st
	st.Settings.ResourceIDs = slices.Clone(st.Settings.ResourceIDs)
	st.Settings.ReentryResourceIDs = slices.Clone(st.Settings.ReentryResourceIDs)
	st.Keys = slices.Clone(st.Keys)
	st.Revoked = maps.Clone(st.Revoked)
	st.Presences = maps.Clone(st.Presences)
	return st
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
	g := s.st.Settings
	g.ResourceIDs = slices.Clone(g.ResourceIDs)
	g.ReentryResourceIDs = slices.Clone(g.ReentryResourceIDs)
	return g
}

// Cursor returns where Sync resumes.
func (s *Store) Cursor() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.Cursor
}

// Update changes the state in memory; Save writes it.
func (s *Store) Update(fn func(*State)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.st)
	s.ring, _ = buildRing(s.st.Keys)
	s.dirty = true
}

// Save writes state.json atomically if anything changed since the last
// save.
func (s *Store) Save() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saveLocked()
}

func (s *Store) saveLocked() error {
	if !s.dirty {
		return nil
	}
	// Every queued presence change is already applied to s.st.Presences.
	s.st.AppliedSeq = s.lastSeq
	s.st.Version = stateVersion
	data, err := json.MarshalIndent(s.st, "", " ")
	if err != nil {
		return fmt.Errorf("store: encode state: %w", err)
	}
	if err := writeFileAtomic(s.dir, StateFile, append(data, '\n')); err != nil {
		return err
	}
	s.dirty = false
	s.savedCursor, s.savedLastSync = s.st.Cursor, s.st.LastSync
	return nil
}

// writeFileAtomic replaces dir/name with data so that a crash at any point
// leaves either the old or the new content, never a mix: the data is
// fsynced in a temporary file before the rename, and the directory after
// it so that the rename itself survives a power cut.
func writeFileAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, name+".*.tmp") // created 0600
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(fileMode); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("store: write %s: %w", name, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("store: sync %s: %w", name, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("store: close %s: %w", name, err)
	}
	if err = os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("store: sync directory: %w", err)
	}
	return nil
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
	_, revoked = s.st.Revoked[ticketID]
	p, ok := s.st.Presences[ticketID]
	if !ok {
		p.State = gate.Issued
	}
	return revoked, p
}

// Learn records a presence or a revocation reported by an online verdict.
// The server decided it just now, so it overrides anything older, queued
// offline scans included.
func (s *Store) Learn(ticketID string, p *Presence, revokedAt time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !revokedAt.IsZero() {
		s.st.Revoked[ticketID] = revokedAt
	}
	if p != nil {
		if p.State == gate.Issued {
			delete(s.st.Presences, ticketID)
		} else {
			s.st.Presences[ticketID] = *p
		}
	}
	s.dirty = true
}

// Append queues an offline scan durably (one line, fsynced) and applies its
// presence change. The caller shows the verdict only after Append returned
// nil, so a scan the gate let through is never lost to a crash.
func (s *Store) Append(q QueuedScan) (QueuedScan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.qf == nil {
		return q, errors.New("store: closed")
	}
	q.Seq = s.lastSeq + 1
	line, err := json.Marshal(q)
	if err != nil {
		return q, fmt.Errorf("store: encode scan: %w", err)
	}
	line = append(line, '\n')
	if _, err := s.qf.Write(line); err != nil {
		// Cut a partial line off so that the next append starts clean.
		_ = s.qf.Truncate(s.qsize)
		return q, fmt.Errorf("store: append scan: %w", err)
	}
	if err := s.qf.Sync(); err != nil {
		_ = s.qf.Truncate(s.qsize)
		return q, fmt.Errorf("store: sync queue: %w", err)
	}
	s.qsize += int64(len(line))
	s.lastSeq = q.Seq
	s.queue = append(s.queue, index(q))
	if q.Next != nil && q.TicketID != "" {
		s.st.Presences[q.TicketID] = *q.Next
		s.pending[q.TicketID]++
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
// read back from queue.jsonl.
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
	_, err := s.eachLine(func(line []byte) bool {
		if q, ok := decodeLine(line); ok {
			out = append(out, q)
		}
		return len(out) < n
	})
	return out, err
}

// DroppedLines is how many unreadable queue lines Open skipped.
func (s *Store) DroppedLines() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.dropped
}

// Remove drops uploaded scans from the queue. The state (whose presences
// include the dropped scans' changes) is saved first and the queue
// rewritten after: a crash in between leaves the scans queued, and
// uploading them again is harmless (the server answers DUPLICATE).
func (s *Store) Remove(scanIDs map[string]bool) error {
	if len(scanIDs) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dirty = true
	if err := s.saveLocked(); err != nil {
		return err
	}
	if err := s.rewriteQueueLocked(func(q QueuedScan) bool { return !scanIDs[q.ScanID] }); err != nil {
		return err
	}
	keep := make([]queued, 0, len(s.queue))
	for _, q := range s.queue {
		if !scanIDs[q.scanID] {
			keep = append(keep, q)
			continue
		}
		if q.changes {
			if s.pending[q.ticketID]--; s.pending[q.ticketID] <= 0 {
				delete(s.pending, q.ticketID)
			}
		}
	}
	s.queue = keep
	return nil
}

// rewriteQueueLocked replaces queue.jsonl, atomically, with the readable
// scans for which keep is true, copied line by line (never all in memory),
// and reopens it for appending.
func (s *Store) rewriteQueueLocked(keep func(QueuedScan) bool) (err error) {
	tmp, err := os.CreateTemp(s.dir, QueueFile+".*.tmp") // created 0600
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	w := bufio.NewWriterSize(tmp, 64<<10)
	var size int64
	var werr error
	if _, err = s.eachLine(func(line []byte) bool {
		if q, ok := decodeLine(line); ok && keep(q) {
			_, werr = w.Write(line)
			size += int64(len(line))
		}
		return werr == nil
	}); err != nil {
		return err
	}
	if werr != nil {
		return fmt.Errorf("store: rewrite queue: %w", werr)
	}
	if err = w.Flush(); err != nil {
		return fmt.Errorf("store: rewrite queue: %w", err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("store: sync queue: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err = os.Rename(tmp.Name(), filepath.Join(s.dir, QueueFile)); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if err = syncDir(s.dir); err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(s.dir, QueueFile), os.O_WRONLY|os.O_APPEND, fileMode)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if s.qf != nil {
		_ = s.qf.Close()
	}
	s.qf, s.qsize = f, size
	return nil
}

// ApplySync applies one SyncResponse in order (reset, settings, keys,
// revocations, presences) and stores its cursor. A snapshot, new settings
// or keys, and a revocation of the device are saved at once; the stream of
// small changes (a presence per scan anywhere, a heartbeat every few
// seconds) is saved with the next Save, so the flash of a handheld is not
// rewritten every second. Either way the cursor is saved in the same
// atomic write as the changes it covers, so after a crash the device
// resumes from an older cursor and the server simply sends those changes
// again. It returns ErrDeviceRevoked, after forgetting the credential,
// when the message says the device was revoked.
func (s *Store) ApplySync(m *varcov1.SyncResponse, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &s.st
	if m.GetReset_() {
		// A full snapshot follows: forget what it will resend, except the
		// presences that queued offline scans changed, which the server
		// does not know yet.
		st.Keys = nil
		st.Revoked = map[string]time.Time{}
		kept := map[string]Presence{}
		for id := range s.pending {
			if p, ok := st.Presences[id]; ok {
				kept[id] = p
			}
		}
		st.Presences = kept
	}
	if g := m.GetSettings(); g != nil {
		st.Settings = settingsFromProto(g)
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
	}
	for _, r := range m.GetRevocations() {
		at := now
		if r.GetRevokedAt() != nil {
			at = r.GetRevokedAt().AsTime()
		}
		st.Revoked[r.GetTicketId()] = at
	}
	for _, p := range m.GetPresences() {
		id := p.GetTicketId()
		if s.pending[id] > 0 {
			continue // the device knows better until its queue is uploaded
		}
		np := presenceFromProto(p)
		if np.State == gate.Issued || np.State == 0 {
			delete(st.Presences, id)
		} else {
			st.Presences[id] = np
		}
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
	// A heartbeat changes nothing but the time of the last sync, which is
	// worth a write only now and then.
	if changed || now.Sub(s.savedLastSync) >= heartbeatSaveEvery {
		s.dirty = true
	}
	if m.GetReset_() || m.GetSettings() != nil || len(m.GetKeys()) > 0 || m.GetDeviceRevoked() {
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
	}
}

func presenceFromProto(p *varcov1.TicketPresence) Presence {
	out := Presence{ResourceID: p.GetResourceId(), State: gate.State(p.GetState())}
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

// Status is a read-only look at a store, for `scanner status`.
type Status struct {
	// State is state.json with the credential removed.
	State State
	// HasCredential tells whether state.json holds a credential.
	HasCredential bool
	// Queued is the number of scans waiting for upload.
	Queued int
}

// Inspect reads the store in dir without changing anything (Open would
// clean up and compact), so that `scanner status` is safe to run next to
// a running scanner.
func Inspect(dir string) (Status, error) {
	var out Status
	data, err := os.ReadFile(filepath.Join(dir, StateFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
		out.State.Version = stateVersion
	case err != nil:
		return Status{}, fmt.Errorf("store: %w", err)
	default:
		if err := json.Unmarshal(data, &out.State); err != nil {
			return Status{}, fmt.Errorf("store: %s: %w", StateFile, err)
		}
	}
	out.HasCredential = out.State.Credential != ""
	out.State.Credential = ""
	f, err := os.Open(filepath.Join(dir, QueueFile))
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return Status{}, fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 4096), maxQueueLine)
	for sc.Scan() {
		var q QueuedScan
		if json.Unmarshal(sc.Bytes(), &q) == nil && q.ScanID != "" {
			out.Queued++
		}
	}
	return out, sc.Err()
}
