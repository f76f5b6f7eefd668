package ticket

import (
	"bytes"
	"crypto/ed25519"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

const (
	// Prefix starts every VT1 payload. It names the format version, so a
	// scanner can tell a future VT2 from a damaged VT1 and refuse it as
	// malformed rather than misread it.
	Prefix = "VT1:"
	// signContext is prepended to the claims bytes before signing: the
	// signature covers "VT1" || claims. This is domain separation: a
	// signature is only valid for "a VT1 ticket with these claims", so a
	// signature the same key made over anything else (another message
	// type, a future format whose claims happen to be the same bytes)
	// can never be replayed as a VT1 ticket, and a VT1 signature cannot be
	// passed off as anything else.
	signContext = "VT1"
	// MaxPayloadLen bounds the payloads Decode and Verify look at. The
	// largest canonical VT1 payload is about 220 characters; the bound
	// only keeps garbage from a scanner (a pasted document, a stuck
	// keyboard wedge) from costing more than a short ticket.
	MaxPayloadLen = 512
	// MaxSeats bounds Claims.Seats so that it fits an int everywhere,
	// 32-bit scanners included.
	MaxSeats = math.MaxInt32
	// uuidLen is the length of a raw UUID in the claims.
	uuidLen = 16
)

// Claims is what a ticket asserts. It holds no personal data: the QR may be
// photographed, forwarded or printed.
type Claims struct {
	// KeyID is the id of the key that signed (set by Encode).
	KeyID string
	// TicketID is the ticket's UUID, in canonical lower-case form.
	TicketID string
	// ResourceID is the UUID of the resource the ticket admits to.
	ResourceID string
	// ValidFrom and ValidUntil bound entry (both inclusive). They travel as
	// Unix seconds: Encode truncates to the second and Decode returns UTC.
	ValidFrom, ValidUntil time.Time
	// MaxStay is the longest stay after the first entry; 0 means no limit.
	// Whole seconds, at most math.MaxUint32 seconds.
	MaxStay time.Duration
	// Seats is how many people the ticket admits, 1 to MaxSeats.
	Seats int
}

// Window tells whether now is inside the validity window: TOO_EARLY before
// ValidFrom, TOO_LATE after ValidUntil, OK otherwise (both ends inclusive).
func (c Claims) Window(now time.Time) Reason {
	switch {
	case now.Before(c.ValidFrom):
		return ReasonTooEarly
	case now.After(c.ValidUntil):
		return ReasonTooLate
	}
	return ReasonOK
}

// ExpiresAt is when the stay of a holder who entered at enteredAt runs out;
// false when the ticket has no maximum stay.
func (c Claims) ExpiresAt(enteredAt time.Time) (time.Time, bool) {
	if c.MaxStay <= 0 {
		return time.Time{}, false
	}
	return enteredAt.Add(c.MaxStay), true
}

// KeyLookup finds a verification key by id. *KeyRing implements it; a
// scanner may implement it over its local store.
type KeyLookup interface {
	Get(id string) (Key, bool)
}

// Encode signs c with k and returns the VT1 payload to put in the QR. k
// must have a private part and not be retired; c.KeyID may be left empty
// (it is set to k.ID) but must not name another key.
func (c Claims) Encode(k Key) (string, error) {
	if err := k.validate(); err != nil {
		return "", err
	}
	if !k.CanSign() {
		return "", fmt.Errorf("ticket: key %q cannot sign (no private part, or retired)", k.ID)
	}
	if c.KeyID != "" && c.KeyID != k.ID {
		return "", fmt.Errorf("ticket: claims name key %q but key %q signs", c.KeyID, k.ID)
	}
	c.KeyID = k.ID
	m, err := c.toProto()
	if err != nil {
		return "", err
	}
	raw, err := marshalClaims(m)
	if err != nil {
		return "", fmt.Errorf("ticket: marshal claims: %w", err)
	}
	return assemble(raw, ed25519.Sign(k.Private, signedMessage(raw))), nil
}

// Sign encodes c with the active key of the ring.
func (r *KeyRing) Sign(c Claims) (string, error) {
	k, err := r.Active()
	if err != nil {
		return "", err
	}
	return c.Encode(k)
}

// Decode reads the claims of a payload WITHOUT checking the signature:
// for display and logs only, never to let anyone in. Errors are *Error of
// KindMalformed.
func Decode(payload string) (Claims, error) {
	c, _, _, err := parse(payload)
	return c, err
}

// Verify decodes payload and checks its signature with the key named by its
// key id, as of now (which decides whether a retired key still counts).
// Errors are *Error: KindMalformed, KindUnknownKey, KindForged or
// KindRetiredKey; map them to a scan reason with ReasonOf. When the error
// is not KindMalformed the decoded claims are returned too, so a caller
// can log or show which ticket was refused; they are unauthenticated then
// and must not be trusted. Verify does not check the validity window (see
// Claims.Window) nor revocations: those are scan rules.
func Verify(payload string, keys KeyLookup, now time.Time) (Claims, error) {
	c, raw, sig, err := parse(payload)
	if err != nil {
		return Claims{}, err
	}
	var k Key
	ok := false
	if keys != nil {
		k, ok = keys.Get(c.KeyID)
	}
	if !ok {
		return c, &Error{Kind: KindUnknownKey, KeyID: c.KeyID}
	}
	if len(k.Public) != ed25519.PublicKeySize {
		// ed25519.Verify panics on a bad key length; a KeyLookup other than
		// KeyRing might hand us one.
		return c, &Error{Kind: KindUnknownKey, KeyID: c.KeyID, Detail: "the known public key is not 32 bytes"}
	}
	if !ed25519.Verify(k.Public, signedMessage(raw), sig) {
		return c, &Error{Kind: KindForged, KeyID: c.KeyID}
	}
	// Checked after the signature so that a forgery naming a retired key is
	// reported as what it is.
	if k.RetiredBy(now) {
		return c, &Error{Kind: KindRetiredKey, KeyID: c.KeyID, Detail: "retired at " + k.RetiredAt.UTC().Format(time.RFC3339)}
	}
	return c, nil
}

// parse splits and decodes a payload: the claims, their raw bytes as
// signed, and the signature.
func parse(payload string) (c Claims, raw, sig []byte, err error) {
	if len(payload) > MaxPayloadLen {
		return Claims{}, nil, nil, malformed(fmt.Sprintf("payload is %d characters, more than %d", len(payload), MaxPayloadLen))
	}
	body, ok := strings.CutPrefix(payload, Prefix)
	if !ok {
		return Claims{}, nil, nil, malformed("missing " + Prefix + " prefix")
	}
	data, derr := decodeBase45(body)
	if derr != nil {
		return Claims{}, nil, nil, malformed(derr.Error())
	}
	if len(data) <= ed25519.SignatureSize {
		return Claims{}, nil, nil, malformed(fmt.Sprintf("%d bytes: too short for claims and a signature", len(data)))
	}
	raw, sig = data[:len(data)-ed25519.SignatureSize], data[len(data)-ed25519.SignatureSize:]
	var m varcov1.TicketClaims
	if uerr := proto.Unmarshal(raw, &m); uerr != nil {
		return Claims{}, nil, nil, malformed("claims: " + uerr.Error())
	}
	if len(m.ProtoReflect().GetUnknown()) > 0 {
		// VT1 is closed: a field this verifier does not know could be a
		// restriction it would silently ignore. New fields mean VT2.
		return Claims{}, nil, nil, malformed("claims: unknown fields")
	}
	if c, err = fromProto(&m); err != nil {
		return Claims{}, nil, nil, err
	}
	// Only the canonical encoding is accepted (fields in order, once each,
	// minimal varints, zero values omitted): what we sign always is, and
	// this rules out verifiers in other languages disagreeing about what
	// an odd encoding means.
	if again, merr := marshalClaims(&m); merr != nil || !bytes.Equal(again, raw) {
		return Claims{}, nil, nil, malformed("claims: not canonically encoded")
	}
	return c, raw, sig, nil
}

// toProto checks c and converts it to the wire message.
func (c Claims) toProto() (*varcov1.TicketClaims, error) {
	tid, err := parseID("ticket id", c.TicketID)
	if err != nil {
		return nil, err
	}
	rid, err := parseID("resource id", c.ResourceID)
	if err != nil {
		return nil, err
	}
	switch {
	case c.ValidFrom.IsZero() || c.ValidUntil.IsZero():
		return nil, fmt.Errorf("ticket: validity window not set")
	case c.ValidUntil.Unix() < c.ValidFrom.Unix():
		return nil, fmt.Errorf("ticket: valid until %s is before valid from %s", c.ValidUntil, c.ValidFrom)
	case c.MaxStay < 0 || c.MaxStay%time.Second != 0 || c.MaxStay/time.Second > math.MaxUint32:
		// Truncating could turn a short stay into 0, "no limit".
		return nil, fmt.Errorf("ticket: max stay %s is not a whole number of seconds in [0, 2^32)", c.MaxStay)
	case c.Seats < 1 || int64(c.Seats) > MaxSeats:
		return nil, fmt.Errorf("ticket: %d seats", c.Seats)
	}
	return &varcov1.TicketClaims{
		KeyId:          c.KeyID,
		TicketId:       tid[:],
		ResourceId:     rid[:],
		ValidFrom:      c.ValidFrom.Unix(),
		ValidUntil:     c.ValidUntil.Unix(),
		MaxStaySeconds: uint32(c.MaxStay / time.Second),
		Seats:          uint32(c.Seats),
	}, nil
}

func parseID(what, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, fmt.Errorf("ticket: %s %q: %w", what, s, err)
	}
	if id == uuid.Nil {
		return uuid.Nil, fmt.Errorf("ticket: %s is the nil UUID", what)
	}
	return id, nil
}

// fromProto checks a decoded wire message and converts it.
func fromProto(m *varcov1.TicketClaims) (Claims, error) {
	if !validKeyID(m.GetKeyId()) {
		return Claims{}, malformed(fmt.Sprintf("claims: key id %q is not %d base32 characters", m.GetKeyId(), KeyIDLen))
	}
	tid, err := rawID("ticket_id", m.GetTicketId())
	if err != nil {
		return Claims{}, err
	}
	rid, err := rawID("resource_id", m.GetResourceId())
	if err != nil {
		return Claims{}, err
	}
	switch {
	case m.GetValidUntil() < m.GetValidFrom():
		return Claims{}, malformed("claims: valid_until before valid_from")
	case m.GetSeats() == 0:
		return Claims{}, malformed("claims: no seats")
	case m.GetSeats() > MaxSeats:
		return Claims{}, malformed("claims: too many seats")
	}
	return Claims{
		KeyID:      m.GetKeyId(),
		TicketID:   tid.String(),
		ResourceID: rid.String(),
		ValidFrom:  time.Unix(m.GetValidFrom(), 0).UTC(),
		ValidUntil: time.Unix(m.GetValidUntil(), 0).UTC(),
		MaxStay:    time.Duration(m.GetMaxStaySeconds()) * time.Second,
		Seats:      int(m.GetSeats()),
	}, nil
}

func rawID(field string, b []byte) (uuid.UUID, error) {
	if len(b) != uuidLen {
		return uuid.Nil, malformed(fmt.Sprintf("claims: %s is %d bytes, want %d", field, len(b), uuidLen))
	}
	id := uuid.UUID(b)
	if id == uuid.Nil {
		return uuid.Nil, malformed("claims: " + field + " is the nil UUID")
	}
	return id, nil
}

// validKeyID reports whether id has the shape of DeriveKeyID's output.
func validKeyID(id string) bool {
	if len(id) != KeyIDLen {
		return false
	}
	for i := range len(id) {
		if !(id[i] >= 'A' && id[i] <= 'Z' || id[i] >= '2' && id[i] <= '7') {
			return false
		}
	}
	return true
}

// marshalClaims is the one place claims become bytes, so signing and the
// canonical-encoding check agree.
func marshalClaims(m *varcov1.TicketClaims) ([]byte, error) {
	return proto.MarshalOptions{Deterministic: true}.Marshal(m)
}

// signedMessage is what the signature covers: "VT1" || claims.
func signedMessage(raw []byte) []byte {
	msg := make([]byte, 0, len(signContext)+len(raw))
	return append(append(msg, signContext...), raw...)
}

// assemble builds the payload from the claims bytes and the signature.
func assemble(raw, sig []byte) string {
	data := make([]byte, 0, len(raw)+len(sig))
	return Prefix + encodeBase45(append(append(data, raw...), sig...))
}
