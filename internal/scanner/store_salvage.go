package scanner

import (
	"encoding/binary"
	"errors"
	"os"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// salvaged is what could be read from a damaged store.db.
type salvaged struct {
	st State
	// rev and pres are the revocations and presences (st's are nil).
	rev                                    revokedMap
	pres                                   presenceMap
	counters                               Counters
	metaOK, keysOK, revokedOK, presencesOK bool
	// queue holds the recovered scans, oldest first.
	queue []QueuedScan
}

// salvage reads what it can from a damaged database, part by part: first
// through bbolt (read-only, each bucket on its own, panics caught), which
// gives the latest committed data of whatever is still consistent; then,
// if the queue could not be read whole that way, by scanning the raw pages
// of the file for queue entries. The raw scan may also find entries
// already uploaded (their pages were freed, not wiped): uploading them
// again is harmless, the server answers DUPLICATE.
func salvage(path string) salvaged {
	sv := salvaged{rev: newRevokedMap(0), pres: newPresenceMap(0)}
	queueWhole := false
	_ = guard(func() error {
		db, err := boltOpen(path, true)
		if err != nil {
			return err
		}
		defer db.Close()
		return db.View(func(tx *bolt.Tx) error {
			l := newLoaded()
			part := func(name []byte, fn func(b *bolt.Bucket) error) bool {
				return guard(func() error {
					b := tx.Bucket(name)
					if b == nil {
						return errors.New("missing bucket")
					}
					return fn(b)
				}) == nil
			}
			sv.metaOK = part(bucketMeta, func(b *bolt.Bucket) error { return readMeta(b, &l) })
			sv.keysOK = part(bucketKeys, func(b *bolt.Bucket) error { return readSync(b, bucketKeys, &l) })
			sv.revokedOK = part(bucketRevocations, func(b *bolt.Bucket) error { return readSync(b, bucketRevocations, &l) })
			sv.presencesOK = part(bucketPresences, func(b *bolt.Bucket) error { return readSync(b, bucketPresences, &l) })
			sv.st, sv.rev, sv.pres, sv.counters = l.st, l.rev, l.pres, l.counters
			var scans []QueuedScan
			queueWhole = part(bucketQueue, func(b *bolt.Bucket) error {
				return b.ForEach(func(k, v []byte) error {
					q, ok := decodeQueued(k, v)
					if !ok {
						return errDamaged
					}
					scans = append(scans, q)
					return nil
				})
			})
			sv.queue = scans
			return nil
		})
	})
	if !queueWhole {
		if data, err := os.ReadFile(path); err == nil {
			sv.queue = mergeScans(sv.queue, scanPages(data))
		}
	}
	return sv
}

// mergeScans joins two lists of scans by scan id, ordered by sequence.
func mergeScans(a, b []QueuedScan) []QueuedScan {
	seen := map[string]bool{}
	var out []QueuedScan
	for _, q := range slices.Concat(a, b) {
		if !seen[q.ScanID] {
			seen[q.ScanID] = true
			out = append(out, q)
		}
	}
	slices.SortStableFunc(out, func(x, y QueuedScan) int {
		switch {
		case x.Seq < y.Seq:
			return -1
		case x.Seq > y.Seq:
			return 1
		}
		return 0
	})
	return out
}

// bbolt's on-disk page layout (go.etcd.io/bbolt/internal/common), in the
// machine's byte order: a 16-byte header (id uint64, flags uint16, count
// uint16, overflow uint32), then count 16-byte leaf elements (flags, pos,
// ksize, vsize, all uint32; pos counts from the element itself). A bucket
// small enough is stored inline, as the value of its parent's element: a
// 16-byte header whose root page id is 0, then a page.
const (
	pageHeaderSize = 16
	leafElemSize   = 16
	leafPageFlag   = 0x02
	bucketLeafFlag = 0x01
)

// scanPages finds queue entries in the raw pages of a database file,
// whether or not its meta pages and branches are intact.
func scanPages(data []byte) []QueuedScan {
	var out []QueuedScan
	for off := 0; off+pageHeaderSize <= len(data); off += dbPageSize {
		out = leafScans(out, data[off:], 0)
	}
	return out
}

func leafScans(out []QueuedScan, p []byte, depth int) []QueuedScan {
	if len(p) < pageHeaderSize || depth > 4 {
		return out
	}
	ne := binary.NativeEndian
	if ne.Uint16(p[8:]) != leafPageFlag {
		return out
	}
	count := int(ne.Uint16(p[10:]))
	for i := range count {
		e := pageHeaderSize + i*leafElemSize
		if e+leafElemSize > len(p) {
			break
		}
		flags := ne.Uint32(p[e:])
		start := uint64(e) + uint64(ne.Uint32(p[e+4:]))
		kEnd := start + uint64(ne.Uint32(p[e+8:]))
		vEnd := kEnd + uint64(ne.Uint32(p[e+12:]))
		if vEnd > uint64(len(p)) {
			continue
		}
		k, v := p[start:kEnd], p[kEnd:vEnd]
		if flags&bucketLeafFlag != 0 {
			if len(v) > 16 && ne.Uint64(v) == 0 {
				out = leafScans(out, v[16:], depth+1)
			}
			continue
		}
		if q, ok := decodeQueued(k, v); ok {
			out = append(out, q)
		}
	}
	return out
}
