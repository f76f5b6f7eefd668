package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
)

// linkMAC authenticates a link that works without logging in (a ticket's
// QR image, an export download): an HMAC-SHA256 keyed by a secret the
// server keeps — the hash of a token the link's owner holds — over a
// message that names the link's purpose and everything it grants,
// truncated to 144 bits and base64url-encoded. Whoever lacks the secret
// cannot make or alter a link; the link dies with the token. Compare with
// hmac.Equal.
func linkMAC(secret [32]byte, msg string) string {
	m := hmac.New(sha256.New, secret[:])
	m.Write([]byte(msg))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}
