// Package fault describes failures a caller can act on: each has a kind
// (mapped to a Connect code at the API edge), a stable machine code and a
// message in Italian and English. Domain packages return them; only the API
// edge turns them into Connect errors.
package fault

import (
	"errors"
	"fmt"
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

// Error is a failure with a stable code and bilingual message.
type Error struct {
	Kind Kind
	// Code is stable and machine-readable ("slot_full", "hold_expired").
	Code string
	// Field is the request field path for Invalid failures.
	Field string
	// IT and EN are the messages shown to people.
	IT, EN string
	// Err is the underlying cause, kept for logs; never shown to callers.
	Err error
}

// Error returns the English message, prefixed by the field when there is one.
func (e *Error) Error() string {
	msg := e.EN
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

// Message returns the message in lang ("en" or Italian otherwise).
func (e *Error) Message(lang string) string {
	if lang == "en" {
		return e.EN
	}
	return e.IT
}

// New builds a failure.
func New(kind Kind, code, it, en string) *Error {
	return &Error{Kind: kind, Code: code, IT: it, EN: en}
}

// InvalidField builds an Invalid failure naming the field.
func InvalidField(field, code, it, en string) *Error {
	return &Error{Kind: Invalid, Code: code, Field: field, IT: it, EN: en}
}

// WithMessages returns a copy of e with other messages (same kind and
// code), for a failure whose words depend on the case.
func (e *Error) WithMessages(it, en string) *Error {
	c := *e
	c.IT, c.EN = it, en
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

// Format helps building messages with values ("seats left: 3").
func Format(kind Kind, code, itFormat, enFormat string, args ...any) *Error {
	return New(kind, code, fmt.Sprintf(itFormat, args...), fmt.Sprintf(enFormat, args...))
}
