package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// setupLogged starts the server like setupWith, with its logs (debug level
// included) written to logs.
func setupLogged(t *testing.T, clk clock.Clock, logs io.Writer) *bundle {
	t.Helper()
	cfg, err := config.Load([]string{"--db", pgtest.Or(t, t.TempDir()+"/varco.db"), "--demo"}, func(string) string { return "" }, io.Discard)
	require.NoError(t, err)
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, log, clk, cheapPasswords)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	return &bundle{app: a, baseURL: "http://" + ln.Addr().String(), addr: ln.Addr().String(), dbPath: cfg.DB}
}

// download GETs a URL (a bearer token when given) and returns the response
// and its body.
func download(t *testing.T, method, u, token string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, u, nil)
	require.NoError(t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, body
}

// The plain GET link: with a bearer session for scripts, with a signed
// short-lived link for browsers; tampered, expired, logged-out and
// no-longer-organizer links are refused; nothing of a link reaches the logs.
func TestExportLinks(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(expStart)
	var logs lockedBuffer
	e := newExpEnv(t, setupLogged(t, clk, &logs), clk)
	ctx := context.Background()
	weekend := "organization_id=" + demo.ComuneID + "&from_date=2026-03-28&to_date=2026-03-29"
	bookingsURL := e.b.baseURL + "/admin/export/bookings.csv?" + weekend

	viaRPC, err := expStream(t, e.admin, e.organizer, &varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID,
		FromDate: "2026-03-28", ToDate: "2026-03-29"})
	require.NoError(t, err)

	// curl with the session token: the very file the RPC streams.
	res, body := download(t, http.MethodGet, bookingsURL, e.organizer)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	require.Equal(t, "text/csv; charset=utf-8", res.Header.Get("Content-Type"))
	require.Equal(t, "attachment; filename=prenotazioni_2026-03-28_2026-03-29.csv", res.Header.Get("Content-Disposition"))
	require.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	require.Equal(t, viaRPC, body)
	_, rows := csvRows(t, body, ';')
	require.Len(t, rows, 4)

	res, body = download(t, http.MethodGet, e.b.baseURL+"/admin/export/scans.csv?"+weekend+"&language=en&delimiter=comma", e.organizer)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	require.Equal(t, "attachment; filename=scans_2026-03-28_2026-03-29.csv", res.Header.Get("Content-Disposition"))
	require.True(t, bytes.HasPrefix(body, []byte("\ufeffDate,Time,Gate,")))

	for _, tc := range []struct {
		name, url, token string
		status           int
		body             string
	}{
		{"no credentials", bookingsURL, "", http.StatusUnauthorized, "Devi accedere"},
		{"bad token", bookingsURL, "vs_nope", http.StatusUnauthorized, ""},
		{"bad date", strings.Replace(bookingsURL, "2026-03-28", "28-03-2026", 1), e.organizer, http.StatusBadRequest, "from_date: Data non valida"},
		{"bad delimiter, in English", bookingsURL + "&delimiter=tab&language=en", e.organizer, http.StatusBadRequest, "delimiter: Unsupported delimiter"},
		{"no organization", e.b.baseURL + "/admin/export/bookings.csv?from_date=2026-03-28", e.organizer, http.StatusBadRequest, "organization_id"},
		{"another organization", strings.Replace(bookingsURL, demo.ComuneID, demo.ID("org/navigazione"), 1), e.organizer, http.StatusForbidden, ""},
		{"a citizen", bookingsURL, e.people[0].token, http.StatusForbidden, "Non hai i permessi"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, body := download(t, http.MethodGet, tc.url, tc.token)
			require.Equal(t, tc.status, res.StatusCode, "%s", body)
			require.Contains(t, string(body), tc.body)
			require.Equal(t, "text/plain; charset=utf-8", res.Header.Get("Content-Type"))
			if tc.status == http.StatusUnauthorized {
				require.Equal(t, `Bearer realm="varco"`, res.Header.Get("WWW-Authenticate"))
			}
		})
	}

	// The link for a browser: valid five minutes, no header needed.
	createLink := func(token string, req *varcov1.CreateExportLinkRequest) (*varcov1.CreateExportLinkResponse, error) {
		res, err := e.admin.CreateExportLink(ctx, authBearer(req, token))
		if err != nil {
			return nil, err
		}
		return res.Msg, nil
	}
	linkReq := &varcov1.CreateExportLinkRequest{Kind: varcov1.ExportKind_EXPORT_KIND_BOOKINGS, OrganizationId: demo.ComuneID,
		FromDate: "2026-03-28", ToDate: "2026-03-29"}
	link, err := createLink(e.organizer, linkReq)
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(link.GetUrl(), "http://127.0.0.1:8080/admin/export/bookings.csv?"), link.GetUrl())
	require.Equal(t, expStart.Add(5*time.Minute), link.GetExpiresAt().AsTime())
	here := func(u string) string { return strings.Replace(u, "http://127.0.0.1:8080", e.b.baseURL, 1) }
	linkURL := here(link.GetUrl())
	res, body = download(t, http.MethodGet, linkURL, "")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
	require.Equal(t, viaRPC, body)
	require.Equal(t, "no-referrer", res.Header.Get("Referrer-Policy"))
	res, body = download(t, http.MethodHead, linkURL, "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Empty(t, body)
	require.Equal(t, "text/csv; charset=utf-8", res.Header.Get("Content-Type"))

	// Any change breaks the signature.
	u, err := url.Parse(linkURL)
	require.NoError(t, err)
	sig := u.Query().Get("signature")
	tamper := func(change func(q url.Values)) string {
		q := u.Query()
		change(q)
		v := *u
		v.RawQuery = q.Encode()
		return v.String()
	}
	for name, bad := range map[string]string{
		"longer period":     tamper(func(q url.Values) { q.Set("to_date", "2026-12-31") }),
		"later expiry":      tamper(func(q url.Values) { q.Set("expires", "4102444800") }),
		"another account":   tamper(func(q url.Values) { q.Set("account", e.people[0].cf) }),
		"extra parameter":   tamper(func(q url.Values) { q.Set("resource_id", demo.TourID) }),
		"forged signature":  tamper(func(q url.Values) { q.Set("signature", strings.Repeat("A", len(sig))) }),
		"no signature":      tamper(func(q url.Values) { q.Del("signature") }),
		"scans, same token": strings.Replace(linkURL, "bookings.csv", "scans.csv", 1),
	} {
		res, body := download(t, http.MethodGet, bad, "")
		if name == "no signature" {
			require.Equal(t, http.StatusUnauthorized, res.StatusCode, name)
			continue
		}
		require.Equal(t, http.StatusForbidden, res.StatusCode, "%s: %s", name, body)
		require.Contains(t, string(body), "Link non valido", name)
	}

	// Expired: refused, and says so.
	clk.Advance(5 * time.Minute)
	res, body = download(t, http.MethodGet, linkURL, "")
	require.Equal(t, http.StatusForbidden, res.StatusCode)
	require.Contains(t, string(body), "Link scaduto")

	// A link dies with the session that made it.
	auth := varcov1connect.NewAuthServiceClient(http.DefaultClient, e.b.baseURL)
	login, err := auth.Login(ctx, connect.NewRequest(&varcov1.LoginRequest{Login: "admin@comune.example", Password: adminPassword}))
	require.NoError(t, err)
	second := login.Msg.GetSession().GetToken()
	link, err = createLink(second, linkReq)
	require.NoError(t, err)
	res, _ = download(t, http.MethodGet, here(link.GetUrl()), "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	_, err = auth.Logout(ctx, authBearer(&varcov1.LogoutRequest{}, second))
	require.NoError(t, err)
	res, _ = download(t, http.MethodGet, here(link.GetUrl()), "")
	require.Equal(t, http.StatusForbidden, res.StatusCode, "logged out")

	// Roles are checked when the link is used, not when it was made.
	x := registerCitizens(t, e.b, "EXL", 1)[0]
	_, err = e.admin.GrantRole(ctx, authBearer(&varcov1.GrantRoleRequest{OrganizationId: demo.ComuneID, Login: x.cf,
		Kind: varcov1.StaffRoleKind_STAFF_ROLE_KIND_ORGANIZER}, e.organizer))
	require.NoError(t, err)
	link, err = createLink(x.token, linkReq)
	require.NoError(t, err)
	res, _ = download(t, http.MethodGet, here(link.GetUrl()), "")
	require.Equal(t, http.StatusOK, res.StatusCode)
	who, err := auth.WhoAmI(ctx, authBearer(&varcov1.WhoAmIRequest{}, x.token))
	require.NoError(t, err)
	_, err = e.admin.RevokeRole(ctx, authBearer(&varcov1.RevokeRoleRequest{OrganizationId: demo.ComuneID,
		AccountId: who.Msg.GetAccount().GetId()}, e.organizer))
	require.NoError(t, err)
	res, body = download(t, http.MethodGet, here(link.GetUrl()), "")
	require.Equal(t, http.StatusForbidden, res.StatusCode, "%s", body)

	// Making a link follows the export's rules.
	_, err = createLink(x.token, linkReq)
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "no longer organizer")
	_, err = createLink(e.organizer, &varcov1.CreateExportLinkRequest{OrganizationId: demo.ComuneID, FromDate: "2026-03-28", ToDate: "2026-03-29"})
	requireFieldViolation(t, err, "kind")
	_, err = createLink(e.organizer, &varcov1.CreateExportLinkRequest{Kind: varcov1.ExportKind_EXPORT_KIND_SCANS, OrganizationId: demo.ComuneID,
		FromDate: "2026-03-28", ToDate: "2027-03-29"})
	requireFieldViolation(t, err, "to_date")

	// Downloads are in the audit trail, with how they were authorized.
	trail, err := e.admin.ListAuditEvents(ctx, authBearer(&varcov1.ListAuditEventsRequest{OrganizationId: demo.ComuneID, PageSize: 500}, e.organizer))
	require.NoError(t, err)
	via := map[string]int{}
	for _, ev := range trail.Msg.GetEvents() {
		if ev.GetAction() == "bookings.export" || ev.GetAction() == "scans.export" {
			via[ev.GetAction()+" "+ev.GetDetail()[strings.LastIndex(ev.GetDetail(), "via="):]]++
		}
	}
	require.Equal(t, map[string]int{"bookings.export via=rpc": 1, "bookings.export via=bearer": 1, "scans.export via=bearer": 1,
		"bookings.export via=link": 3}, via, "HEAD sends no data and is not recorded")

	// The links are credentials: never in the logs.
	require.Contains(t, logs.String(), "CreateExportLink", "debug logs are on")
	require.NotContains(t, logs.String(), "signature")
	require.NotContains(t, logs.String(), sig)
}
