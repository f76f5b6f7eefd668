package clientip_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/clientip"
)

func TestClient(t *testing.T) {
	t.Parallel()
	r, err := clientip.New([]string{"10.0.0.0/8", "127.0.0.1", "::1"})
	require.NoError(t, err)
	none, err := clientip.New(nil)
	require.NoError(t, err)
	for _, tc := range []struct {
		name string
		r    clientip.Resolver
		peer string
		xff  []string
		want string
	}{
		{"direct client", r, "203.0.113.7:5000", nil, "203.0.113.7"},
		{"direct client lying", r, "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"no trusted proxies: header ignored", none, "10.1.2.3:443", []string{"198.51.100.1"}, "10.1.2.3"},
		{"one trusted proxy", r, "10.1.2.3:443", []string{"198.51.100.1"}, "198.51.100.1"},
		{"client spoofs a hop, proxy appends the real one", r, "10.1.2.3:443", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},
		{"two trusted proxies", r, "127.0.0.1:1", []string{"198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		{"repeated headers", r, "[::1]:8080", []string{"1.2.3.4", "198.51.100.1"}, "198.51.100.1"},
		{"IPv6 client with port", r, "10.1.2.3:443", []string{"[2001:db8::1]:1234"}, "2001:db8::1"},
		{"proxy without header", r, "10.1.2.3:443", nil, "10.1.2.3"},
		{"only trusted hops", r, "10.1.2.3:443", []string{"10.0.0.1"}, "10.0.0.1"},
		{"garbage hop stops the walk", r, "10.1.2.3:443", []string{"198.51.100.1, not-an-ip"}, "10.1.2.3"},
		{"IPv4-mapped peer", r, "[::ffff:10.1.2.3]:443", []string{"198.51.100.1"}, "198.51.100.1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tc.xff {
				h.Add("X-Forwarded-For", v)
			}
			require.Equal(t, tc.want, tc.r.Client(tc.peer, h))
		})
	}
	_, err = clientip.New([]string{"10.0.0.0/33"})
	require.ErrorContains(t, err, `trusted proxy "10.0.0.0/33"`)
}
