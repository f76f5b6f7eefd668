package api

import (
	"bytes"
	"compress/gzip"
	"hash/maphash"
	"io"
	"sync"

	"connectrpc.com/connect"
)

// Compressed responses, memoized.
//
// On a click-day thousands of citizens refresh the same week grid, and the
// server answers each with the same bytes until the next booking commits:
// gzip of a 72-slot week (≈ 12 KB) took more CPU than everything else a
// cached grid costs. The response compressor therefore keeps the gzip of
// the bodies it has compressed twice, and writes it again when the same
// body comes back — compared byte for byte, so an answer is never someone
// else's. Bodies seen once (export pieces, most lists) are not kept, so
// they cost no memory. Concurrent compressions of one body wait for the
// first instead of each compressing it (after every commit, hundreds of
// refreshes ask for the new grid at once).

const (
	// memoMinBytes is compressMin: every body gzip is used for (an
	// event's week grid is ≈ 4 KB).
	memoMinBytes = 1 << 10
	// memoMaxBytes: larger bodies (export batches) are rarely repeated.
	memoMaxBytes = 256 << 10
	// memoBudget bounds the bytes kept (bodies and their gzip); past it
	// the memo starts over.
	memoBudget = 16 << 20
	// memoSeen bounds the hashes of bodies seen once.
	memoSeen = 4096
)

// gzipMemo is shared by the compressors of one server.
type gzipMemo struct {
	seed    maphash.Seed
	mu      sync.Mutex
	entries map[uint64]memoEntry
	flights map[uint64]*memoFlight
	seen    map[uint64]struct{}
	size    int
}

type memoEntry struct{ body, gz []byte }

// memoFlight is a body being compressed; gz is set when done closes.
// keep: the body was seen before, so its gzip is kept once done.
type memoFlight struct {
	done     chan struct{}
	body, gz []byte
	keep     bool
}

func newGzipMemo() *gzipMemo { return &gzipMemo{seed: maphash.MakeSeed()} }

// compressor returns a factory of connect.Compressors sharing m.
func (m *gzipMemo) compressor() func() connect.Compressor {
	return func() connect.Compressor { return &memoGzip{memo: m, gz: gzip.NewWriter(io.Discard)} }
}

// lookup returns the kept gzip of body, or the flight compressing it now,
// or a new flight the caller must complete with land.
func (m *gzipMemo) lookup(h uint64, body []byte) (gz []byte, wait, lead *memoFlight) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.entries[h]; ok && bytes.Equal(e.body, body) {
		return e.gz, nil, nil
	}
	if f, ok := m.flights[h]; ok {
		return nil, f, nil
	}
	if m.flights == nil {
		m.flights = make(map[uint64]*memoFlight)
	}
	f := &memoFlight{done: make(chan struct{}), body: bytes.Clone(body)}
	if _, f.keep = m.seen[h]; !f.keep {
		if m.seen == nil || len(m.seen) >= memoSeen {
			m.seen = make(map[uint64]struct{})
		}
		m.seen[h] = struct{}{}
	}
	m.flights[h] = f
	return nil, nil, f
}

// land keeps a finished flight's result (gz nil: it failed).
func (m *gzipMemo) land(h uint64, f *memoFlight, gz []byte) {
	f.gz = gz
	close(f.done)
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.flights, h)
	if gz == nil || !f.keep {
		return
	}
	if m.entries == nil || m.size+len(f.body)+len(gz) > memoBudget {
		m.entries, m.size = make(map[uint64]memoEntry), 0
	}
	if old, ok := m.entries[h]; ok {
		m.size -= len(old.body) + len(old.gz)
	}
	m.entries[h] = memoEntry{body: f.body, gz: gz}
	m.size += len(f.body) + len(gz)
}

// memoGzip is a connect.Compressor: connect-go resets it on the
// destination, writes one whole message, then closes it.
type memoGzip struct {
	memo *gzipMemo
	gz   *gzip.Writer
	dst  io.Writer
	body []byte
}

// Reset starts a message written to dst.
func (c *memoGzip) Reset(dst io.Writer) { c.dst, c.body = dst, c.body[:0] }

// Write buffers the message.
func (c *memoGzip) Write(p []byte) (int, error) {
	c.body = append(c.body, p...)
	return len(p), nil
}

// Close writes the message's gzip to the destination.
func (c *memoGzip) Close() error {
	body := c.body
	if len(body) < memoMinBytes || len(body) > memoMaxBytes {
		return c.compress(c.dst, body)
	}
	h := maphash.Bytes(c.memo.seed, body)
	gz, wait, lead := c.memo.lookup(h, body)
	if wait != nil {
		<-wait.done
		if wait.gz == nil || !bytes.Equal(wait.body, body) {
			return c.compress(c.dst, body)
		}
		gz = wait.gz
	}
	if lead != nil {
		var out bytes.Buffer
		if err := c.compress(&out, body); err != nil {
			c.memo.land(h, lead, nil)
			return err
		}
		gz = out.Bytes()
		c.memo.land(h, lead, gz)
	}
	_, err := c.dst.Write(gz)
	return err
}

// compress writes body's gzip to w.
func (c *memoGzip) compress(w io.Writer, body []byte) error {
	c.gz.Reset(w)
	if _, err := c.gz.Write(body); err != nil {
		return err
	}
	return c.gz.Close()
}
