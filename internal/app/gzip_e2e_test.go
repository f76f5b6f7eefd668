package app_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// gzipBomb returns a gzip body of about members KB that inflates to
// members MiB of zeros (one gzip member per MiB, as gzip allows).
func gzipBomb(t *testing.T, members int) []byte {
	t.Helper()
	var one bytes.Buffer
	zw, err := gzip.NewWriterLevel(&one, gzip.BestCompression)
	require.NoError(t, err)
	_, err = zw.Write(make([]byte, 1<<20))
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return bytes.Repeat(one.Bytes(), members)
}

// TestGzipBombRefused sends compressed requests that are small on the wire
// but inflate far past --max-request-bytes to public procedures: each must
// be refused with ResourceExhausted, and the answer must not know the
// inflated size (the server stopped inflating at the limit).
func TestGzipBombRefused(t *testing.T) {
	t.Parallel()
	const members = 48
	b := setup(t, func(c *config.Config) { c.MaxRequestBytes = 64 << 10 })
	bomb := gzipBomb(t, members)
	require.Less(t, len(bomb), 64<<10, "the compressed body itself is within the limit")
	fullSize := strconv.Itoa(members << 20)

	t.Run("connect", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPost, b.baseURL+varcov1connect.CatalogServiceListOrganizationsProcedure, bytes.NewReader(bomb))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/proto")
		req.Header.Set("Content-Encoding", "gzip")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		require.Equal(t, http.StatusTooManyRequests, res.StatusCode, "%s", body) // resource_exhausted
		require.Contains(t, string(body), `"code":"resource_exhausted"`)
		require.NotContains(t, string(body), fullSize)
	})
	for _, procedure := range []string{
		varcov1connect.CatalogServiceListOrganizationsProcedure,
		"/grpc.health.v1.Health/Check",
	} {
		t.Run("grpc "+procedure, func(t *testing.T) {
			envelope := binary.BigEndian.AppendUint32([]byte{1}, uint32(len(bomb))) // flag 1: compressed
			req, err := http.NewRequest(http.MethodPost, b.baseURL+procedure, bytes.NewReader(append(envelope, bomb...)))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/grpc")
			req.Header.Set("Grpc-Encoding", "gzip")
			req.Header.Set("Te", "trailers")
			res, err := h2cClient().Do(req)
			require.NoError(t, err)
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			status := res.Trailer.Get("Grpc-Status") + res.Header.Get("Grpc-Status") // trailers-only answers put it in the headers
			message := res.Trailer.Get("Grpc-Message") + res.Header.Get("Grpc-Message")
			require.Equal(t, "8", status, "RESOURCE_EXHAUSTED expected, got %s %s", status, message)
			require.NotContains(t, message, fullSize)
		})
	}
}
