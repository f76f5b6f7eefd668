package client

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// Error is a failed call decoded: the Connect code, the server's stable
// machine-readable reason, the offending field for InvalidArgument, and
// the message meant for people (in the language asked with WithLanguage).
// React to Code and Reason; show Message.
type Error struct {
	// Code is the Connect (gRPC) status code.
	Code connect.Code
	// Reason is the stable code of the cause: ErrorReason.code (e.g.
	// "slot_full", "hold_expired") or, for InvalidArgument,
	// FieldViolation.code (e.g. "cf_check"). Empty when the server gave
	// none (transport failures, Internal).
	Reason string
	// Field is the request field at fault for InvalidArgument, as a path
	// such as "beneficiary.codice_fiscale"; empty otherwise.
	Field string
	// Message is the human-readable message, without the field prefix.
	Message string
	// RetryAfter is how long the server asked to wait before trying again
	// (login throttling); zero when it did not say.
	RetryAfter time.Duration

	cause *connect.Error
}

// Error formats the error as "code: field: message".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code.String())
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Unwrap returns the underlying *connect.Error, so connect.CodeOf and
// errors.As keep working on an *Error.
func (e *Error) Unwrap() error { return e.cause }

// AsError decodes any error returned by the service clients (or by the
// generated clients used directly). It reports false for nil and for
// errors that did not come from an RPC.
func AsError(err error) (*Error, bool) {
	if err == nil {
		return nil, false
	}
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return nil, false
	}
	e = &Error{Code: ce.Code(), Message: ce.Message(), cause: ce}
	for _, d := range ce.Details() {
		v, derr := d.Value()
		if derr != nil {
			continue // a detail type this client does not know
		}
		switch v := v.(type) {
		case *varcov1.FieldViolation:
			e.Field, e.Reason = v.GetField(), v.GetCode()
			if v.GetDescription() != "" {
				e.Message = v.GetDescription()
			}
		case *varcov1.ErrorReason:
			e.Reason = v.GetCode()
			if v.GetDescription() != "" {
				e.Message = v.GetDescription()
			}
		}
	}
	if s, err := strconv.Atoi(ce.Meta().Get("Retry-After")); err == nil && s > 0 {
		e.RetryAfter = time.Duration(s) * time.Second
	}
	return e, true
}
