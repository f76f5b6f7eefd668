package scanner

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Kinds of Incident.
const (
	// IncidentDamaged: store.db could not be read; it was moved aside and
	// what could be read from it was recovered.
	IncidentDamaged = "damaged"
	// IncidentMissing: store.db was missing or blank although the device
	// had been enrolled (identity.json says so).
	IncidentMissing = "missing"
	// IncidentLost: queued scans are missing from the queue.
	IncidentLost = "lost"
	// IncidentMigrated: the files of the older store were imported.
	IncidentMigrated = "migrated"
	// IncidentCredentialLost: the credential could not be recovered; the
	// device must be enrolled again (the queue is kept and uploaded after).
	IncidentCredentialLost = "credential_lost"
	// IncidentIdentity: identity.json was unreadable and was rewritten.
	IncidentIdentity = "identity"
)

// Incident is something Open found wrong with the store and what it did
// about it. Incidents are kept in the store, so `scanner status` shows
// them until the store is deleted.
type Incident struct {
	At   time.Time `json:"at"`
	Kind string    `json:"kind"`
	// Detail says what happened, in English, for the logs.
	Detail string `json:"detail"`
	// File is where a damaged or replaced file was moved.
	File string `json:"file,omitempty"`
	// Recovered is how many queued scans were recovered; Lost how many
	// are known to be missing.
	Recovered int `json:"recovered,omitempty"`
	Lost      int `json:"lost,omitempty"`
}

// LogValue lets slog print an incident as a group.
func (in Incident) LogValue() slog.Value {
	return slog.GroupValue(slog.String("kind", in.Kind), slog.String("detail", in.Detail),
		slog.String("file", in.File), slog.Int("recovered", in.Recovered), slog.Int("lost", in.Lost))
}

// Open opens (creating it if needed) the store in dir. It never starts
// silently empty over a store it cannot read: a damaged store.db is moved
// aside, its queue recovered as far as it can be read, the credential
// taken from identity.json, and the rest (keys, revocations, presences)
// fetched again from the server by a full Sync; a missing store of an
// enrolled device and queued scans gone missing are detected. Each of
// these is recorded as an Incident.
func Open(dir string) (*Store, error) { return open(dir, time.Now) }

func open(dir string, now func() time.Time) (*Store, error) {
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	// Locked first: the clean-up and recovery below must not run under a
	// process already using the store.
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	// Leftovers of an atomic write interrupted by a crash: the rename
	// never happened, so they hold nothing the real files do not.
	if tmps, err := filepath.Glob(filepath.Join(dir, "*.tmp")); err == nil {
		for _, t := range tmps {
			_ = os.Remove(t)
		}
	}
	s := &Store{dir: dir, pending: map[string]int{}, log: slog.New(slog.DiscardHandler), lock: lock}
	if err := s.open(now()); err != nil {
		if s.db != nil {
			_ = s.db.Close()
		}
		s.unlock()
		return nil, err
	}
	return s, nil
}

// recovery is what Open adds to a freshly loaded store, in one
// transaction.
type recovery struct {
	now       time.Time
	incidents []Incident
	scans     []QueuedScan
	// migrated marks the legacy files imported.
	migrated bool
	changed  bool
}

func (r *recovery) add(in Incident) {
	in.At = r.now
	r.incidents = append(r.incidents, in)
	r.changed = true
}

func (s *Store) open(now time.Time) error {
	path := filepath.Join(s.dir, DBFile)
	rec := &recovery{now: now}
	var rescued *salvaged
	fi, err := os.Stat(path)
	existed := err == nil
	switch {
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("store: %w", err)
	case existed && fi.Size() == 0:
		aside, err := moveAside(path, now)
		if err != nil {
			return err
		}
		rec.add(Incident{Kind: IncidentMissing, Detail: DBFile + " was empty: offline scans queued before are lost; keys, revocations and presences are fetched again", File: aside})
		existed = false
	}
	l := newLoaded()
	if existed {
		var data []byte
		if data, err = os.ReadFile(path); err != nil {
			return fmt.Errorf("store: %w", err)
		}
		if l, err = loadSnapshot(s.dir, data); err == nil {
			// The same bytes: we hold the directory lock.
			if s.db, err = boltOpen(path, false); err != nil && !errors.Is(err, bolt.ErrTimeout) {
				err = fmt.Errorf("%w: %w", errDamaged, err)
			}
		}
		if errors.Is(err, bolt.ErrTimeout) {
			return fmt.Errorf("store: %s is in use by another process", path)
		}
		if err != nil && !errors.Is(err, errDamaged) {
			return err // in use, or a newer layout: not ours to repair
		}
		if err != nil {
			if s.db != nil {
				_ = guard(s.db.Close)
				s.db = nil
			}
			aside, merr := moveAside(path, now)
			if merr != nil {
				return merr
			}
			sv := salvage(aside)
			rescued = &sv
			rec.add(Incident{Kind: IncidentDamaged, File: aside, Recovered: len(sv.queue),
				Detail: fmt.Sprintf("%s could not be read (%v); moved aside, %d queued scans recovered from it, the rest is fetched again from the server", DBFile, err, len(sv.queue))})
			l = newLoaded()
		}
	}
	if s.db == nil {
		if s.db, err = boltOpenFile(path, dbOptions(false)); err != nil {
			return fmt.Errorf("store: %w", err)
		}
	}
	if err := os.Chmod(path, fileMode); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	s.apply(l)

	if rescued != nil {
		s.applySalvage(rescued, rec)
	}
	if err := s.importLegacy(l.migrated, rec); err != nil {
		return err
	}
	s.reconcileIdentity(l.version == 0 && rescued == nil && !rec.migrated && !hasIncident(rec, IncidentMissing), rec)
	s.checkCounters(l.undecodable, rec)
	if !s.st.Enrolled() && !s.st.DeviceRevoked && (rescued != nil || len(s.queue)+len(rec.scans) > 0) && hasIncident(rec, IncidentDamaged, IncidentMissing, IncidentMigrated) {
		rec.add(Incident{Kind: IncidentCredentialLost,
			Detail: "the device credential could not be recovered: enroll the device again (scanner enroll); the queued scans are kept and uploaded after"})
	}
	if err := s.commitRecovery(l.version == 0, rec); err != nil {
		return err
	}
	if rec.migrated {
		renameLegacy(s.dir)
	}
	return nil
}

func hasIncident(rec *recovery, kinds ...string) bool {
	return slices.ContainsFunc(rec.incidents, func(in Incident) bool { return slices.Contains(kinds, in.Kind) })
}

// apply installs what load read.
func (s *Store) apply(l loaded) {
	s.st, s.rev, s.pres = l.st, l.rev, l.pres
	if s.rev.byUUID == nil || s.pres.byUUID == nil {
		s.rev, s.pres = newRevokedMap(0), newPresenceMap(0)
	}
	s.ring, _ = buildRing(s.st.Keys)
	s.queue = l.queue
	for _, q := range s.queue {
		if q.changes {
			s.pending[q.ticketID]++
		}
	}
	s.counters = l.counters
	s.incidents = l.incidents
	s.savedCursor, s.savedLastSync = s.st.Cursor, s.st.LastSync
}

// moveAside renames a damaged file, keeping it for a later look.
func moveAside(path string, now time.Time) (string, error) {
	aside := path + ".damaged-" + now.UTC().Format("20060102T150405.000000000Z")
	if err := os.Rename(path, aside); err != nil {
		return "", fmt.Errorf("store: move the damaged %s aside: %w", filepath.Base(path), err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return "", err
	}
	return aside, nil
}

// applySalvage takes what could be read from a damaged store: the
// identity (when identity.json does not have it), and whatever of the Sync
// copy was readable. The cursor is not taken: a full Sync refetches all
// that the server knows, while the queued scans, which only the device
// knows, are imported.
func (s *Store) applySalvage(sv *salvaged, rec *recovery) {
	if sv.metaOK {
		s.st.ServerURL, s.st.Credential, s.st.EnrolledAt = sv.st.ServerURL, sv.st.Credential, sv.st.EnrolledAt
		s.st.Settings, s.st.DeviceRevoked = sv.st.Settings, sv.st.DeviceRevoked
	}
	if sv.keysOK {
		s.st.Keys = sv.st.Keys
		s.ring, _ = buildRing(s.st.Keys)
	}
	if sv.revokedOK {
		s.rev = sv.rev
	}
	if sv.presencesOK {
		s.pres = sv.pres
	}
	s.queueImport(sv.queue, !sv.presencesOK, rec)
	if sv.metaOK {
		// The old counters say how many scans the queue held: what the
		// salvage did not find is lost, and said so.
		c := sv.counters
		want := c.Queued - min(c.Queued, c.Uploaded+c.Lost)
		if got := uint64(len(sv.queue)); got < want {
			rec.add(Incident{Kind: IncidentLost, Lost: int(want - got),
				Detail: fmt.Sprintf("%d queued offline scans could not be recovered from the damaged %s", want-got, DBFile)})
			s.counters.Lost += want - got
			s.counters.Queued += want - got // keep Queued = Uploaded + Lost + queue
		}
	}
}

// queueImport adds recovered or migrated scans (oldest first) to what the
// recovery will write; with replay, their presence changes are applied in
// order, which is what the presences were after them.
func (s *Store) queueImport(scans []QueuedScan, replay bool, rec *recovery) {
	have := map[string]bool{}
	for _, q := range s.queue {
		have[q.scanID] = true
	}
	for _, q := range scans {
		if have[q.ScanID] {
			continue
		}
		have[q.ScanID] = true
		rec.scans = append(rec.scans, q)
		if replay && q.Next != nil && q.TicketID != "" {
			s.pres.set(q.TicketID, *q.Next)
		}
		rec.changed = true
	}
}

// checkCounters compares the queue with its counters: fewer scans than
// queued minus uploaded means some were lost, and says how many.
func (s *Store) checkCounters(undecodable int, rec *recovery) {
	have := uint64(len(s.queue))
	want := s.counters.Queued - min(s.counters.Queued, s.counters.Uploaded+s.counters.Lost)
	if have < want {
		lost := want - have
		s.counters.Lost += lost
		rec.add(Incident{Kind: IncidentLost, Lost: int(lost),
			Detail: fmt.Sprintf("%d queued offline scans are missing from the queue (%d unreadable); the server will not learn of them", lost, undecodable)})
	}
	if have > want { // counters older than the queue (a damaged meta): trust the queue
		s.counters.Queued = max(s.counters.Queued, s.lastSeq())
		s.counters.Uploaded = s.counters.Queued - s.counters.Lost - have
		rec.changed = true
	}
}

func (s *Store) lastSeq() uint64 {
	if len(s.queue) == 0 {
		return 0
	}
	return s.queue[len(s.queue)-1].seq
}

// commitRecovery writes, in one transaction, the buckets of a new file,
// the imported scans, the recovered state and the incidents.
func (s *Store) commitRecovery(fresh bool, rec *recovery) error {
	if !fresh && !rec.changed {
		return nil
	}
	var scans []queued
	err := s.db.Update(func(tx *bolt.Tx) error {
		if err := createBuckets(tx); err != nil {
			return err
		}
		first := s.counters.Queued + 1
		last, err := putQueue(tx, rec.scans, first)
		if err != nil {
			return err
		}
		counters := s.counters
		if len(rec.scans) > 0 {
			counters.Queued = last
		}
		for i, q := range rec.scans {
			q.Seq = first + uint64(i)
			scans = append(scans, index(q))
		}
		if rec.migrated {
			if err := putJSON(tx.Bucket(bucketMeta), metaMigrated, true); err != nil {
				return err
			}
		}
		for _, in := range rec.incidents {
			if err := putIncident(tx, in); err != nil {
				return err
			}
		}
		if err := writeDirty(tx, &s.st, &s.pres, &s.rev, dirty{all: true, keys: true}, counters); err != nil {
			return err
		}
		s.counters = counters
		return nil
	})
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	s.queue = append(s.queue, scans...)
	for _, q := range scans {
		if q.changes {
			s.pending[q.ticketID]++
		}
	}
	s.incidents = append(s.incidents, rec.incidents...)
	s.found = len(rec.incidents)
	s.savedCursor, s.savedLastSync = s.st.Cursor, s.st.LastSync
	return s.saveIdentityLocked()
}
