// Package webhook sends webhook deliveries: a signed JSON POST to an
// organization's HTTPS endpoint, with SSRF protection at connection time,
// no redirects, bounded timeouts, and an answer classified for the outbox
// dispatcher (2xx delivered; 408, 429 and 5xx retried honouring
// Retry-After; anything else a permanent failure).
package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Headers of every delivery.
const (
	// SignatureHeader carries "t=<unix seconds>,v1=<hex HMAC-SHA256>" of
	// "<t>.<body>" under the webhook's secret (the whole "whsec_..." string
	// as key bytes).
	SignatureHeader = "Varco-Signature"
	EventHeader     = "Varco-Event"
	EventIDHeader   = "Varco-Event-Id"
	DeliveryHeader  = "Varco-Delivery"
	// UserAgent names the sender; receivers may filter on it.
	UserAgent = "Varco-Webhooks/1"
)

// Tolerance is how far from their own clock receivers should accept a
// signature's timestamp: it bounds how long a captured request can be
// replayed.
const Tolerance = 5 * time.Minute

// Sign returns the Varco-Signature value for body sent at t.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts))
	mac.Write([]byte("."))
	mac.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(mac.Sum(nil))
}
