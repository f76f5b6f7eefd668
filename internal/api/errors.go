package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/i18n"
	"github.com/varco-gate/varco/internal/person"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// errInternal is all a caller learns about an unexpected failure; the cause
// goes to the log.
var errInternal = errors.New("errore interno / internal error")

var kindCodes = map[fault.Kind]connect.Code{
	fault.Invalid:            connect.CodeInvalidArgument,
	fault.NotFound:           connect.CodeNotFound,
	fault.AlreadyExists:      connect.CodeAlreadyExists,
	fault.FailedPrecondition: connect.CodeFailedPrecondition,
	fault.Exhausted:          connect.CodeResourceExhausted,
	fault.Unauthenticated:    connect.CodeUnauthenticated,
	fault.PermissionDenied:   connect.CodePermissionDenied,
}

// Language picks the language of messages for a request from its
// Accept-Language header, honouring q-values and regional variants
// (i18n.Match): Italian, English or German, Italian by default.
func Language(h http.Header) string {
	return i18n.Match(h.Get("Accept-Language"))
}

// ToConnect maps an error from the domain to a Connect error carrying the
// message in lang and a machine-readable detail. Unknown errors are logged
// and reported as Internal without their text, which may hold internals.
func ToConnect(ctx context.Context, log *slog.Logger, lang string, err error) error {
	if err == nil {
		return nil
	}
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce
	}
	var ve *person.ValidationError
	if errors.As(err, &ve) {
		return withDetail(connect.CodeInvalidArgument, ve.Field+": "+ve.Message(lang),
			&varcov1.FieldViolation{Field: ve.Field, Code: ve.Code, Description: ve.Message(lang)})
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		code, ok := kindCodes[fe.Kind]
		if !ok {
			code = connect.CodeInternal
		}
		msg := fe.Message(lang)
		if fe.Kind == fault.Invalid {
			return withDetail(code, fe.Field+": "+msg,
				&varcov1.FieldViolation{Field: fe.Field, Code: fe.Code, Description: msg})
		}
		return withDetail(code, msg, &varcov1.ErrorReason{Code: fe.Code, Description: msg})
	}
	switch {
	case errors.Is(err, context.Canceled):
		return connect.NewError(connect.CodeCanceled, err)
	case errors.Is(err, context.DeadlineExceeded):
		return connect.NewError(connect.CodeDeadlineExceeded, err)
	}
	log.ErrorContext(ctx, "internal error", slog.Any("err", err))
	return connect.NewError(connect.CodeInternal, errInternal)
}

func withDetail(code connect.Code, msg string, detail proto.Message) error {
	ce := connect.NewError(code, errors.New(msg))
	if d, err := connect.NewErrorDetail(detail); err == nil {
		ce.AddDetail(d)
	}
	return ce
}
