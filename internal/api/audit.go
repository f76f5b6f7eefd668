package api

import (
	"context"
	"log/slog"
	"strings"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/varco-gate/varco/internal/audit"
	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/clock"
)

// personalDataReads name the staff calls that read citizens' data: they
// are recorded as accesses, not as changes.
var personalDataReads = map[string]string{
	"GetBookingDetails": "booking.view",
	"ListBookings":      "calendar.view",
	"ExportBookings":    "bookings.export",
	"ExportScans":       "scans.export",
}

// Audit records every successful AdminService call in the audit trail. It
// runs after Access, so the organization the call touched is known. A
// failure to record is logged, not returned: the action already happened.
type Audit struct {
	store audit.Store
	clk   clock.Clock
	log   *slog.Logger
}

// NewAudit returns the audit interceptor.
func NewAudit(s audit.Store, clk clock.Clock, log *slog.Logger) *Audit {
	return &Audit{store: s, clk: clk, log: log}
}

func (a *Audit) record(ctx context.Context, procedure string, msg any, detail string) {
	svc, method, _ := strings.Cut(strings.TrimPrefix(procedure, "/varco.v1."), "/")
	if svc != "AdminService" {
		return
	}
	p := authz.FromContext(ctx)
	scope, ok := authz.ScopeFromContext(ctx)
	if !ok || p.Kind != authz.Account {
		return // installation-level calls (CreateOrganization) belong to no organization's trail
	}
	action := svc + "." + method
	if read, ok := personalDataReads[method]; ok {
		action = read
	}
	typ, id := target(msg)
	e := audit.Event{ID: uuid.NewString(), OrganizationID: scope.OrganizationID, At: a.clk.Now(), ActorKind: 3, // PRINCIPAL_KIND_STAFF
		ActorID: p.AccountID, Action: action, TargetType: typ, TargetID: id, Detail: detail}
	if err := a.store.RecordAudit(ctx, e); err != nil {
		a.log.ErrorContext(ctx, "audit trail", slog.String("action", action), slog.Any("err", err))
	}
}

// target names the object a request is about, most specific first.
func target(msg any) (string, string) {
	for _, c := range []struct {
		typ string
		get func(any) (string, bool)
	}{
		{"booking", getter(func(m interface{ GetBookingId() string }) string { return m.GetBookingId() })},
		{"device", getter(func(m interface{ GetDeviceId() string }) string { return m.GetDeviceId() })},
		{"account", getter(func(m interface{ GetAccountId() string }) string { return m.GetAccountId() })},
		{"webhook", getter(func(m interface{ GetWebhookId() string }) string { return m.GetWebhookId() })},
		{"webhook_delivery", getter(func(m interface{ GetDeliveryId() string }) string { return m.GetDeliveryId() })},
		{"resource", getter(func(m interface{ GetResourceId() string }) string { return m.GetResourceId() })},
		{"organization", getter(func(m interface{ GetOrganizationId() string }) string { return m.GetOrganizationId() })},
	} {
		if id, ok := c.get(msg); ok && id != "" {
			return c.typ, id
		}
	}
	return "", ""
}

func getter[I any](f func(I) string) func(any) (string, bool) {
	return func(m any) (string, bool) {
		i, ok := m.(I)
		if !ok {
			return "", false
		}
		return f(i), true
	}
}

// WrapUnary records successful unary calls.
func (a *Audit) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		res, err := next(ctx, req)
		if err == nil && !req.Spec().IsClient {
			a.record(ctx, req.Spec().Procedure, req.Any(), "")
		}
		return res, err
	}
}

// WrapStreamingClient leaves client streams alone.
func (a *Audit) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler records exports: completed ones, and failed ones
// that had already sent data (the data was read all the same). The handler
// may describe what it sent with setAuditDetail.
func (a *Audit) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		detail := new(string)
		ctx = context.WithValue(ctx, auditDetailKey{}, detail)
		rc := &recordingConn{StreamingHandlerConn: conn}
		err := next(ctx, rc)
		if rc.msg != nil && (err == nil || rc.sent) {
			a.record(ctx, conn.Spec().Procedure, rc.msg, *detail)
		}
		return err
	}
}

type auditDetailKey struct{}

// setAuditDetail sets the detail of the audit event a streaming call
// records (for exports: the period and how many rows left the server).
func setAuditDetail(ctx context.Context, detail string) {
	if d, ok := ctx.Value(auditDetailKey{}).(*string); ok {
		*d = detail
	}
}

// recordingConn remembers the request message of a server stream, and
// whether anything was sent.
type recordingConn struct {
	connect.StreamingHandlerConn
	msg  any
	sent bool
}

func (c *recordingConn) Send(m any) error {
	err := c.StreamingHandlerConn.Send(m)
	c.sent = c.sent || err == nil
	return err
}

func (c *recordingConn) Receive(m any) error {
	err := c.StreamingHandlerConn.Receive(m)
	if err == nil && c.msg == nil {
		c.msg = m
	}
	return err
}
