package push

import (
	"crypto/ecdh"
	"net/netip"
	"net/url"
	"strings"

	"github.com/varco-gate/varco/internal/notify"
)

// MaxEndpointLength bounds a stored endpoint; real ones are a few hundred
// characters, and the column should not become a free-form blob.
const MaxEndpointLength = 2048

// DefaultAllowedHosts are the push services of the browsers in use: Chrome,
// Edge-on-Android and other Chromium browsers (FCM), Firefox (Mozilla
// autopush), Safari (Apple) and Edge on Windows (WNS). An entry matches the
// host itself and any subdomain; a leading "*." matches subdomains only.
var DefaultAllowedHosts = []string{
	"fcm.googleapis.com",
	"updates.push.services.mozilla.com",
	"push.services.mozilla.com",
	"push.apple.com",
	"notify.windows.com",
	"*.notify.windows.com",
}

// ValidateEndpoint checks that endpoint is somewhere Varco may POST to. The
// endpoint comes from the browser, i.e. from whoever calls subscribe, so
// without this check the server could be made to send requests into the
// internal network (SSRF). In production it must be https on the default
// port, a host name (never an IP literal) on the allow-list, and carry no
// credentials; with AllowAnyHTTPS only https and the absence of credentials
// are required.
func (s *Sender) ValidateEndpoint(endpoint string) error {
	if endpoint == "" {
		return invalid(FieldEndpoint, CodeRequired)
	}
	if len(endpoint) > MaxEndpointLength {
		return invalid(FieldEndpoint, CodeTooLong)
	}
	u, err := url.Parse(endpoint)
	if err != nil || u.Opaque != "" || u.Host == "" {
		return invalid(FieldEndpoint, CodeMalformed)
	}
	if u.Scheme != "https" {
		return invalid(FieldEndpoint, CodeNotHTTPS)
	}
	if u.User != nil {
		return invalid(FieldEndpoint, CodeUserinfo)
	}
	if s.allowAny {
		return nil
	}
	if p := u.Port(); p != "" && p != "443" {
		return invalid(FieldEndpoint, CodePort)
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	// Checked before the allow-list so the error says what is wrong; an IP
	// can never match a suffix anyway.
	if _, err := netip.ParseAddr(host); err == nil || strings.HasPrefix(u.Host, "[") {
		return invalid(FieldEndpoint, CodeIPLiteral)
	}
	if !hostAllowed(host, s.allowed) {
		return invalid(FieldEndpoint, CodeHostNotAllowed)
	}
	return nil
}

// hostAllowed matches host against the suffixes on a label boundary, so
// "fcm.googleapis.com.evil.example" and "evilfcm.googleapis.com" do not pass.
func hostAllowed(host string, allowed []string) bool {
	for _, a := range allowed {
		if sub, ok := strings.CutPrefix(a, "*."); ok {
			if strings.HasSuffix(host, "."+sub) {
				return true
			}
			continue
		}
		if host == a || strings.HasSuffix(host, "."+a) {
			return true
		}
	}
	return false
}

// normaliseHosts lower-cases the configured suffixes and drops empty
// entries and trailing dots, so configuration typos do not silently widen
// or empty the list.
func normaliseHosts(hosts []string) []string {
	out := make([]string, 0, len(hosts))
	for _, h := range hosts {
		h = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(h)), ".")
		if h == "" || h == "*." {
			continue
		}
		out = append(out, h)
	}
	return out
}

// ValidateSubscription checks a subscription before it is stored and before
// it is used: the endpoint as ValidateEndpoint does, p256dh as an
// uncompressed point on P-256 and auth as a 16-byte secret (RFC 8291 §3).
// Rejecting bad keys here means a typo in a front end shows up as a 400 on
// subscribe rather than as a message that can never be encrypted.
func (s *Sender) ValidateSubscription(sub notify.Subscription) error {
	if err := s.ValidateEndpoint(sub.Endpoint); err != nil {
		return err
	}
	if sub.P256dh == "" {
		return invalid(FieldP256dh, CodeRequired)
	}
	pub, err := decodeKey(sub.P256dh)
	if err != nil {
		return invalid(FieldP256dh, CodeMalformed)
	}
	// NewPublicKey accepts only the 65-byte uncompressed form and checks
	// the point is on the curve.
	if _, err := ecdh.P256().NewPublicKey(pub); err != nil {
		return invalid(FieldP256dh, CodeInvalidKey)
	}
	if sub.Auth == "" {
		return invalid(FieldAuth, CodeRequired)
	}
	auth, err := decodeKey(sub.Auth)
	if err != nil {
		return invalid(FieldAuth, CodeMalformed)
	}
	if len(auth) != 16 {
		return invalid(FieldAuth, CodeAuthLength)
	}
	return nil
}
