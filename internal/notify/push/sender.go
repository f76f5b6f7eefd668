package push

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/clock"
)

const (
	// DefaultTimeout bounds one request to a push service, connection and
	// body included, when the configured client has no timeout of its own.
	DefaultTimeout = 10 * time.Second
	// DefaultTTL is how long a push service keeps a message for an offline
	// device when the message does not say.
	DefaultTTL = 24 * time.Hour
	// MaxPayload is the largest plaintext webpush-go can send: it pads
	// every message into one 4096-byte record, from which the 16-byte
	// tag, the 86-byte aes128gcm header and the 1-byte delimiter are taken.
	MaxPayload = 4096 - 16 - 86 - 1
	// maxTopic is RFC 8030 §5.4's limit on the Topic header.
	maxTopic = 32
)

// Config configures a Sender.
type Config struct {
	// Subject is the VAPID contact the push services use to reach the
	// operator: "mailto:ops@comune.example" or an https URL. A bare e-mail
	// address is accepted as mailto.
	Subject string
	// Keys is the VAPID pair, usually from LoadOrCreate.
	Keys VAPIDKeys
	// HTTPClient sends the requests. It is copied, never modified: the copy
	// gets DefaultTimeout when it has no timeout and never follows
	// redirects. Nil means http.DefaultTransport with DefaultTimeout.
	HTTPClient *http.Client
	// AllowedHosts are the push service host suffixes endpoints may use;
	// empty means DefaultAllowedHosts.
	AllowedHosts []string
	// AllowAnyHTTPS lifts the host, IP and port restrictions (https and
	// no credentials are still required). For tests and development only.
	AllowAnyHTTPS bool
	// DefaultTTL applies to messages with a zero TTL; zero means DefaultTTL.
	DefaultTTL time.Duration
	// Clock turns an HTTP-date Retry-After into a delay; nil means the wall
	// clock.
	Clock clock.Clock
}

// Sender sends Web Push messages. It is safe for concurrent use.
type Sender struct {
	subscriber string // the subject in the form webpush-go expects
	keys       VAPIDKeys
	client     *http.Client
	allowed    []string
	allowAny   bool
	defaultTTL time.Duration
	clock      clock.Clock
}

// New checks cfg and returns a Sender.
func New(cfg Config) (*Sender, error) {
	subscriber, err := librarySubscriber(cfg.Subject)
	if err != nil {
		return nil, err
	}
	if err := cfg.Keys.Validate(); err != nil {
		return nil, err
	}
	keys, err := canonicalKeys(cfg.Keys)
	if err != nil {
		return nil, err
	}
	allowed := DefaultAllowedHosts
	if len(cfg.AllowedHosts) > 0 {
		allowed = cfg.AllowedHosts
	}
	allowed = normaliseHosts(allowed)
	if len(allowed) == 0 && !cfg.AllowAnyHTTPS {
		return nil, errors.New("push: AllowedHosts has no usable entry")
	}
	ttl := cfg.DefaultTTL
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	clk := cfg.Clock
	if clk == nil {
		clk = clock.Real{}
	}
	return &Sender{
		subscriber: subscriber,
		keys:       keys,
		client:     newHTTPClient(cfg.HTTPClient),
		allowed:    allowed,
		allowAny:   cfg.AllowAnyHTTPS,
		defaultTTL: ttl,
		clock:      clk,
	}, nil
}

// PublicKey returns the VAPID public key for the browser's
// applicationServerKey.
func (s *Sender) PublicKey() string { return s.keys.PublicKey }

// librarySubscriber turns the configured subject into what webpush-go
// wants. The library prepends "mailto:" to anything that does not start
// with the exact, lower-case "https:", so a configured "mailto:x@y" would
// become "mailto:mailto:x@y" and an "HTTPS://..." URL would become
// "mailto:HTTPS://...": strip the scheme from mail addresses and lower-case
// it on URLs.
func librarySubscriber(subject string) (string, error) {
	subject = strings.TrimSpace(subject)
	scheme, rest, hasScheme := strings.Cut(subject, ":")
	switch {
	case subject == "":
		return "", errors.New("push: VAPID subject is required (mailto: or https:)")
	case hasScheme && strings.EqualFold(scheme, "https"):
		u, err := url.Parse(subject)
		if err != nil || u.Host == "" || u.User != nil {
			return "", errors.New("push: VAPID subject is not a valid https URL")
		}
		return u.String(), nil // url.Parse lower-cases the scheme
	case hasScheme && strings.EqualFold(scheme, "mailto"):
		return mailAddress(rest)
	case !hasScheme:
		return mailAddress(subject)
	default:
		return "", fmt.Errorf("push: VAPID subject must be mailto: or https:, not %q", scheme+":")
	}
}

// mailAddress accepts only a bare address: a display name or a second
// "mailto:" would end up verbatim in the JWT and push services reject it.
func mailAddress(s string) (string, error) {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return "", errors.New("push: VAPID subject is not a plain e-mail address")
	}
	return a.Address, nil
}

// canonicalKeys re-encodes the pair as unpadded base64url: Validate accepts
// standard base64 too, but webpush-go decodes VAPID keys as base64url only.
func canonicalKeys(k VAPIDKeys) (VAPIDKeys, error) {
	pub, err := decodeKey(k.PublicKey)
	if err != nil {
		return VAPIDKeys{}, err
	}
	priv, err := decodeKey(k.PrivateKey)
	if err != nil {
		return VAPIDKeys{}, err
	}
	return VAPIDKeys{
		PublicKey:  base64.RawURLEncoding.EncodeToString(pub),
		PrivateKey: base64.RawURLEncoding.EncodeToString(priv),
	}, nil
}

// newHTTPClient copies c so the caller's client is not changed. Redirects
// are refused because the allow-list is checked on the endpoint only: a
// followed redirect could lead anywhere, and push services never redirect.
func newHTTPClient(c *http.Client) *http.Client {
	var cl http.Client
	if c != nil {
		cl = *c
	}
	if cl.Timeout <= 0 {
		cl.Timeout = DefaultTimeout
	}
	cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cl
}
