package app_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
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
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/oidclogin"
	"github.com/varco-gate/varco/internal/oidctest"
	"github.com/varco-gate/varco/internal/person"
	"github.com/varco-gate/varco/internal/store/sqlite"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// setupSPID starts the server as the relying party of an in-process
// OpenID Connect provider issuing SPID-like claims.
func setupSPID(t *testing.T, providerHost ...string) (*bundle, *oidctest.Provider) {
	t.Helper()
	return setupSPIDClock(t, clock.Real{}, providerHost...)
}

func setupSPIDClock(t *testing.T, clk clock.Clock, providerHost ...string) (*bundle, *oidctest.Provider) {
	t.Helper()
	prov := oidctest.New(t, providerHost...)
	b := setupWith(t, clk, func(c *config.Config) {
		c.OIDCIssuer, c.OIDCClientID, c.OIDCClientSecret = prov.Issuer(), oidctest.ClientID, oidctest.ClientSecret
		c.OIDCLabel = "SPID / CIE"
	})
	return b, prov
}

// spidPerson is a person with a valid codice fiscale built from prefix.
func spidPerson(prefix, given, family, email string) oidctest.Person {
	cf := person.CompleteCodiceFiscale(prefix + "MRA85T10A562")
	return oidctest.Person{Subject: "spid-" + cf, CodiceFiscale: cf, GivenName: given, FamilyName: family,
		Email: email, BirthDate: "1985-12-10"}
}

// spidBrowser is an HTTP client with a cookie jar that stops when the server
// sends it back into the citizen app, so the test can read where to.
func spidBrowser(t *testing.T) *http.Client {
	c := cookieClient(t)
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if via[len(via)-1].URL.Path == "/auth/oidc/callback" {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return c
}

// startSPID calls StartOidcLogin in web and returns the provider's URL.
func startSPID(t *testing.T, b *bundle, web *http.Client) string {
	t.Helper()
	auth := varcov1connect.NewAuthServiceClient(web, b.baseURL, connect.WithProtoJSON())
	res, err := auth.StartOidcLogin(context.Background(), cookieMode(&varcov1.StartOidcLoginRequest{}))
	require.NoError(t, err)
	cookie, err := http.ParseSetCookie(res.Header().Get("Set-Cookie"))
	require.NoError(t, err)
	require.Equal(t, "varco_oidc", cookie.Name)
	require.True(t, cookie.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, cookie.SameSite, "Lax: the callback is a navigation from the provider's site")
	u, err := url.Parse(res.Msg.GetAuthorizationUrl())
	require.NoError(t, err)
	q := u.Query()
	require.Equal(t, "S256", q.Get("code_challenge_method"))
	require.NotEmpty(t, q.Get("state"))
	require.NotEmpty(t, q.Get("nonce"))
	return u.String()
}

// follow GETs u in web and returns where the server sent the browser back
// into the app ("/#/...").
func follow(t *testing.T, web *http.Client, u string) string {
	t.Helper()
	res, err := web.Get(u)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusSeeOther, res.StatusCode, "the callback redirects into the app")
	return res.Header.Get("Location")
}

// spidLogin runs the whole redirect flow in web: start, provider, callback.
func spidLogin(t *testing.T, b *bundle, web *http.Client) string {
	t.Helper()
	return follow(t, web, startSPID(t, b, web))
}

// callbackURL runs the flow up to the provider's redirect and returns the
// callback URL (state and code) without visiting it.
func callbackURL(t *testing.T, b *bundle, web *http.Client) string {
	t.Helper()
	authURL := startSPID(t, b, web)
	stop := *web
	stop.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := stop.Get(authURL)
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusFound, res.StatusCode)
	return res.Header.Get("Location")
}

func whoAmI(t *testing.T, b *bundle, web *http.Client) (*varcov1.WhoAmIResponse, error) {
	t.Helper()
	auth := varcov1connect.NewAuthServiceClient(web, b.baseURL, connect.WithProtoJSON())
	res, err := auth.WhoAmI(context.Background(), connect.NewRequest(&varcov1.WhoAmIRequest{}))
	if err != nil {
		return nil, err
	}
	return res.Msg, nil
}

func complete(b *bundle, web *http.Client, msg *varcov1.CompleteOidcLoginRequest) (*connect.Response[varcov1.CompleteOidcLoginResponse], error) {
	auth := varcov1connect.NewAuthServiceClient(web, b.baseURL, connect.WithProtoJSON())
	return auth.CompleteOidcLogin(context.Background(), cookieMode(msg))
}

// openDB opens the server's database file beside it, to count rows.
func openDB(t *testing.T, b *bundle) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), b.dbPath, sqlite.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func countRows(t *testing.T, db *sqlite.DB, query string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, db.R.QueryRow(query, args...).Scan(&n))
	return n
}

// TestSPIDLoginFlow: the full redirect flow against a real provider,
// through an HTTP client with a cookie jar. A first login creates the
// account (once the privacy notice is accepted) with the provider's codice
// fiscale, names and e-mail; a second login finds it; logout ends the
// provider's session too; a password account with the same codice fiscale
// is linked only after its password is given, in the browser that logged
// in; the login options advertise the provider.
func TestSPIDLoginFlow(t *testing.T) {
	t.Parallel()
	b, prov := setupSPID(t)
	ctx := context.Background()
	db := openDB(t, b)
	anon := varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL)

	opts, err := anon.GetLoginOptions(ctx, connect.NewRequest(&varcov1.GetLoginOptionsRequest{}))
	require.NoError(t, err)
	require.True(t, opts.Msg.GetOidcEnabled())
	require.Equal(t, "SPID / CIE", opts.Msg.GetOidcLabel())

	// First login: the account does not exist yet.
	anna := spidPerson("BNC", "Anna", "Bianchi", "anna.bianchi@example.it")
	prov.SetPerson(anna)
	web := spidBrowser(t)
	require.Equal(t, "/#/accesso/spid?passo=consenso", spidLogin(t, b, web))
	require.Zero(t, countRows(t, db, `SELECT count(*) FROM accounts WHERE codice_fiscale = ?`, anna.CodiceFiscale),
		"no account before the privacy notice is accepted")
	_, err = complete(b, web, &varcov1.CompleteOidcLoginRequest{})
	requireFieldViolation(t, err, "privacy_consent")
	res, err := complete(b, web, &varcov1.CompleteOidcLoginRequest{PrivacyConsent: true})
	require.NoError(t, err)
	require.Empty(t, res.Msg.GetSession().GetToken(), "the session travels in the HttpOnly cookie")
	acct := res.Msg.GetAccount()
	require.Equal(t, anna.CodiceFiscale, acct.GetCodiceFiscale())
	require.Equal(t, "Anna", acct.GetGivenName())
	require.Equal(t, "Bianchi", acct.GetFamilyName())
	require.Equal(t, "anna.bianchi@example.it", acct.GetEmail())
	me, err := whoAmI(t, b, web)
	require.NoError(t, err)
	require.Equal(t, acct.GetId(), me.GetAccount().GetId())
	require.Equal(t, 1, countRows(t, db, `SELECT count(*) FROM oidc_links WHERE account_id = ? AND birth_date = '1985-12-10'`, acct.GetId()))
	// The attempt is spent: completing again is refused.
	_, err = complete(b, web, &varcov1.CompleteOidcLoginRequest{PrivacyConsent: true})
	require.Equal(t, connect.CodeFailedPrecondition, connect.CodeOf(err))

	// Second login, in another browser: straight in, same account.
	web2 := spidBrowser(t)
	require.Equal(t, "/#/accesso/spid?passo=fatto", spidLogin(t, b, web2))
	me, err = whoAmI(t, b, web2)
	require.NoError(t, err)
	require.Equal(t, acct.GetId(), me.GetAccount().GetId())
	require.Equal(t, 1, countRows(t, db, `SELECT count(*) FROM accounts WHERE codice_fiscale = ?`, anna.CodiceFiscale))

	// The account has no password: a password login is refused, not a crash.
	_, err = anon.Login(ctx, connect.NewRequest(&varcov1.LoginRequest{Login: anna.CodiceFiscale, Password: "una password qualsiasi"}))
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))

	// The citizen's data export includes what the provider asserted.
	exp, err := varcov1connect.NewAuthServiceClient(web2, b.baseURL, connect.WithProtoJSON()).
		ExportMyData(ctx, connect.NewRequest(&varcov1.ExportMyDataRequest{}))
	require.NoError(t, err)
	require.Contains(t, string(exp.Msg.GetJson()), `"BirthDate": "1985-12-10"`)
	require.Contains(t, string(exp.Msg.GetJson()), prov.Issuer())

	// Logout ends the provider's session too (RP-initiated logout).
	out, err := varcov1connect.NewAuthServiceClient(web2, b.baseURL, connect.WithProtoJSON()).
		Logout(ctx, connect.NewRequest(&varcov1.LogoutRequest{}))
	require.NoError(t, err)
	lo, err := url.Parse(out.Msg.GetProviderLogoutUrl())
	require.NoError(t, err)
	require.Equal(t, prov.Issuer()+"/logout", lo.Scheme+"://"+lo.Host+lo.Path)
	require.NotEmpty(t, lo.Query().Get("id_token_hint"))
	require.Equal(t, b.baseURL+"/", lo.Query().Get("post_logout_redirect_uri"))
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res2, err := noFollow.Get(lo.String())
	require.NoError(t, err)
	res2.Body.Close()
	require.Equal(t, b.baseURL+"/", res2.Header.Get("Location"), "the provider sends the browser back to the app")
	require.Len(t, prov.Logouts(), 1)
	_, err = whoAmI(t, b, web2)
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))

	// A password account with the codice fiscale: linked only after proof.
	bruno := spidPerson("VRD", "Bruno", "Verdi", "bruno.spid@example.it")
	const pw = "la password di bruno"
	reg, err := anon.Register(ctx, connect.NewRequest(&varcov1.RegisterRequest{GivenName: "Bruno", FamilyName: "Verdi",
		Email: "bruno@example.it", CodiceFiscale: bruno.CodiceFiscale, Phone: "+39 333 111 2222", Password: pw, PrivacyConsent: true}))
	require.NoError(t, err)
	prov.SetPerson(bruno)
	web3 := spidBrowser(t)
	require.Equal(t, "/#/accesso/spid?passo=collega", spidLogin(t, b, web3))
	_, err = whoAmI(t, b, web3)
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "never logged in silently")
	// Consent is no proof, and neither is a wrong password.
	_, err = complete(b, web3, &varcov1.CompleteOidcLoginRequest{PrivacyConsent: true})
	requireFieldViolation(t, err, "password")
	_, err = complete(b, web3, &varcov1.CompleteOidcLoginRequest{Password: "non è la sua"})
	requireFieldViolation(t, err, "password")
	// The right password in another browser does nothing: the attempt is
	// bound to the browser that came back from the provider.
	_, err = complete(b, spidBrowser(t), &varcov1.CompleteOidcLoginRequest{Password: pw})
	require.Equal(t, connect.CodeFailedPrecondition, connect.CodeOf(err))
	require.Zero(t, countRows(t, db, `SELECT count(*) FROM oidc_links WHERE account_id = ?`, reg.Msg.GetAccount().GetId()))
	linked, err := complete(b, web3, &varcov1.CompleteOidcLoginRequest{Password: pw})
	require.NoError(t, err)
	require.Equal(t, reg.Msg.GetAccount().GetId(), linked.Msg.GetAccount().GetId())
	me, err = whoAmI(t, b, web3)
	require.NoError(t, err)
	require.Equal(t, reg.Msg.GetAccount().GetId(), me.GetAccount().GetId())
	// From now on SPID logs Bruno in directly, and the password still works.
	require.Equal(t, "/#/accesso/spid?passo=fatto", spidLogin(t, b, spidBrowser(t)))
	_, err = anon.Login(ctx, connect.NewRequest(&varcov1.LoginRequest{Login: "bruno@example.it", Password: pw}))
	require.NoError(t, err)

	// Logins, creation and linking are in the installation's audit trail.
	for action, n := range map[string]int{"account.oidc_create": 1, "account.oidc_login": 2, "account.oidc_link": 1} {
		require.Equal(t, n, countRows(t, db, `SELECT count(*) FROM audit_events WHERE organization_id = '' AND action = ?`, action), action)
	}
}

// TestSPIDLoginRefusals: a provider answer that does not verify, or that
// lacks a valid codice fiscale, is refused with a clear error in the
// redirect and creates no account; so are replayed and cross-browser
// callbacks.
func TestSPIDLoginRefusals(t *testing.T) {
	t.Parallel()
	b, prov := setupSPID(t)
	db := openDB(t, b)
	for _, tc := range []struct {
		name    string
		person  func(p *oidctest.Person)
		tamper  func(c map[string]any)
		corrupt func(string) string
		code    string
	}{
		{name: "tampered id token", code: "oidc_token_invalid", corrupt: func(tok string) string {
			// Change the payload, keep the signature.
			parts := strings.Split(tok, ".")
			parts[1] = parts[1][:len(parts[1])-2] + flip(parts[1][len(parts[1])-2:])
			return strings.Join(parts, ".")
		}},
		{name: "expired id token", code: "oidc_token_invalid", tamper: func(c map[string]any) {
			c["iat"], c["exp"] = time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-time.Hour).Unix()
		}},
		{name: "wrong nonce", code: "oidc_token_invalid", tamper: func(c map[string]any) { c["nonce"] = "another-attempt" }},
		{name: "wrong audience", code: "oidc_token_invalid", tamper: func(c map[string]any) { c["aud"] = "another-client" }},
		{name: "wrong issuer", code: "oidc_token_invalid", tamper: func(c map[string]any) { c["iss"] = "https://idp.example" }},
		{name: "missing fiscal number", code: "oidc_no_fiscal_number", person: func(p *oidctest.Person) { p.CodiceFiscale = "" }},
		{name: "codice fiscale failing its checksum", code: "oidc_invalid_fiscal_number", person: func(p *oidctest.Person) {
			p.CodiceFiscale = p.CodiceFiscale[:15] + flip(p.CodiceFiscale[15:])
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: the subtests share the provider's behaviour.
			pe := spidPerson("RFT", "Rifiuto", "Provato", "rifiuto@example.it")
			if tc.person != nil {
				tc.person(&pe)
			}
			prov.SetPerson(pe)
			prov.Tamper(tc.tamper)
			prov.Corrupt(tc.corrupt)
			defer func() { prov.Tamper(nil); prov.Corrupt(nil) }()
			before := countRows(t, db, `SELECT count(*) FROM accounts`)
			web := spidBrowser(t)
			require.Equal(t, "/#/accesso?spid_errore="+tc.code, spidLogin(t, b, web))
			_, err := whoAmI(t, b, web)
			require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
			// Nothing is left pending for the browser to complete.
			_, err = complete(b, web, &varcov1.CompleteOidcLoginRequest{PrivacyConsent: true})
			require.Equal(t, connect.CodeFailedPrecondition, connect.CodeOf(err))
			require.Equal(t, before, countRows(t, db, `SELECT count(*) FROM accounts`), "no account created")
		})
	}

	t.Run("replayed state and code", func(t *testing.T) {
		prov.SetPerson(spidPerson("RPL", "Replay", "Provato", "replay@example.it"))
		web := spidBrowser(t)
		cb := callbackURL(t, b, web)
		require.Equal(t, "/#/accesso/spid?passo=consenso", follow(t, web, cb))
		// The same callback again, in the same browser or another.
		require.Equal(t, "/#/accesso?spid_errore=oidc_attempt_invalid", follow(t, web, cb))
		require.Equal(t, "/#/accesso?spid_errore=oidc_attempt_invalid", follow(t, spidBrowser(t), cb))
	})

	t.Run("callback delivered to another browser", func(t *testing.T) {
		// Login CSRF: an attacker's callback pushed into a victim's
		// browser, which has its own attempt, does not log it in.
		prov.SetPerson(spidPerson("CSR", "Attacco", "Provato", "attacco@example.it"))
		before := countRows(t, db, `SELECT count(*) FROM accounts`)
		cb := callbackURL(t, b, spidBrowser(t))
		victim := spidBrowser(t)
		startSPID(t, b, victim)
		require.Equal(t, "/#/accesso?spid_errore=oidc_attempt_invalid", follow(t, victim, cb))
		_, err := complete(b, victim, &varcov1.CompleteOidcLoginRequest{PrivacyConsent: true})
		require.Equal(t, connect.CodeFailedPrecondition, connect.CodeOf(err))
		require.Equal(t, before, countRows(t, db, `SELECT count(*) FROM accounts`))
	})

	t.Run("cancelled at the provider", func(t *testing.T) {
		web := spidBrowser(t)
		cb, err := url.Parse(callbackURL(t, b, web))
		require.NoError(t, err)
		q := cb.Query()
		q.Del("code")
		q.Set("error", "access_denied")
		cb.RawQuery = q.Encode()
		require.Equal(t, "/#/accesso?spid_errore=oidc_denied", follow(t, web, cb.String()))
	})
}

// flip changes the first character of s to another of the same kind.
func flip(s string) string {
	c := s[0]
	switch {
	case c == 'A':
		c = 'B'
	case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		c = 'A'
	case c == '0':
		c = '1'
	default:
		c = '0'
	}
	return string(c) + s[1:]
}

// TestSPIDProviderUnavailable: a provider unreachable at start stops the
// server with a clear error; one that goes away during a login gives the
// citizen a clear error, not a crash.
func TestSPIDProviderUnavailable(t *testing.T) {
	t.Parallel()
	prov := oidctest.New(t)
	prov.Server.Close()
	cfg, err := config.Load([]string{"--db", t.TempDir() + "/varco.db", "--oidc-issuer", prov.Issuer(), "--oidc-client-id", "x"},
		func(string) string { return "" }, io.Discard)
	require.NoError(t, err)
	_, err = app.New(context.Background(), cfg, slog.New(slog.DiscardHandler), clock.Real{})
	require.ErrorContains(t, err, "--oidc-issuer")
	require.ErrorContains(t, err, prov.Issuer())

	b, prov2 := setupSPID(t)
	prov2.SetPerson(spidPerson("OFF", "Spento", "Provato", "spento@example.it"))
	web := spidBrowser(t)
	cb := callbackURL(t, b, web)
	prov2.Server.Close()
	require.Equal(t, "/#/accesso?spid_errore=oidc_unavailable", follow(t, web, cb))
}

// TestSPIDLoginOptionsAndRateLimit: without a provider the app is told so
// and StartOidcLogin is refused; with one, starts from one address are
// rate-limited.
func TestSPIDLoginOptionsAndRateLimit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	plain := setup(t)
	auth := varcov1connect.NewAuthServiceClient(http.DefaultClient, plain.baseURL)
	opts, err := auth.GetLoginOptions(ctx, connect.NewRequest(&varcov1.GetLoginOptionsRequest{}))
	require.NoError(t, err)
	require.False(t, opts.Msg.GetOidcEnabled())
	_, err = auth.StartOidcLogin(ctx, connect.NewRequest(&varcov1.StartOidcLoginRequest{}))
	require.Equal(t, connect.CodeFailedPrecondition, connect.CodeOf(err))

	b, _ := setupSPID(t)
	auth = varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL)
	var last error
	for range oidclogin.RateLimit + 1 {
		if _, last = auth.StartOidcLogin(ctx, connect.NewRequest(&varcov1.StartOidcLoginRequest{})); last != nil {
			break
		}
	}
	var ce *connect.Error
	require.True(t, errors.As(last, &ce))
	require.Equal(t, connect.CodeResourceExhausted, ce.Code())
}

// TestSPIDAccountErasure: an account created through SPID/CIE has no
// password, so it confirms its erasure with a fresh SPID/CIE login: within
// 10 minutes of logging in it can delete itself, later it is told to log
// in again. Before, the erasure asked for a password it could never have.
func TestSPIDAccountErasure(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b, prov := setupSPIDClock(t, clk)
	ctx := context.Background()
	for i, wait := range []time.Duration{11 * time.Minute, 0} {
		pe := spidPerson("ER"+string(rune('A'+i)), "Erasmo", "Cancellato", fmt.Sprintf("erasmo%d@example.it", i))
		prov.SetPerson(pe)
		web := spidBrowser(t)
		require.Equal(t, "/#/accesso/spid?passo=consenso", spidLogin(t, b, web))
		res, err := complete(b, web, &varcov1.CompleteOidcLoginRequest{PrivacyConsent: true})
		require.NoError(t, err)
		require.False(t, res.Msg.GetAccount().GetHasPassword())
		clk.Advance(wait)
		auth := varcov1connect.NewAuthServiceClient(web, b.baseURL, connect.WithProtoJSON())
		_, err = auth.DeleteMyAccount(ctx, connect.NewRequest(&varcov1.DeleteMyAccountRequest{}))
		if wait > identity.RecentLoginWindow {
			require.Equal(t, connect.CodeFailedPrecondition, connect.CodeOf(err))
			require.Contains(t, err.Error(), "SPID / CIE")
			clk.Set(time.Now()) // back to the provider's time for the next login
			continue
		}
		require.NoError(t, err)
		_, err = whoAmI(t, b, web)
		require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
	}
}
