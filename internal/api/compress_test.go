package api

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// countingDecompressor counts the bytes connect-go reads out of a
// decompressor: what the server inflated.
type countingDecompressor struct {
	connect.Decompressor
	n *atomic.Int64
}

func (c countingDecompressor) Read(p []byte) (int, error) {
	n, err := c.Decompressor.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func TestGzipBombStopsAtTheLimit(t *testing.T) {
	t.Parallel()
	const limit = 16 << 10
	const bomb = 8 << 20 // zeros: 8 MiB inflate from ≈ 8 KB
	var inflated atomic.Int64
	counted := func() connect.Decompressor {
		return countingDecompressor{newLimitedGzip(limit)(), &inflated}
	}
	// The limits NewMux uses, with the same decompressor under a counter.
	opts := []connect.HandlerOption{requestLimits(limit),
		connect.WithCompression("gzip", counted, newGzipWriter),
		connect.WithIdempotency(connect.IdempotencyNoSideEffects)}
	unary := func(context.Context, *connect.Request[wrapperspb.BytesValue]) (*connect.Response[emptypb.Empty], error) {
		return connect.NewResponse(&emptypb.Empty{}), nil
	}
	stream := func(context.Context, *connect.Request[wrapperspb.BytesValue], *connect.ServerStream[emptypb.Empty]) error {
		return nil
	}
	mux := http.NewServeMux()
	mux.Handle("/t.T/Unary", connect.NewUnaryHandler("/t.T/Unary", unary, opts...))
	mux.Handle("/t.T/Stream", connect.NewServerStreamHandler("/t.T/Stream", stream, opts...))
	srv := httptest.NewUnstartedServer(mux)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)

	big := &wrapperspb.BytesValue{Value: make([]byte, bomb)}
	small := &wrapperspb.BytesValue{Value: make([]byte, limit/2)}
	for _, tc := range []struct {
		name   string
		stream bool
		opts   []connect.ClientOption
	}{
		{"connect unary post", false, nil},
		{"connect unary get", false, []connect.ClientOption{connect.WithHTTPGet(), connect.WithHTTPGetMaxURLSize(1<<20, false)}},
		{"connect stream", true, nil},
		{"grpc", false, []connect.ClientOption{connect.WithGRPC()}},
		{"grpc stream", true, []connect.ClientOption{connect.WithGRPC()}},
		{"grpc-web", false, []connect.ClientOption{connect.WithGRPCWeb()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// One at a time: they share the counter.
			opts := append([]connect.ClientOption{connect.WithSendGzip()}, tc.opts...)
			call := func(msg *wrapperspb.BytesValue) error {
				if tc.stream {
					c := connect.NewClient[wrapperspb.BytesValue, emptypb.Empty](srv.Client(), srv.URL+"/t.T/Stream", opts...)
					s, err := c.CallServerStream(context.Background(), connect.NewRequest(msg))
					if err != nil {
						return err
					}
					defer s.Close()
					for s.Receive() {
					}
					return s.Err()
				}
				c := connect.NewClient[wrapperspb.BytesValue, emptypb.Empty](srv.Client(), srv.URL+"/t.T/Unary", opts...)
				_, err := c.CallUnary(context.Background(), connect.NewRequest(msg))
				return err
			}
			inflated.Store(0)
			require.NoError(t, call(small), "a message within the limit still passes")
			require.Positive(t, inflated.Load(), "the request went compressed")

			inflated.Store(0)
			err := call(big)
			require.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err), "%v", err)
			require.LessOrEqual(t, inflated.Load(), int64(limit+1), "the server inflated past the limit")
		})
	}
}

func TestLimitedGzipReuse(t *testing.T) {
	t.Parallel()
	var body bytes.Buffer
	zw := gzip.NewWriter(&body)
	_, err := zw.Write(bytes.Repeat([]byte("varco "), 100))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	d := newLimitedGzip(600)()
	for range 3 { // pooled decompressors are Reset for every message
		require.NoError(t, d.Reset(bytes.NewReader(body.Bytes())))
		var out bytes.Buffer
		_, err := out.ReadFrom(d)
		require.NoError(t, err)
		require.Equal(t, 600, out.Len())
	}
	d = newLimitedGzip(598)() // 599 bytes may come out: the 600th is refused
	require.NoError(t, d.Reset(bytes.NewReader(body.Bytes())))
	var out bytes.Buffer
	_, err = out.ReadFrom(d)
	require.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err))
}
