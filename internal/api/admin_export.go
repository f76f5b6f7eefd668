package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/export"
	"github.com/varco-gate/varco/internal/fault"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// ExportLinkTTL is how long a link from CreateExportLink works: long
// enough to click it, short enough that a link found later in a browser's
// history or a forwarded e-mail is dead.
const ExportLinkTTL = 5 * time.Minute

// Exports is what the CSV exports need: the RPCs, CreateExportLink and
// the plain GET links (export_link.go).
type Exports struct {
	Service *export.Service
	// Authn checks bearer tokens sent to the GET links.
	Authn authz.Authenticator
	// Sessions and Principals check links signed with a session.
	Sessions interface {
		ActiveSessionHashes(ctx context.Context, accountID string, now time.Time) ([][32]byte, error)
	}
	Principals interface {
		SessionPrincipal(ctx context.Context, hash [32]byte) (authz.Principal, error)
	}
	// Authz applies the RPCs' policy to the GET links.
	Authz *authz.Authorizer
	// Audit records downloads through the GET links (the RPCs are
	// recorded by the interceptor).
	Audit         *Audit
	Clock         clock.Clock
	PublicBaseURL string
	Log           *slog.Logger
}

// exportRequest builds the export asked for by RPC fields; the language
// is the request's, else the caller's Accept-Language.
func exportRequest(kind export.Kind, org, resource, from, to string, d varcov1.CsvDelimiter, lang string, h http.Header) export.Request {
	if lang == "" {
		lang = Language(h)
	}
	return export.Request{Kind: kind, OrganizationID: org, ResourceID: resource, FromDate: from, ToDate: to,
		Format: export.Format{Delimiter: delimiterOf(d), Lang: lang}}
}

// delimiterOf maps the enum to a separator; unknown values give one that
// Plan refuses with a field error.
func delimiterOf(d varcov1.CsvDelimiter) rune {
	switch d {
	case varcov1.CsvDelimiter_CSV_DELIMITER_UNSPECIFIED:
		return 0
	case varcov1.CsvDelimiter_CSV_DELIMITER_SEMICOLON:
		return export.Semicolon
	case varcov1.CsvDelimiter_CSV_DELIMITER_COMMA:
		return export.Comma
	}
	return -1
}

// ExportBookings streams the bookings of a period as CSV.
func (a *Admin) ExportBookings(ctx context.Context, req *connect.Request[varcov1.ExportBookingsRequest], stream *connect.ServerStream[varcov1.ExportBookingsResponse]) error {
	m := req.Msg
	r := exportRequest(export.Bookings, m.GetOrganizationId(), m.GetResourceId(), m.GetFromDate(), m.GetToDate(), m.GetDelimiter(), m.GetLanguage(), req.Header())
	out := &varcov1.ExportBookingsResponse{}
	return a.streamExport(ctx, req.Header(), r, func(b []byte) error {
		out.Chunk = b
		return stream.Send(out)
	})
}

// ExportScans streams the gate scans of a period as CSV.
func (a *Admin) ExportScans(ctx context.Context, req *connect.Request[varcov1.ExportScansRequest], stream *connect.ServerStream[varcov1.ExportScansResponse]) error {
	m := req.Msg
	r := exportRequest(export.Scans, m.GetOrganizationId(), m.GetResourceId(), m.GetFromDate(), m.GetToDate(), m.GetDelimiter(), m.GetLanguage(), req.Header())
	out := &varcov1.ExportScansResponse{}
	return a.streamExport(ctx, req.Header(), r, func(b []byte) error {
		out.Chunk = b
		return stream.Send(out)
	})
}

// streamExport validates r and writes the file in chunks of about
// export.ChunkSize bytes; each send is one message, flushed to the client
// by Connect. Send copies the chunk (it marshals before returning), so the
// chunker reuses its buffer.
func (a *Admin) streamExport(ctx context.Context, h http.Header, r export.Request, send func([]byte) error) error {
	svc := a.deps.Exports.Service
	plan, err := svc.Plan(ctx, r)
	if err != nil {
		return a.fail(ctx, h, err)
	}
	// Recorded by the audit interceptor before the first chunk is sent.
	setAuditDetail(ctx, exportStartDetail(plan, "rpc"), "")
	ch := export.NewChunker(export.ChunkSize, send)
	n, err := svc.Write(ctx, plan, ch)
	if err == nil {
		err = ch.Flush()
	}
	setAuditDetail(ctx, "", exportDetail(plan, n, ch.Bytes, "rpc"))
	if err != nil {
		return a.fail(ctx, h, err)
	}
	return nil
}

// exportStartDetail describes an export about to send its first bytes.
func exportStartDetail(p export.Plan, via string) string {
	return fmt.Sprintf("%s..%s via=%s", p.FromDate, p.ToDate, via)
}

// exportDetail describes a finished (or aborted) export in the audit trail.
func exportDetail(p export.Plan, rows int, bytes int64, via string) string {
	return fmt.Sprintf("%s..%s rows=%d bytes=%d via=%s", p.FromDate, p.ToDate, rows, bytes, via)
}

// CreateExportLink returns a link that downloads an export with a plain
// GET for the next ExportLinkTTL. The parameters are validated now, so
// the link does not fail later for a typo.
func (a *Admin) CreateExportLink(ctx context.Context, req *connect.Request[varcov1.CreateExportLinkRequest]) (*connect.Response[varcov1.CreateExportLinkResponse], error) {
	m := req.Msg
	kind := export.Kind(m.GetKind())
	r := exportRequest(kind, m.GetOrganizationId(), m.GetResourceId(), m.GetFromDate(), m.GetToDate(), m.GetDelimiter(), m.GetLanguage(), req.Header())
	plan, err := a.deps.Exports.Service.Plan(ctx, r)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	p := authz.FromContext(ctx)
	if p.SessionHash == ([32]byte{}) {
		return nil, a.fail(ctx, req.Header(), authz.ErrUnauthenticated) // only sessions can sign links
	}
	e := a.deps.Exports
	expires := e.Clock.Now().Add(ExportLinkTTL).Truncate(time.Second)
	u := e.linkURL(plan, r.ResourceID, p.AccountID, p.SessionHash, expires)
	return connect.NewResponse(&varcov1.CreateExportLinkResponse{Url: u, ExpiresAt: timestamppb.New(expires)}), nil
}

// Paths of the GET links.
const (
	ExportBookingsPath = "/admin/export/bookings.csv"
	ExportScansPath    = "/admin/export/scans.csv"
)

// exportPaths maps kinds to paths and back.
var exportPaths = map[export.Kind]string{export.Bookings: ExportBookingsPath, export.Scans: ExportScansPath}

// Link query parameters besides the request's fields.
const (
	paramAccount   = "account"
	paramExpires   = "expires"
	paramSignature = "signature"
)

// exportQuery is the query string of a GET link for plan: the RPC request's
// field names, so errors name the same fields either way.
func exportQuery(p export.Plan, resourceID string) url.Values {
	v := url.Values{}
	v.Set("organization_id", p.Query.OrganizationID)
	if resourceID != "" {
		v.Set("resource_id", resourceID)
	}
	v.Set("from_date", p.FromDate.String())
	v.Set("to_date", p.ToDate.String())
	v.Set("delimiter", map[rune]string{export.Semicolon: "semicolon", export.Comma: "comma"}[p.Format.Delimiter])
	v.Set("language", p.Format.Lang)
	return v
}

// linkMessage is what a link's signature covers: the path (bookings or
// scans) and every parameter but the signature, in url.Values' canonical
// encoding (sorted, escaped), so no parameter can be added, removed or
// changed.
func linkMessage(path string, v url.Values) string {
	return "varco-export-link:" + path + "?" + v.Encode()
}

func (e *Exports) linkURL(p export.Plan, resourceID, accountID string, session [32]byte, expires time.Time) string {
	v := exportQuery(p, resourceID)
	v.Set(paramAccount, accountID)
	v.Set(paramExpires, strconv.FormatInt(expires.Unix(), 10))
	path := exportPaths[p.Kind]
	v.Set(paramSignature, linkMAC(session, linkMessage(path, v)))
	return e.PublicBaseURL + path + "?" + v.Encode()
}

// Errors of the GET links.
var (
	errLinkInvalid = fault.New(fault.PermissionDenied, "export_link_invalid")
	errLinkExpired = fault.New(fault.PermissionDenied, "export_link_expired")
)
