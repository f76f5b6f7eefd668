package api

import (
	"compress/gzip"
	"fmt"
	"io"

	"connectrpc.com/connect"
)

// requestLimits bounds every request message at maxBytes, compressed or
// not. connect-go checks WithReadMaxBytes against the compressed body and
// then again after inflating it, but to report the size of a message over
// the limit it inflates the rest of it into io.Discard: a 1 MB gzip body
// that inflates to 1 GiB costs ≈200 ms of CPU before it is refused. Its
// gzip is therefore replaced by one whose decompressor stops producing at
// the limit: connect-go reads limit+1 bytes, sees the message is too large,
// and its attempt to measure the rest fails at once with ResourceExhausted.
// The option applies to every protocol and shape connect-go serves (Connect
// unary POST and GET, Connect streaming, gRPC, gRPC-Web), since they all
// look compression up by name.
func requestLimits(maxBytes int64) connect.HandlerOption {
	return connect.WithHandlerOptions(
		connect.WithReadMaxBytes(int(maxBytes)),
		connect.WithCompression("gzip", newLimitedGzip(maxBytes), newGzipMemo().compressor()),
	)
}

// newGzipWriter is connect-go's own gzip compressor (the tests' reference).
func newGzipWriter() connect.Compressor { return gzip.NewWriter(io.Discard) }

// newLimitedGzip returns a factory of gzip decompressors that inflate at
// most limit+1 bytes per message: one byte more than the limit is what
// tells the reader that the message is too large.
func newLimitedGzip(limit int64) func() connect.Decompressor {
	return func() connect.Decompressor { return &limitedGzip{limit: limit} }
}

// limitedGzip is a gzip.Reader that refuses to inflate past its limit.
type limitedGzip struct {
	gz    gzip.Reader
	limit int64
	left  int64 // bytes still allowed for the current message
}

// Read inflates into p, never beyond limit+1 bytes per message.
func (d *limitedGzip) Read(p []byte) (int, error) {
	if d.left <= 0 {
		return 0, connect.NewError(connect.CodeResourceExhausted,
			fmt.Errorf("message inflates to more than %d bytes", d.limit))
	}
	if int64(len(p)) > d.left {
		p = p[:d.left]
	}
	n, err := d.gz.Read(p)
	d.left -= int64(n)
	return n, err
}

// Reset starts a new message read from r.
func (d *limitedGzip) Reset(r io.Reader) error {
	d.left = d.limit + 1
	return d.gz.Reset(r)
}

// Close closes the gzip reader (not r).
func (d *limitedGzip) Close() error { return d.gz.Close() }
