package api

import (
	"context"
	"log/slog"
	"strconv"
	"unicode/utf8"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/varco-gate/varco/internal/admission"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
)

// Bounds every request field before anything acts on the request: a list
// of 32,000 statuses would otherwise reach SQLite as 32,000 variables
// ("too many SQL variables", an Internal error), and a list of resource
// ids is looked up one by one by authorization. The checks are driven by
// the message descriptors, so a new field is bounded without code of its
// own; limits_test.go proves every repeated field has a limit chosen for
// it. Domain validation still applies its own, often tighter, limits.

// MaxStringLength bounds every string field of a request, in characters,
// unless stringLimits says otherwise.
const MaxStringLength = 1000

// repeatedLimits is the most items each repeated field of a request
// message may hold, by field. Every repeated field reachable from a
// request must be listed (limits_test.go checks), except lists of enum
// values, bounded by how many values the enum has.
var repeatedLimits = map[protoreflect.FullName]int{
	"varco.v1.ConfirmBookingRequest.acknowledgement_ids":    catalog.MaxAcknowledgements,
	"varco.v1.StartGuestBookingRequest.acknowledgement_ids": catalog.MaxAcknowledgements,
	"varco.v1.Resource.documents_to_bring":                  catalog.MaxDocuments,
	"varco.v1.Resource.acknowledgements":                    catalog.MaxAcknowledgements,
	"varco.v1.Resource.operators":                           catalog.MaxOperators,
	"varco.v1.SetScheduleRequest.rules":                     200, // a few ranges per weekday
	"varco.v1.WeeklyRule.operator_ids":                      catalog.MaxOperators,
	"varco.v1.GrantRoleRequest.resource_ids":                100,
	"varco.v1.CreateDeviceEnrollmentRequest.resource_ids":   100,
	"varco.v1.UploadScansRequest.scans":                     admission.MaxUpload,
	"varco.v1.WatchOccupancyRequest.resource_ids":           100,
	"varco.v1.PreviewScheduleRequest.rules":                 200, // as SetScheduleRequest.rules
	// Every exception kept and proposed; years of one-off closures fit.
	"varco.v1.PreviewScheduleRequest.exceptions":     2000,
	"varco.v1.ProposeOtherDatesRequest.alternatives": booking.MaxAlternatives,
}

// stringLimits are the string fields allowed more than MaxStringLength
// characters: long texts and URLs.
var stringLimits = map[protoreflect.FullName]int{
	"varco.v1.Organization.description":          catalog.MaxDescriptionLength,
	"varco.v1.Place.description":                 catalog.MaxDescriptionLength,
	"varco.v1.Resource.description":              catalog.MaxDescriptionLength,
	"varco.v1.Contacts.website":                  2000,
	"varco.v1.ConfirmBookingRequest.notes":       2000,
	"varco.v1.StartGuestBookingRequest.notes":    2000,
	"varco.v1.CreateCounterBookingRequest.notes": 2000,
	"varco.v1.CreateWebhookRequest.url":          2048,
	"varco.v1.SubscribePushRequest.endpoint":     2048,
	"varco.v1.UnsubscribePushRequest.endpoint":   2048,
}

// repeatedLimit is the most items field fd may hold; ok is false for a
// repeated field nobody chose a limit for (it then gets
// MaxStringLength items, and the test fails).
func repeatedLimit(fd protoreflect.FieldDescriptor) (n int, ok bool) {
	if n, ok := repeatedLimits[fd.FullName()]; ok {
		return n, true
	}
	if fd.Kind() == protoreflect.EnumKind && fd.IsList() {
		return fd.Enum().Values().Len(), true
	}
	return MaxStringLength, false
}

func stringLimit(fd protoreflect.FieldDescriptor) int {
	if n, ok := stringLimits[fd.FullName()]; ok {
		return n
	}
	return MaxStringLength
}

// CheckLimits reports the first field of m over its limit, as a fault
// naming the field's path in the request ("rules[2].operator_ids").
func CheckLimits(m proto.Message) error {
	return checkMessage(m.ProtoReflect(), "")
}

func checkMessage(m protoreflect.Message, prefix string) error {
	var err error
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		path := prefix + string(fd.Name())
		switch {
		case fd.IsList():
			l := v.List()
			if limit, _ := repeatedLimit(fd); l.Len() > limit {
				err = tooMany(path, limit)
				return false
			}
			for i := range l.Len() {
				if err = checkValue(fd, l.Get(i), path+"["+strconv.Itoa(i)+"]"); err != nil {
					return false
				}
			}
		case fd.IsMap():
			// None in the API today; counted like a list all the same.
			if limit, _ := repeatedLimit(fd); v.Map().Len() > limit {
				err = tooMany(path, limit)
				return false
			}
		default:
			err = checkValue(fd, v, path)
		}
		return err == nil
	})
	return err
}

func checkValue(fd protoreflect.FieldDescriptor, v protoreflect.Value, path string) error {
	switch fd.Kind() {
	case protoreflect.StringKind:
		if limit := stringLimit(fd); len(v.String()) > limit && utf8.RuneCountInString(v.String()) > limit {
			return fault.InvalidField(path, "too_long").Text("error.too_long.4", limit)
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return checkMessage(v.Message(), path+".")
	}
	return nil
}

func tooMany(path string, limit int) error {
	return fault.InvalidField(path, "too_many").Text("error.too_many", limit)
}

// Limits is the interceptor applying CheckLimits to every request message,
// before authorization (which may look up the ids a request lists).
type Limits struct{ log *slog.Logger }

// NewLimits returns the limits interceptor.
func NewLimits(log *slog.Logger) *Limits { return &Limits{log: log} }

// WrapUnary checks unary requests.
func (l *Limits) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if m, ok := req.Any().(proto.Message); ok && !req.Spec().IsClient {
			if err := CheckLimits(m); err != nil {
				return nil, ToConnect(ctx, l.log, Language(req.Header()), err)
			}
		}
		return next(ctx, req)
	}
}

// WrapStreamingClient leaves client streams alone.
func (l *Limits) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler checks every message a stream receives.
func (l *Limits) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		return next(ctx, &limitedConn{StreamingHandlerConn: conn, ctx: ctx, log: l.log})
	}
}

type limitedConn struct {
	connect.StreamingHandlerConn
	ctx context.Context
	log *slog.Logger
}

func (c *limitedConn) Receive(m any) error {
	if err := c.StreamingHandlerConn.Receive(m); err != nil {
		return err
	}
	if pm, ok := m.(proto.Message); ok {
		if err := CheckLimits(pm); err != nil {
			return ToConnect(c.ctx, c.log, Language(c.RequestHeader()), err)
		}
	}
	return nil
}
