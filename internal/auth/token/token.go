// Package token makes the opaque secrets Varco hands out (session tokens,
// device credentials, cancel links, enrollment secrets) and the short
// human-typable codes printed on bookings and shown to gate installers.
//
// Secrets are random, carry a short prefix that says what they are, and are
// stored only as a SHA-256 hash: a database leak then reveals no usable
// credential, and a token found in a log, a ticket or a bug report can be
// recognised at a glance (and by secret scanners) from its prefix.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Prefixes of the secrets Varco issues. A prefix is lower-case ASCII letters
// or digits followed by one underscore; it is part of the secret, so it is
// covered by the hash and a session token cannot be replayed as a device
// credential even if the random parts collided.
const (
	// PrefixSession marks a citizen or staff session token.
	PrefixSession = "vs_"
	// PrefixDevice marks a gate scanner's device credential.
	PrefixDevice = "vd_"
	// PrefixCancel marks a booking's cancel-link secret.
	PrefixCancel = "vc_"
	// PrefixEnrollment marks a device enrollment secret.
	PrefixEnrollment = "ve_"
	// PrefixOIDC marks a SPID/CIE login attempt held in a browser cookie.
	PrefixOIDC = "vo_"
	// PrefixProposal marks the secret of the e-mail links that accept or
	// decline the other dates an office proposed for a booking.
	PrefixProposal = "vp_"
)

// SecretBytes is the number of random bytes in a secret. 128 bits is the
// minimum for an unguessable bearer token; 256 leaves no room for argument.
const SecretBytes = 32

// maxPrefixLen bounds prefixes so that Redact can find one cheaply and a
// typo cannot turn a whole secret into a "prefix" that gets logged.
const maxPrefixLen = 8

// encodedLen is the length of the random part: base64url without padding.
var encodedLen = base64.RawURLEncoding.EncodedLen(SecretBytes)

// ErrBadPrefix is returned by New for a prefix that is not 1-7 lower-case
// ASCII letters or digits followed by '_'.
var ErrBadPrefix = errors.New("token: prefix must be [a-z0-9]{1,7} followed by '_'")

// New returns a fresh secret "<prefix><43 base64url chars>" carrying
// SecretBytes random bytes from crypto/rand, and its Hash for storage. The
// plain secret goes to the client once and is never stored.
func New(prefix string) (plain string, hash [32]byte, err error) {
	if !validPrefix(prefix) {
		return "", [32]byte{}, ErrBadPrefix
	}
	var b [SecretBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", [32]byte{}, fmt.Errorf("token: reading random bytes: %w", err)
	}
	// base64url (RFC 4648 §5) without padding: safe in URLs, cookies and
	// headers without escaping, which matters for cancel links in e-mails.
	plain = prefix + base64.RawURLEncoding.EncodeToString(b[:])
	return plain, Hash(plain), nil
}

// Hash returns the SHA-256 of the whole secret, prefix included; this is the
// value stored in and looked up from the database.
//
// A fast, unsalted hash is right here, unlike for passwords: the secret has
// 256 bits of entropy, so no dictionary or brute-force attack on a leaked
// hash is feasible however fast the hash is, and salting would only prevent
// the indexed lookup by hash that authentication needs. A slow hash would just
// make every authenticated request slow.
func Hash(plain string) [32]byte {
	return sha256.Sum256([]byte(plain))
}

// Equal reports whether a and b are equal, in constant time. Use it when
// comparing a presented secret's hash with a stored one outside an indexed
// lookup, so the comparison does not leak a matching prefix through timing.
func Equal(a, b [32]byte) bool {
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

// Valid reports whether plain has the shape of a secret made by New with the
// given prefix. It is a cheap filter so that garbage and secrets of the wrong
// kind are rejected before a database lookup; it says nothing about whether
// the secret was actually issued.
func Valid(plain, prefix string) bool {
	rest, ok := strings.CutPrefix(plain, prefix)
	if !ok || !validPrefix(prefix) || len(rest) != encodedLen {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if !isB64URL(rest[i]) {
			return false
		}
	}
	// The last character carries 2 padding bits that New always leaves zero;
	// checking them keeps one spelling per secret.
	_, err := base64.RawURLEncoding.Strict().DecodeString(rest)
	return err == nil
}

// Redact returns a form of plain that is safe to log: the prefix and the first
// 4 characters of the random part, e.g. "vs_AbCd...". 24 bits are too few to
// help guessing the remaining 232, yet enough to tell two tokens apart in a
// log. Input without a recognisable prefix, or too short to be a secret,
// reveals nothing but its prefix, if any.
func Redact(plain string) string {
	const shown = 4
	i := strings.IndexByte(plain, '_')
	if i < 0 || !validPrefix(plain[:i+1]) {
		return "[redacted]"
	}
	prefix, rest := plain[:i+1], plain[i+1:]
	if len(rest) < 2*shown {
		return prefix + "..."
	}
	for j := 0; j < shown; j++ {
		if !isB64URL(rest[j]) {
			// Not one of ours (or mangled): do not echo arbitrary bytes.
			return prefix + "..."
		}
	}
	return prefix + rest[:shown] + "..."
}

func validPrefix(p string) bool {
	if len(p) < 2 || len(p) > maxPrefixLen || p[len(p)-1] != '_' {
		return false
	}
	for i := 0; i < len(p)-1; i++ {
		c := p[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func isB64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}
