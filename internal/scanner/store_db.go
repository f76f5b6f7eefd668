package scanner

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The layout of store.db. Every value is JSON (or an 8-byte big-endian
// number): self-describing, so that a damaged file can still be read
// entry by entry (see salvage.go).
var (
	// bucketMeta holds one value per key below.
	bucketMeta = []byte("meta")
	// bucketKeys maps key id to PublicKey.
	bucketKeys = []byte("keys")
	// bucketRevocations maps ticket id to the revocation time.
	bucketRevocations = []byte("revocations")
	// bucketPresences maps ticket id to Presence.
	bucketPresences = []byte("presences")
	// bucketQueue maps seqKey(Seq) to QueuedScan: cursor order is queue
	// order.
	bucketQueue = []byte("queue")
	// bucketIncidents maps seqKey(n) to Incident.
	bucketIncidents = []byte("incidents")

	allBuckets = [][]byte{bucketMeta, bucketKeys, bucketRevocations, bucketPresences, bucketQueue, bucketIncidents}
)

// Keys of bucketMeta.
const (
	metaVersion    = "version"
	metaServerURL  = "server_url"
	metaCredential = "credential"
	metaEnrolledAt = "enrolled_at"
	metaSettings   = "settings"
	metaCursor     = "cursor"
	metaLastSync   = "last_sync"
	metaClockSkew  = "clock_offset"
	metaRevoked    = "device_revoked"
	metaCounters   = "counters"
	// metaMigrated is set in the transaction that imports the legacy
	// files, so that a crash before they are renamed aside does not
	// import them twice.
	metaMigrated = "legacy_imported"
)

const (
	// storeVersion is the layout version; a newer one is refused.
	storeVersion = 1
	// dbPageSize is fixed rather than the machine's page size, so that
	// the salvage of a damaged file knows where the pages start even when
	// the meta pages are gone.
	dbPageSize = 4096
)

// initialMmapSize is the address space the database is mapped with at
// first. When a write transaction outgrows the mapping, bbolt remaps, and
// before it does it copies every node the transaction holds onto the Go
// heap; a Sync snapshot of 50,000 tickets, written from an empty store,
// went through a dozen remaps and 150 MB of such copies, most of the
// scanner's peak memory. Mapping 64 MiB from the start costs address space,
// not memory (only the pages of the file that are read become resident),
// which even a 32-bit ARM board has plenty of.
const initialMmapSize = 64 << 20

// allocSize is how much bbolt grows the file by beyond what a commit
// needs. Its default (16 MiB) is meant for servers: once the mapping is
// larger than it (initialMmapSize is), every store would be 16 MiB on
// disk, which Open reads whole to check it.
const allocSize = 256 << 10

// boltOpenFile opens the database file with dbOptions and sizes its growth.
func boltOpenFile(path string, opts *bolt.Options) (*bolt.DB, error) {
	db, err := bolt.Open(path, fileMode, opts)
	if err != nil {
		return db, err
	}
	db.AllocSize = allocSize
	return db, nil
}

func dbOptions(readOnly bool) *bolt.Options {
	// The directory lock is taken before, so the timeout only matters
	// against a foreign process holding the file; it must not hang.
	return &bolt.Options{Timeout: time.Second, PageSize: dbPageSize, ReadOnly: readOnly, InitialMmapSize: initialMmapSize}
}

func seqKey(n uint64) []byte { return binary.BigEndian.AppendUint64(nil, n) }

func putJSON(b *bolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), data)
}

func putCounters(tx *bolt.Tx, c Counters) error {
	return putJSON(tx.Bucket(bucketMeta), metaCounters, c)
}

func decodeQueued(k, v []byte) (QueuedScan, bool) {
	var q QueuedScan
	if len(k) != 8 || json.Unmarshal(v, &q) != nil || q.ScanID == "" || q.Seq != binary.BigEndian.Uint64(k) {
		return QueuedScan{}, false
	}
	return q, true
}

// guard runs fn turning a panic into an error: bbolt trusts the pages it
// reads and may panic on a damaged file, and with panic-on-fault a read
// past the end of a truncated, memory-mapped file panics instead of
// killing the process.
func guard(fn func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%w: %v", errDamaged, r)
		}
	}()
	return fn()
}

// errDamaged wraps every sign of a damaged database; errNewerLayout is a
// database written by a newer program, which is refused, not repaired.
var (
	errDamaged     = errors.New("damaged")
	errNewerLayout = errors.New("store: newer layout")
)

// boltOpen opens a database file, turning a panic into an error; bbolt
// reads the meta and freelist pages while opening, and if that panics the
// file it opened (and locked) is closed here, since bbolt cannot.
func boltOpen(path string, readOnly bool) (*bolt.DB, error) {
	var file *os.File
	opts := dbOptions(readOnly)
	opts.OpenFile = func(name string, flag int, perm os.FileMode) (*os.File, error) {
		f, err := os.OpenFile(name, flag, perm)
		file = f
		return f, err
	}
	var db *bolt.DB
	err := guard(func() error {
		var err error
		db, err = boltOpenFile(path, opts)
		return err
	})
	if err != nil && db == nil && file != nil {
		_ = file.Close()
	}
	return db, err
}

// checkDB checks a database page by page.
func checkDB(db *bolt.DB) error {
	return guard(func() error {
		return db.View(func(tx *bolt.Tx) error {
			var errs []error
			for err := range tx.Check() {
				errs = append(errs, err)
			}
			return errors.Join(errs...)
		})
	})
}

// loaded is what load read from the database.
type loaded struct {
	version  int
	migrated bool
	// st is all but the revocations and presences, which are in rev and
	// pres.
	st        State
	rev       revokedMap
	pres      presenceMap
	queue     []queued
	counters  Counters
	incidents []Incident
	// undecodable counts queue entries that could not be read.
	undecodable int
}

func newLoaded() loaded {
	return loaded{rev: newRevokedMap(0), pres: newPresenceMap(0)}
}

// load reads the whole database but the queue's payloads.
func load(db *bolt.DB) (loaded, error) {
	l := newLoaded()
	err := guard(func() error {
		return db.View(func(tx *bolt.Tx) error {
			meta := tx.Bucket(bucketMeta)
			if meta == nil {
				return nil // a new file
			}
			if err := readMeta(meta, &l); err != nil {
				return err
			}
			if l.version > storeVersion {
				return fmt.Errorf("%w: %s has layout %d, this program reads %d", errNewerLayout, DBFile, l.version, storeVersion)
			}
			return readData(tx, &l)
		})
	})
	return l, err
}

func getJSON(b *bolt.Bucket, key string, v any) error {
	data := b.Get([]byte(key))
	if data == nil {
		return nil
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%w: meta %s: %w", errDamaged, key, err)
	}
	return nil
}

func readMeta(meta *bolt.Bucket, l *loaded) error {
	var cred string
	return errors.Join(
		getJSON(meta, metaVersion, &l.version),
		getJSON(meta, metaMigrated, &l.migrated),
		getJSON(meta, metaServerURL, &l.st.ServerURL),
		getJSON(meta, metaCredential, &cred),
		getJSON(meta, metaEnrolledAt, &l.st.EnrolledAt),
		getJSON(meta, metaSettings, &l.st.Settings),
		getJSON(meta, metaCursor, &l.st.Cursor),
		getJSON(meta, metaLastSync, &l.st.LastSync),
		getJSON(meta, metaClockSkew, &l.st.ClockOffset),
		getJSON(meta, metaRevoked, &l.st.DeviceRevoked),
		getJSON(meta, metaCounters, &l.counters),
		func() error { l.st.Credential = Secret(cred); return nil }(),
	)
}

// readData reads the keys, revocations, presences, incidents and the queue
// index. A value that does not decode is an error for everything but the
// queue, whose readable entries are worth more than a refusal.
func readData(tx *bolt.Tx, l *loaded) error {
	var errs []error
	for _, name := range [][]byte{bucketKeys, bucketRevocations, bucketPresences} {
		if b := tx.Bucket(name); b != nil {
			errs = append(errs, readSync(b, name, l))
		}
	}
	if b := tx.Bucket(bucketIncidents); b != nil {
		errs = append(errs, b.ForEach(func(_, v []byte) error {
			var in Incident
			if json.Unmarshal(v, &in) == nil {
				l.incidents = append(l.incidents, in)
			}
			return nil
		}))
	}
	if b := tx.Bucket(bucketQueue); b != nil {
		errs = append(errs, b.ForEach(func(k, v []byte) error {
			if q, ok := decodeQueued(k, v); ok {
				l.queue = append(l.queue, index(q))
			} else {
				l.undecodable++
			}
			return nil
		}))
	}
	return errors.Join(errs...)
}

// readSync reads one of the buckets of the Sync copy into l.
func readSync(b *bolt.Bucket, name []byte, l *loaded) error {
	decode := func(what string, v []byte, into any) error {
		if err := json.Unmarshal(v, into); err != nil {
			return fmt.Errorf("%w: %s: %w", errDamaged, what, err)
		}
		return nil
	}
	return b.ForEach(func(k, v []byte) error {
		switch string(name) {
		case string(bucketKeys):
			var key PublicKey
			if err := decode("key", v, &key); err != nil {
				return err
			}
			l.st.Keys = append(l.st.Keys, key)
		case string(bucketRevocations):
			var at time.Time
			if err := decode("revocation", v, &at); err != nil {
				return err
			}
			l.rev.set(string(k), at)
		case string(bucketPresences):
			var p Presence
			if err := decode("presence", v, &p); err != nil {
				return err
			}
			l.pres.set(string(k), p)
		}
		return nil
	})
}

// writeMeta writes every meta value of st.
func writeMeta(tx *bolt.Tx, st *State, c Counters) error {
	meta := tx.Bucket(bucketMeta)
	return errors.Join(
		putJSON(meta, metaVersion, storeVersion),
		putJSON(meta, metaServerURL, st.ServerURL),
		putJSON(meta, metaCredential, string(st.Credential)),
		putJSON(meta, metaEnrolledAt, st.EnrolledAt),
		putJSON(meta, metaSettings, st.Settings),
		putJSON(meta, metaCursor, st.Cursor),
		putJSON(meta, metaLastSync, st.LastSync),
		putJSON(meta, metaClockSkew, st.ClockOffset),
		putJSON(meta, metaRevoked, st.DeviceRevoked),
		putCounters(tx, c),
	)
}

// recreate empties a bucket.
func recreate(tx *bolt.Tx, name []byte) (*bolt.Bucket, error) {
	if err := tx.DeleteBucket(name); err != nil && !errors.Is(err, bolt.ErrBucketNotFound) {
		return nil, err
	}
	return tx.CreateBucket(name)
}

// writeDirty writes what d says changed (everything when d.all).
func writeDirty(tx *bolt.Tx, st *State, pres *presenceMap, rev *revokedMap, d dirty, c Counters) error {
	if err := writeMeta(tx, st, c); err != nil {
		return err
	}
	if d.keys || d.all {
		b, err := recreate(tx, bucketKeys)
		if err != nil {
			return err
		}
		for _, k := range st.Keys {
			if err := putJSON(b, k.ID, k); err != nil {
				return err
			}
		}
	}
	revB, presB := tx.Bucket(bucketRevocations), tx.Bucket(bucketPresences)
	if d.all {
		var err error
		if revB, err = recreate(tx, bucketRevocations); err != nil {
			return err
		}
		if presB, err = recreate(tx, bucketPresences); err != nil {
			return err
		}
		setFill(revB, presB)
		// In key order: bbolt appends to the last page instead of
		// splitting pages all over the tree.
		for _, id := range rev.ids() {
			at, _ := rev.get(id)
			if err := putJSON(revB, id, at); err != nil {
				return err
			}
		}
		for _, id := range pres.ids() {
			p, _ := pres.get(id)
			if err := putJSON(presB, id, p); err != nil {
				return err
			}
		}
		return nil
	}
	for _, id := range sortedKeys(d.revoked) {
		at, ok := rev.get(id)
		if err := putOrDelete(revB, id, at, ok); err != nil {
			return err
		}
	}
	for _, id := range sortedKeys(d.presences) {
		p, ok := pres.get(id)
		if err := putOrDelete(presB, id, p, ok); err != nil {
			return err
		}
	}
	return nil
}

// setFill packs the pages of buckets written from scratch (a Sync
// snapshot, in key order) full rather than half full, bbolt's default for
// later inserts: half the pages, in the file, in memory and in the write.
func setFill(buckets ...*bolt.Bucket) {
	for _, b := range buckets {
		b.FillPercent = 1
	}
}

// sortedKeys returns m's keys in order, in a slice allocated once.
func sortedKeys[V any](m map[string]V) []string {
	keys := slices.AppendSeq(make([]string, 0, len(m)), maps.Keys(m))
	slices.Sort(keys)
	return keys
}

func putOrDelete(b *bolt.Bucket, key string, v any, put bool) error {
	if put {
		return putJSON(b, key, v)
	}
	return b.Delete([]byte(key))
}

// createBuckets makes sure every bucket exists.
func createBuckets(tx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	return nil
}

// putQueue writes scans into the queue bucket, numbering them from
// first on, and returns the last number used.
func putQueue(tx *bolt.Tx, scans []QueuedScan, first uint64) (uint64, error) {
	b := tx.Bucket(bucketQueue)
	seq := first - 1
	for _, q := range scans {
		seq++
		q.Seq = seq
		data, err := json.Marshal(q)
		if err != nil {
			return 0, err
		}
		if err := b.Put(seqKey(seq), data); err != nil {
			return 0, err
		}
	}
	return seq, nil
}

// putIncident appends an incident.
func putIncident(tx *bolt.Tx, in Incident) error {
	b := tx.Bucket(bucketIncidents)
	n, err := b.NextSequence()
	if err != nil {
		return err
	}
	data, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return b.Put(seqKey(n), data)
}
