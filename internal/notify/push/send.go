package push

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	webpush "github.com/SherClockHolmes/webpush-go"

	"github.com/varco-gate/varco/internal/notify"
)

// Send encrypts p.Payload for p.Subscription and posts it to the push
// service. The error tells the dispatcher what to do:
//
//   - nil: accepted (2xx);
//   - notify.ErrGone: 404 or 410, delete the subscription (and only then);
//   - *notify.RetryError: 408, 429, 5xx (After from Retry-After) or a
//     network failure, timeout or cancelled ctx (After zero);
//   - notify.ErrPermanent: any other status (400, 401, 403, 413, 3xx...),
//     an invalid subscription, or a message that cannot be sent as it is.
//
// Status errors also carry a *StatusError. No error includes the endpoint
// URL, which is a capability to push to the device; only its host.
func (s *Sender) Send(ctx context.Context, p notify.Push) error {
	if err := s.ValidateSubscription(p.Subscription); err != nil {
		return fmt.Errorf("push: %w: %w", notify.ErrPermanent, err)
	}
	opts, err := s.options(p)
	if err != nil {
		return fmt.Errorf("push: %w: %w", notify.ErrPermanent, err)
	}
	// Do not spend an ECDH and a signature on a send nobody waits for.
	if err := ctx.Err(); err != nil {
		return &notify.RetryError{Err: err}
	}
	sub := &webpush.Subscription{
		Endpoint: p.Subscription.Endpoint,
		Keys:     webpush.Keys{Auth: p.Subscription.Auth, P256dh: p.Subscription.P256dh},
	}
	host := endpointHost(p.Subscription.Endpoint)
	resp, err := webpush.SendNotificationWithContext(ctx, p.Payload, sub, opts)
	if err != nil {
		return transportError(host, err)
	}
	// webpush-go hands back the response whatever its status (a 410 is not
	// an error to it), so the status is classified here and the body is
	// always drained and closed to keep the connection reusable.
	detail := notify.ReadExcerpt(resp.Body, maxDetail, maxDrain)
	return s.classify(host, resp.StatusCode, resp.Header.Get("Retry-After"), detail)
}

// options builds the library options, refusing what a push service would
// reject anyway so that the dispatcher does not retry it.
func (s *Sender) options(p notify.Push) (*webpush.Options, error) {
	if len(p.Payload) > MaxPayload {
		return nil, fmt.Errorf("payload is %d bytes, at most %d fit", len(p.Payload), MaxPayload)
	}
	ttl := p.TTL
	switch {
	case ttl < 0:
		// A negative TTL means the message is already stale (e.g. a
		// warning for a ticket that has expired): sending it is wrong.
		return nil, fmt.Errorf("message expired %s ago", -ttl)
	case ttl == 0:
		ttl = s.defaultTTL
	}
	switch p.Urgency {
	case "", string(webpush.UrgencyVeryLow), string(webpush.UrgencyLow), notify.UrgencyNormal, notify.UrgencyHigh:
	default:
		// The library would silently drop an unknown urgency.
		return nil, fmt.Errorf("unknown urgency %q", p.Urgency)
	}
	if !validTopic(p.Topic) {
		return nil, errors.New("topic must be at most 32 base64url characters")
	}
	return &webpush.Options{
		HTTPClient: s.client,
		Subscriber: s.subscriber,
		Topic:      p.Topic,
		// Rounded up: a TTL of 0 would mean "deliver now or drop".
		TTL:             int((ttl + time.Second - 1) / time.Second),
		Urgency:         webpush.Urgency(p.Urgency),
		VAPIDPublicKey:  s.keys.PublicKey,
		VAPIDPrivateKey: s.keys.PrivateKey,
		// VapidExpiration is not set: webpush-go v1.4.0 ignores it and
		// always signs exp = wall clock + 12h.
	}, nil
}

func validTopic(t string) bool {
	if len(t) > maxTopic {
		return false
	}
	for _, c := range t {
		ok := c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
		if !ok {
			return false
		}
	}
	return true
}

// transportError classifies a failure that produced no response. Errors
// from the HTTP client (refused connection, TLS, timeout, cancelled ctx)
// are worth retrying; anything else happened while encrypting or signing
// and will happen again.
func transportError(host string, err error) error {
	if errors.Is(err, webpush.ErrMaxPadExceeded) {
		return fmt.Errorf("push: %w: %w", notify.ErrPermanent, err)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		// ue.Error() quotes the endpoint URL; keep only the cause.
		return &notify.RetryError{Err: fmt.Errorf("push: POST to %s: %w", host, ue.Err)}
	}
	return fmt.Errorf("push: %w: %w", notify.ErrPermanent, err)
}

func endpointHost(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil {
		return "push service"
	}
	return strings.ToLower(u.Host)
}
