package api

import (
	"context"
	"crypto/hmac"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/export"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/i18n"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// ExportPatterns are the mux patterns of the GET links; GET also answers
// HEAD.
var ExportPatterns = map[export.Kind]string{
	export.Bookings: "GET " + ExportBookingsPath,
	export.Scans:    "GET " + ExportScansPath,
}

// exportProcedures are the RPCs whose access rule (and audit action) a GET
// link shares.
var exportProcedures = map[export.Kind]string{
	export.Bookings: varcov1connect.AdminServiceExportBookingsProcedure,
	export.Scans:    varcov1connect.AdminServiceExportScansProcedure,
}

// NewExportHandler serves GET <ExportBookingsPath|ExportScansPath>: the
// same file as the RPC, for a browser or curl. The caller is either a
// bearer session ("Authorization: Bearer vs_…", for scripts) or the holder
// of a link from CreateExportLink (account, expires and signature
// parameters, for a browser). Either way the RPC's access rule applies,
// with the caller's roles as they are now, and the download is recorded in
// the audit trail.
//
// The URL of a signed link is a credential until it expires: nothing here
// logs it, and the response tells browsers not to cache the file nor send
// the URL on as a referrer.
func NewExportHandler(e *Exports, kind export.Kind) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { e.serve(w, r, kind) })
}

func (e *Exports) serve(w http.ResponseWriter, r *http.Request, kind export.Kind) {
	ctx := r.Context()
	q := r.URL.Query()
	lang := q.Get("language")
	if !i18n.Supported(lang) {
		lang = Language(r.Header)
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Content-Type-Options", "nosniff")

	p, via, err := e.caller(ctx, r, q, kind)
	if err != nil {
		e.refuse(w, r, lang, err)
		return
	}
	d, ok := map[string]varcov1.CsvDelimiter{"": varcov1.CsvDelimiter_CSV_DELIMITER_UNSPECIFIED,
		"semicolon": varcov1.CsvDelimiter_CSV_DELIMITER_SEMICOLON, "comma": varcov1.CsvDelimiter_CSV_DELIMITER_COMMA}[q.Get("delimiter")]
	if !ok {
		d = -1
	}
	req := exportRequest(kind, q.Get("organization_id"), q.Get("resource_id"), q.Get("from_date"), q.Get("to_date"), d, q.Get("language"), r.Header)
	// The RPC's access rule, on the message the RPC would have received.
	msg := any(&varcov1.ExportBookingsRequest{OrganizationId: req.OrganizationID, ResourceId: req.ResourceID})
	if kind == export.Scans {
		msg = &varcov1.ExportScansRequest{OrganizationId: req.OrganizationID, ResourceId: req.ResourceID}
	}
	ctx = authz.WithScopeHolder(ctx)
	if err := e.Authz.Authorize(ctx, exportProcedures[kind], p, msg); err != nil {
		e.refuse(w, r, lang, err)
		return
	}
	ctx = authz.WithPrincipal(ctx, p)
	plan, err := e.Service.Plan(ctx, req)
	if err != nil {
		e.refuse(w, r, lang, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": plan.FileName()}))
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	rc := http.NewResponseController(w)
	started := false
	ch := export.NewChunker(export.ChunkSize, func(b []byte) error {
		if !started {
			// The read is on record before its first byte leaves, or it
			// does not happen.
			if _, err := e.Audit.record(ctx, exportProcedures[kind], msg, "", exportStartDetail(plan, via), false); err != nil {
				return errAuditUnavailable
			}
			started = true
		}
		if _, err := w.Write(b); err != nil {
			return err
		}
		return rc.Flush()
	})
	n, err := e.Service.Write(ctx, plan, ch)
	if err == nil {
		err = ch.Flush()
	}
	if !started && errors.Is(err, errAuditUnavailable) {
		http.Error(w, errAuditUnavailable.Message(), http.StatusServiceUnavailable)
		return
	}
	if started {
		result := " result=complete"
		if err != nil {
			result = " result=aborted"
		}
		_, _ = e.Audit.record(ctx, exportProcedures[kind], msg, ".end", exportDetail(plan, n, ch.Bytes, via)+result, false)
	}
	if err != nil {
		if !errors.Is(err, context.Canceled) {
			e.Log.ErrorContext(ctx, "export download", slog.String("file", plan.FileName()), slog.Any("err", err))
		}
		// The status line is gone: breaking the connection is the only way
		// to tell the client the file is incomplete (a clean end would
		// pass a truncated file for a whole one).
		panic(http.ErrAbortHandler)
	}
}

// caller authenticates a GET link: a bearer session when the request has
// one, else the link's signature. via says which, for the audit trail.
func (e *Exports) caller(ctx context.Context, r *http.Request, q url.Values, kind export.Kind) (authz.Principal, string, error) {
	if tok := bearer(r.Header); tok != "" {
		p, err := e.Authn.Authenticate(ctx, tok)
		return p, "bearer", err
	}
	sig, account := q.Get(paramSignature), q.Get(paramAccount)
	if sig == "" || account == "" {
		return authz.Principal{}, "", authz.ErrUnauthenticated
	}
	exp, err := strconv.ParseInt(q.Get(paramExpires), 10, 64)
	if err != nil {
		return authz.Principal{}, "", errLinkInvalid
	}
	now := e.Clock.Now()
	signed := url.Values{}
	for k, v := range q {
		if k != paramSignature {
			signed[k] = v
		}
	}
	msg := linkMessage(exportPaths[kind], signed)
	sessions, err := e.Sessions.ActiveSessionHashes(ctx, account, now)
	if err != nil {
		return authz.Principal{}, "", err
	}
	for _, h := range sessions {
		if !hmac.Equal([]byte(linkMAC(h, msg)), []byte(sig)) {
			continue
		}
		// Checked after the signature, so the expiry cannot be altered.
		if !now.Before(time.Unix(exp, 0)) {
			return authz.Principal{}, "", errLinkExpired
		}
		p, err := e.Principals.SessionPrincipal(ctx, h)
		if err != nil || p.AccountID != account {
			return authz.Principal{}, "", errLinkInvalid
		}
		return p, "link", nil
	}
	return authz.Principal{}, "", errLinkInvalid
}

// httpStatus maps failure kinds to HTTP statuses.
var httpStatus = map[fault.Kind]int{
	fault.Invalid:          http.StatusBadRequest,
	fault.NotFound:         http.StatusNotFound,
	fault.Unauthenticated:  http.StatusUnauthorized,
	fault.PermissionDenied: http.StatusForbidden,
}

// refuse answers a failure before any data as a short plain text in the
// caller's language. Causes are logged without the URL.
func (e *Exports) refuse(w http.ResponseWriter, r *http.Request, lang string, err error) {
	status, body := http.StatusInternalServerError, errInternal.Error()
	var fe *fault.Error
	if errors.As(err, &fe) {
		if s, ok := httpStatus[fe.Kind]; ok {
			status, body = s, fe.Message(lang)
			if fe.Field != "" {
				body = fe.Field + ": " + body
			}
		}
	}
	if status == http.StatusInternalServerError && !errors.Is(err, context.Canceled) {
		e.Log.ErrorContext(r.Context(), "export download", slog.Any("err", err))
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="varco"`)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body + "\n"))
	}
}
