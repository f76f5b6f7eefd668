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
// server answers each with the same bytes: gzip of a 72-slot week (≈ 12
// KB) took more CPU than everything else a cached grid costs. The response
// compressor therefore remembers the compressed form of bodies it has seen
// twice, and writes it again when the same body comes back — compared byte
// for byte, so an answer is never someone else's. Bodies seen only once
// (most lists, exports) are compressed as before and not kept.

const (
	// memoMinBytes: smaller bodies compress quickly enough.
	memoMinBytes = 4 << 10
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
	seen    map[uint64]struct{}
	entries map[uint64]memoEntry
	size    int
}

type memoEntry struct{ body, gz []byte }

func newGzipMemo() *gzipMemo { return &gzipMemo{seed: maphash.MakeSeed()} }

// compressor returns a factory of connect.Compressors sharing m.
func (m *gzipMemo) compressor() func() connect.Compressor {
	return func() connect.Compressor { return &memoGzip{memo: m, gz: gzip.NewWriter(io.Discard)} }
}

// lookup returns the gzip of body if it is kept; otherwise it notes the
// body as seen and reports whether it was seen before (worth keeping).
func (m *gzipMemo) lookup(h uint64, body []byte) (gz []byte, keep bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.entries[h]; ok && bytes.Equal(e.body, body) {
		return e.gz, false
	}
	if _, ok := m.seen[h]; ok {
		return nil, true
	}
	if m.seen == nil || len(m.seen) >= memoSeen {
		m.seen = make(map[uint64]struct{})
	}
	m.seen[h] = struct{}{}
	return nil, false
}

// keep stores body's gzip (both are copies the memo owns).
func (m *gzipMemo) keep(h uint64, body, gz []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries == nil || m.size+len(body)+len(gz) > memoBudget {
		m.entries, m.size = make(map[uint64]memoEntry), 0
	}
	if old, ok := m.entries[h]; ok {
		m.size -= len(old.body) + len(old.gz)
	}
	m.entries[h] = memoEntry{body: body, gz: gz}
	m.size += len(body) + len(gz)
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
		c.gz.Reset(c.dst)
		if _, err := c.gz.Write(body); err != nil {
			return err
		}
		return c.gz.Close()
	}
	h := maphash.Bytes(c.memo.seed, body)
	if gz, keep := c.memo.lookup(h, body); gz != nil {
		_, err := c.dst.Write(gz)
		return err
	} else if !keep {
		c.gz.Reset(c.dst)
		if _, err := c.gz.Write(body); err != nil {
			return err
		}
		return c.gz.Close()
	}
	var out bytes.Buffer
	c.gz.Reset(&out)
	if _, err := c.gz.Write(body); err != nil {
		return err
	}
	if err := c.gz.Close(); err != nil {
		return err
	}
	c.memo.keep(h, bytes.Clone(body), out.Bytes())
	_, err := c.dst.Write(out.Bytes())
	return err
}
