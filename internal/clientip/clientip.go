// Package clientip finds the address of the client of a request, looking
// through the reverse proxies the operator trusts. Login throttling keys
// failures by client address: behind a proxy, without this, every citizen
// would share the proxy's address and five wrong passwords anywhere would
// lock everyone out.
package clientip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver picks the client address of a request.
type Resolver struct {
	trusted []netip.Prefix
}

// New returns a resolver trusting the given proxies, each an address or a
// CIDR prefix ("10.0.0.0/8", "127.0.0.1", "::1"). With none, the peer is
// always the client and X-Forwarded-For is ignored: anyone can write it.
func New(proxies []string) (Resolver, error) {
	var r Resolver
	for _, s := range proxies {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return Resolver{}, fmt.Errorf("trusted proxy %q: not an address or CIDR prefix", s)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		r.trusted = append(r.trusted, p.Masked())
	}
	return r, nil
}

// Client returns the client's address for a request from peer ("host:port"
// or "host"). When the peer is a trusted proxy, it is the rightmost address
// of X-Forwarded-For that is not itself a trusted proxy: addresses to its
// left were written by the client or by proxies nobody vouches for. A
// malformed entry stops the walk at the last trusted hop.
func (r Resolver) Client(peer string, h http.Header) string {
	host := peer
	if hp, _, err := net.SplitHostPort(peer); err == nil {
		host = hp
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !r.isTrusted(addr) {
		return host
	}
	hops := forwarded(h)
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			return addr.String()
		}
		if !r.isTrusted(a) {
			return a.Unmap().String()
		}
		addr = a
	}
	return addr.Unmap().String()
}

func (r Resolver) isTrusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwarded lists the X-Forwarded-For hops in order, across repeated
// headers, without ports or brackets.
func forwarded(h http.Header) []string {
	var out []string
	for _, v := range h.Values("X-Forwarded-For") {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if hp, _, err := net.SplitHostPort(part); err == nil {
				part = hp
			}
			out = append(out, strings.Trim(part, "[]"))
		}
	}
	return out
}
