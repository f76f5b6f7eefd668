package api

import (
	"context"
	"crypto/sha256"
	"errors"
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
	// The bookings a proposed schedule would strand, with their people.
	"PreviewSchedule": "schedule.preview",
	// Who waits for which slot.
	"ListWaitlist": "waitlist.view",
}

// Audit records every successful AdminService call in the audit trail. It
// runs after Access, so the organization the call touched is known.
//
// A read of personal data is recorded before any of the data leaves the
// server, and refused if it cannot be recorded: a client that hangs up
// after the first chunk of an export has still read it. Other actions are
// recorded after they succeed; a failure to record them is logged, not
// returned: the action already happened. Records are written with a
// context the client cannot cancel.
type Audit struct {
	reads readCoalescer
	store audit.Store
	clk   clock.Clock
	log   *slog.Logger
}

// NewAudit returns the audit interceptor.
func NewAudit(s audit.Store, clk clock.Clock, log *slog.Logger) *Audit {
	return &Audit{store: s, clk: clk, log: log}
}

// errAuditUnavailable refuses a read of personal data that could not be
// recorded.
var errAuditUnavailable = connect.NewError(connect.CodeUnavailable,
	errors.New("registro degli accessi non disponibile, riprovare / audit trail unavailable, try again"))

// record writes one event for a call to procedure about msg; suffix is
// appended to the action (".end" for the completion of an export). It
// reports whether the call was a read of personal data, and the failure to
// record it, if any (also logged). With coalesce, a unary read repeated
// within ReadCoalesceWindow of its last record is counted, not recorded.
func (a *Audit) record(ctx context.Context, procedure string, msg any, suffix, detail string, coalesce bool) (read bool, err error) {
	svc, method, _ := strings.Cut(strings.TrimPrefix(procedure, "/varco.v1."), "/")
	if svc != "AdminService" {
		return false, nil
	}
	p := authz.FromContext(ctx)
	scope, ok := authz.ScopeFromContext(ctx)
	if !ok || p.Kind != authz.Account {
		return false, nil // installation-level calls (CreateOrganization) belong to no organization's trail
	}
	action := svc + "." + method
	if name, ok := personalDataReads[method]; ok {
		action, read = name, true
	}
	action += suffix
	now := a.clk.Now()
	coalesce = coalesce && read
	var key [sha256.Size]byte
	if coalesce {
		key = readKey(scope.OrganizationID, p.AccountID, action, msg)
		skip, repeats := a.reads.skip(key, now)
		if skip {
			return read, nil
		}
		detail = strings.TrimSpace(detail + " " + repeats)
	}
	typ, id := target(msg)
	e := audit.Event{ID: uuid.NewString(), OrganizationID: scope.OrganizationID, At: now, ActorKind: 3, // PRINCIPAL_KIND_STAFF
		ActorID: p.AccountID, Action: action, TargetType: typ, TargetID: id, Detail: detail}
	// The client may hang up at any moment (that is when it matters most
	// that the read is on record): the write must not die with its request.
	if err := a.store.RecordAudit(context.WithoutCancel(ctx), e); err != nil {
		a.log.ErrorContext(ctx, "audit trail", slog.String("action", action), slog.Any("err", err))
		return read, err
	}
	if coalesce {
		a.reads.recorded(key, now)
	}
	return read, nil
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

// WrapUnary records successful unary calls. The response is sent after
// this returns, so a read of personal data is on record before its data
// leaves, or is refused.
func (a *Audit) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		res, err := next(ctx, req)
		if err == nil && !req.Spec().IsClient {
			if read, rerr := a.record(ctx, req.Spec().Procedure, req.Any(), "", "", true); read && rerr != nil {
				return nil, errAuditUnavailable
			}
		}
		return res, err
	}
}

// WrapStreamingClient leaves client streams alone.
func (a *Audit) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

// WrapStreamingHandler records exports: the read is recorded when the
// first message is about to be sent (with the detail the handler set by
// then, see setAuditDetail), and its end, complete or aborted, with what
// left the server, after the handler returns. Nothing is sent unless the
// first record was written.
func (a *Audit) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		note := new(auditNote)
		ctx = context.WithValue(ctx, auditNoteKey{}, note)
		rc := &recordingConn{StreamingHandlerConn: conn}
		rc.start = func() error {
			if read, err := a.record(ctx, conn.Spec().Procedure, rc.msg, "", note.start, false); read && err != nil {
				return errAuditUnavailable
			}
			return nil
		}
		err := next(ctx, rc)
		switch {
		case rc.started && note.end != "":
			result := "complete"
			if err != nil {
				result = "aborted"
			}
			_, _ = a.record(ctx, conn.Spec().Procedure, rc.msg, ".end", note.end+" result="+result, false)
		case !rc.started && err == nil && rc.msg != nil:
			_ = rc.start() // a stream that sent nothing, recorded as it succeeded
		}
		return err
	}
}

type auditNoteKey struct{}

// auditNote is what a streaming call tells the audit trail about itself.
type auditNote struct{ start, end string }

// setAuditDetail sets the details of the events a streaming call records:
// start before its first message is sent (for exports: the period and how
// it was asked), end once it has finished (what left the server).
func setAuditDetail(ctx context.Context, start, end string) {
	if n, ok := ctx.Value(auditNoteKey{}).(*auditNote); ok {
		if start != "" {
			n.start = start
		}
		if end != "" {
			n.end = end
		}
	}
}

// recordingConn remembers the request message of a server stream, and
// records the start of the call before its first message is sent.
type recordingConn struct {
	connect.StreamingHandlerConn
	msg     any
	start   func() error
	started bool
}

func (c *recordingConn) Send(m any) error {
	if !c.started {
		if err := c.start(); err != nil {
			return err
		}
		c.started = true
	}
	return c.StreamingHandlerConn.Send(m)
}

func (c *recordingConn) Receive(m any) error {
	err := c.StreamingHandlerConn.Receive(m)
	if err == nil && c.msg == nil {
		c.msg = m
	}
	return err
}
