package webhook

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"code.dny.dev/ssrf"

	"github.com/varco-gate/varco/internal/fault"
)

// Limits.
const (
	// MaxURLLength bounds a webhook URL (browsers and proxies commonly
	// stop around 2 KB).
	MaxURLLength = 2048
	// MaxPerOrganization bounds the live webhooks of one organization: each
	// event is delivered once per webhook, so the number multiplies work.
	MaxPerOrganization = 20
	// SecretPrefix starts every signing secret, so one found in a file or a
	// chat is recognisable (and scannable) for what it is.
	SecretPrefix = "whsec_"
)

// Guardian decides which addresses deliveries may connect to: the IANA
// special-purpose ranges (loopback, private, link-local, CGNAT,
// documentation, multicast...) are refused, so a webhook URL cannot make
// the server call into its own network (SSRF). Any port is allowed: the
// receiver is the organization's own system.
func Guardian() *ssrf.Guardian { return ssrf.New(ssrf.WithAnyPort()) }

var (
	errURLRequired    = fault.InvalidField("url", "url_required")
	errURLTooLong     = fault.InvalidField("url", "url_too_long").Text("error.url_too_long", MaxURLLength)
	errURLMalformed   = fault.InvalidField("url", "url_malformed")
	errURLNotHTTPS    = fault.InvalidField("url", "url_not_https")
	errURLUserinfo    = fault.InvalidField("url", "url_userinfo")
	errURLPrivate     = fault.InvalidField("url", "url_private_address")
	errEventsRequired = fault.InvalidField("events", "events_required")
	errEventUnknown   = fault.InvalidField("events", "event_unknown")
)

// ValidateURL checks a webhook URL before it is stored: https, a host, no
// credentials, no fragment, at most MaxURLLength characters. An IP literal
// in a special-purpose range is refused here unless allowPrivate; host
// names are checked when a delivery connects (after DNS resolution, so a
// name that later resolves to a private address is still refused).
func ValidateURL(raw string, allowPrivate bool) error {
	switch {
	case raw == "":
		return errURLRequired
	case len(raw) > MaxURLLength:
		return errURLTooLong
	}
	u, err := url.Parse(raw)
	if err != nil || u.Opaque != "" || u.Host == "" || u.Fragment != "" || strings.ContainsAny(raw, " \t\r\n") {
		return errURLMalformed
	}
	if u.Scheme != "https" {
		return errURLNotHTTPS
	}
	if u.User != nil {
		return errURLUserinfo
	}
	host := u.Hostname()
	if host == "" {
		return errURLMalformed
	}
	if p := u.Port(); p != "" {
		if n, err := netip.ParseAddrPort("127.0.0.1:" + p); err != nil || n.Port() == 0 {
			return errURLMalformed
		}
	}
	if allowPrivate {
		return nil
	}
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") || strings.HasSuffix(strings.ToLower(strings.TrimSuffix(host, ".")), ".localhost") {
		return errURLPrivate
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		if Guardian().SafeAddr(addr.Unmap()) != nil {
			return errURLPrivate
		}
	}
	return nil
}

// ParseEvents checks and de-duplicates the requested event numbers
// (varco.v1.WebhookEvent values).
func ParseEvents(nums []int32) ([]Event, error) {
	if len(nums) == 0 {
		return nil, errEventsRequired
	}
	var out []Event
	for _, n := range nums {
		e, ok := EventOf(n)
		if !ok {
			return nil, errEventUnknown
		}
		if !containsEvent(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

func containsEvent(list []Event, e Event) bool {
	for _, x := range list {
		if x == e {
			return true
		}
	}
	return false
}

// NewSecret returns a signing secret: "whsec_" and 32 random bytes in
// unpadded base64url. Receivers use the whole string as the HMAC key.
func NewSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	return SecretPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}
