// Package fault describes failures a caller can act on: each has a kind
// (mapped to a Connect code at the API edge), a stable machine code and a
// message in Italian and English. Domain packages return them; only the API
// edge turns them into Connect errors.
package fault

import (
	"errors"

	"github.com/varco-gate/varco/internal/i18n"
)

// Kind is the class of a failure.
type Kind int

// Kinds of failure, each mapped to one Connect code by the API edge.
const (
	Invalid            Kind = iota + 1 // InvalidArgument: a request field is wrong.
	NotFound                           // NotFound: no such object visible to the caller.
	AlreadyExists                      // AlreadyExists: a unique value is taken.
	FailedPrecondition                 // FailedPrecondition: not allowed in the current state.
	Exhausted                          // ResourceExhausted: capacity or rate limit reached.
	Unauthenticated                    // Unauthenticated: no valid credentials.
	PermissionDenied                   // PermissionDenied: valid credentials, not allowed.
)

// Error is a failure with a stable code and a message from the catalog.
type Error struct {
	Kind Kind
	// Code is stable and machine-readable ("slot_full", "hold_expired").
	Code string
	// Field is the request field path for Invalid failures.
	Field string
	// Key names the message in the catalog, "error.<code>" unless Text
	// chose another; Args fill its verbs.
	Key  string
	Args []any
	// Err is the underlying cause, kept for logs; never shown to callers.
	Err error
}

// Error returns the English message, prefixed by the field when there is one.
func (e *Error) Error() string {
	msg := e.Message(i18n.EN)
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Message returns the message in lang (Italian for an unknown language).
func (e *Error) Message(lang string) string {
	return i18n.T(lang, e.Key, e.Args...)
}

// New builds a failure whose message is the catalog's "error.<code>".
func New(kind Kind, code string) *Error {
	return &Error{Kind: kind, Code: code, Key: "error." + code}
}

// InvalidField builds an Invalid failure naming the field, with the
// catalog's "error.<code>" as message.
func InvalidField(field, code string) *Error {
	return &Error{Kind: Invalid, Code: code, Field: field, Key: "error." + code}
}

// Text returns a copy of e (same kind and code) whose message is the
// catalog's key filled with args, for a code whose words depend on the
// case or carry values ("at most %d characters").
func (e *Error) Text(key string, args ...any) *Error {
	c := *e
	c.Key, c.Args = key, args
	return &c
}

// Wrap returns a copy of e with err as cause.
func (e *Error) Wrap(err error) *Error {
	c := *e
	c.Err = err
	return &c
}

// Is makes errors.Is match failures by kind and code, so sentinel values
// can be compared even after Wrap or a field change.
func (e *Error) Is(target error) bool {
	var t *Error
	if !errors.As(target, &t) {
		return false
	}
	return t.Kind == e.Kind && t.Code == e.Code
}
