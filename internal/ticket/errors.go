package ticket

import (
	"errors"
	"strings"
)

// Reason is why a scanner accepts or refuses a ticket. Each value is the
// name of a varco.v1.ScanReason without its "SCAN_REASON_" prefix, so the
// API edge converts with
//
//	varcov1.ScanReason(varcov1.ScanReason_value["SCAN_REASON_"+string(r)])
//
// This package does not use the generated gate enum itself: the ticket core
// is shared by the server and the scanner and should not depend on how the
// gate API names things beyond this documented mapping (a test keeps the
// names in step with gate.proto).
type Reason string

// Reasons this package decides. The remaining ScanReason values (revoked,
// wrong resource, already inside, ...) need gate state and are decided by
// the scan rules, not here.
const (
	// ReasonOK: the ticket verifies (or is inside its window).
	ReasonOK Reason = "OK"
	// ReasonMalformed: not a VT1 ticket, or damaged beyond decoding.
	ReasonMalformed Reason = "MALFORMED"
	// ReasonForged: the signature does not verify (forged or tampered).
	ReasonForged Reason = "FORGED"
	// ReasonUnknownKey: signed with a key that is unknown or retired.
	ReasonUnknownKey Reason = "UNKNOWN_KEY"
	// ReasonTooEarly: before valid_from.
	ReasonTooEarly Reason = "TOO_EARLY"
	// ReasonTooLate: after valid_until.
	ReasonTooLate Reason = "TOO_LATE"
)

// Kind classifies a refused payload. Kinds are finer than reasons: a
// retired key is its own kind (the operator may want to know the ticket
// was genuine once) but shares the UNKNOWN_KEY reason shown at the gate.
type Kind int

// Kinds of refusal.
const (
	// KindMalformed: bad prefix or version, bad base45, bad protobuf, wrong
	// field lengths or values. Reason MALFORMED.
	KindMalformed Kind = iota + 1
	// KindUnknownKey: the key id names no known key. Reason UNKNOWN_KEY.
	KindUnknownKey
	// KindForged: the signature does not match the claims under the named
	// key. Reason FORGED.
	KindForged
	// KindRetiredKey: the signature is genuine but the key was retired
	// before the scan. Reason UNKNOWN_KEY.
	KindRetiredKey
)

// String names the kind for logs.
func (k Kind) String() string {
	switch k {
	case KindMalformed:
		return "malformed"
	case KindUnknownKey:
		return "unknown key"
	case KindForged:
		return "forged"
	case KindRetiredKey:
		return "retired key"
	}
	return "unknown kind"
}

// Reason is the scan reason for the kind.
func (k Kind) Reason() Reason {
	switch k {
	case KindMalformed:
		return ReasonMalformed
	case KindForged:
		return ReasonForged
	case KindUnknownKey, KindRetiredKey:
		return ReasonUnknownKey
	}
	return ""
}

// Error is a payload that Decode or Verify refused.
type Error struct {
	Kind Kind
	// KeyID is the key the ticket names, when it could be read.
	KeyID string
	// Detail says what exactly was wrong, for logs ("bad base45: ...").
	Detail string
}

// Sentinels for errors.Is: errors.Is(err, ticket.ErrForged) matches any
// *Error of that kind, whatever its detail.
var (
	ErrMalformed  = &Error{Kind: KindMalformed}
	ErrUnknownKey = &Error{Kind: KindUnknownKey}
	ErrForged     = &Error{Kind: KindForged}
	ErrRetiredKey = &Error{Kind: KindRetiredKey}
)

// Error returns "ticket: <kind>[ key <id>][: detail]".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("ticket: ")
	b.WriteString(e.Kind.String())
	if e.KeyID != "" {
		b.WriteString(" (key ")
		b.WriteString(e.KeyID)
		b.WriteString(")")
	}
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	return b.String()
}

// Is matches by kind, so the sentinels work after details were added.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && t.Kind == e.Kind
}

// Reason is the scan reason for the error.
func (e *Error) Reason() Reason { return e.Kind.Reason() }

// ReasonOf maps an error returned by Decode or Verify to a scan reason: OK
// for nil, the kind's reason for an *Error, and MALFORMED for anything
// else (which these functions do not return; refusing is the safe side).
func ReasonOf(err error) Reason {
	if err == nil {
		return ReasonOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Reason()
	}
	return ReasonMalformed
}

// malformed builds a KindMalformed error.
func malformed(detail string) *Error {
	return &Error{Kind: KindMalformed, Detail: detail}
}
