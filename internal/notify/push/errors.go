package push

import "github.com/varco-gate/varco/internal/i18n"

// Stable validation error codes. Front ends switch on them, so they must
// never change once published.
const (
	CodeRequired       = "required"
	CodeMalformed      = "malformed"
	CodeTooLong        = "too_long"
	CodeNotHTTPS       = "not_https"
	CodeUserinfo       = "userinfo"
	CodeIPLiteral      = "ip_literal"
	CodePort           = "port"
	CodeHostNotAllowed = "host_not_allowed"
	CodeInvalidKey     = "invalid_key"
	CodeAuthLength     = "auth_length"
)

// Field names a ValidationError can carry; they match the keys of the
// browser's PushSubscription JSON so front ends can map them directly.
const (
	FieldEndpoint = "endpoint"
	FieldP256dh   = "p256dh"
	FieldAuth     = "auth"
)

// ValidationError reports which part of a push subscription was rejected.
// It never carries the rejected value: an endpoint URL is a bearer
// capability for sending to that browser, and errors end up in logs.
type ValidationError struct {
	// Field is FieldEndpoint, FieldP256dh or FieldAuth.
	Field string
	// Code is one of the stable Code* constants.
	Code string
}

// Key is the message's key in the catalog (internal/i18n).
func (e *ValidationError) Key() string {
	if i18n.Has("push." + e.Code) {
		return "push." + e.Code
	}
	// An unknown code is a programming error; still say something useful.
	return "push.unknown"
}

// Message returns the text for lang; any other language than the
// catalog's gets Italian because Varco's users are served in Italian first.
func (e *ValidationError) Message(lang string) string {
	return i18n.T(lang, e.Key())
}

// Error returns the English message prefixed with the field, for logs.
func (e *ValidationError) Error() string {
	return "push subscription " + e.Field + ": " + e.Message("en")
}

func invalid(field, code string) *ValidationError {
	return &ValidationError{Field: field, Code: code}
}
