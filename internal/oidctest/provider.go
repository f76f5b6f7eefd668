// Package oidctest is a small OpenID Connect provider for tests, started
// in-process: discovery, keys, an authorization endpoint that logs the
// configured person in at once, a token endpoint that checks PKCE (S256)
// and spends codes once, userinfo and end-session. It issues SPID-like
// claims (fiscalNumber "TINIT-<codice fiscale>", names, e-mail, birthdate)
// in RS256 ID tokens signed with go-jose, and can be told to misbehave
// (a tampered signature, an expired token, another nonce or audience) so
// tests can show the relying party refuses.
//
// Not zitadel/oidc's provider package: that needs a full storage
// implementation and always issues correct tokens, while the refusals
// Varco must show need a provider that lies on request.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// ClientID and ClientSecret are the one client the provider knows.
const (
	ClientID     = "varco-test"
	ClientSecret = "test-secret"
)

// Person is who logs in at the authorization endpoint.
type Person struct {
	Subject       string
	CodiceFiscale string // sent as fiscalNumber "TINIT-<cf>"; empty sends none
	GivenName     string
	FamilyName    string
	Email         string
	BirthDate     string
}

// Provider is a running test provider. Its fields are changed through its
// methods between logins; they are safe for concurrent use.
type Provider struct {
	Server *httptest.Server
	issuer string
	key    *rsa.PrivateKey
	signer jose.Signer

	mu     sync.Mutex
	person Person
	// tamper edits the claims of the next ID tokens before signing.
	tamper func(map[string]any)
	// corrupt edits the signed ID token.
	corrupt func(string) string
	codes   map[string]grant
	logouts []url.Values
}

type grant struct {
	clientID, redirectURI, challenge, nonce string
	person                                  Person
}

// New starts a provider that lives as long as the test. With a hostname
// ("localhost") its issuer uses it instead of 127.0.0.1, so a browser
// sees the provider as another site than a server on 127.0.0.1, as in
// production.
func New(t testing.TB, hostname ...string) *Provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{key: key, signer: signer, codes: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /userinfo", p.userinfo)
	mux.HandleFunc("GET /logout", p.logout)
	p.Server = httptest.NewServer(mux)
	t.Cleanup(p.Server.Close)
	p.issuer = p.Server.URL
	if len(hostname) > 0 {
		p.issuer = "http://" + net.JoinHostPort(hostname[0], strconv.Itoa(p.Server.Listener.Addr().(*net.TCPAddr).Port))
	}
	return p
}

// Issuer is the provider's issuer URL.
func (p *Provider) Issuer() string { return p.issuer }

// SetPerson makes the next logins log in as pe.
func (p *Provider) SetPerson(pe Person) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.person = pe
}

// Tamper makes the next ID tokens have their claims edited by fn before
// signing (nil: honest again).
func (p *Provider) Tamper(fn func(claims map[string]any)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tamper = fn
}

// Corrupt makes the next ID tokens be edited by fn after signing.
func (p *Provider) Corrupt(fn func(idToken string) string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.corrupt = fn
}

// Logouts are the query strings the end-session endpoint received.
func (p *Provider) Logouts() []url.Values {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]url.Values(nil), p.logouts...)
}

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	iss := p.issuer
	writeJSON(w, map[string]any{
		"issuer":                                iss,
		"authorization_endpoint":                iss + "/authorize",
		"token_endpoint":                        iss + "/token",
		"userinfo_endpoint":                     iss + "/userinfo",
		"jwks_uri":                              iss + "/jwks",
		"end_session_endpoint":                  iss + "/logout",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"scopes_supported":                      []string{"openid", "profile", "email"},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &p.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
}

// authorize logs the configured person in at once and sends the browser
// back with a code, as a real provider does after the person authenticates.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || q.Get("client_id") != ClientID || q.Get("response_type") != "code" ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" || q.Get("nonce") == "" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	code := rand.Text()
	p.mu.Lock()
	p.codes[code] = grant{clientID: ClientID, redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"),
		nonce: q.Get("nonce"), person: p.person}
	p.mu.Unlock()
	back := redirect.Query()
	back.Set("code", code)
	back.Set("state", q.Get("state"))
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request")
		return
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != ClientID || secret != ClientSecret {
		tokenError(w, "invalid_client")
		return
	}
	p.mu.Lock()
	g, found := p.codes[r.PostForm.Get("code")]
	delete(p.codes, r.PostForm.Get("code")) // a code is good once
	tamper, corrupt := p.tamper, p.corrupt
	p.mu.Unlock()
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !found || r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("redirect_uri") != g.redirectURI ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		tokenError(w, "invalid_grant")
		return
	}
	now := time.Now()
	claims := p.claims(g.person)
	claims["iss"], claims["aud"], claims["nonce"] = p.issuer, ClientID, g.nonce
	claims["iat"], claims["exp"] = now.Unix(), now.Add(5*time.Minute).Unix()
	if tamper != nil {
		tamper(claims)
	}
	payload, _ := json.Marshal(claims)
	jws, err := p.signer.Sign(payload)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	idToken, _ := jws.CompactSerialize()
	if corrupt != nil {
		idToken = corrupt(idToken)
	}
	writeJSON(w, map[string]any{"access_token": "at-" + g.person.Subject, "token_type": "Bearer",
		"expires_in": 300, "id_token": idToken})
}

// claims are the person's SPID-like attributes.
func (p *Provider) claims(pe Person) map[string]any {
	c := map[string]any{"sub": pe.Subject, "given_name": pe.GivenName, "family_name": pe.FamilyName,
		"email": pe.Email, "birthdate": pe.BirthDate}
	if pe.CodiceFiscale != "" {
		c["fiscalNumber"] = "TINIT-" + pe.CodiceFiscale
	}
	return c
}

// userinfo answers for the person the access token was issued to; the
// flow only needs it when the ID token lacks the fiscal number, and then
// it lacks it too.
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	pe := p.person
	p.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer at-"+pe.Subject {
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return
	}
	c := p.claims(pe)
	writeJSON(w, c)
}

func (p *Provider) logout(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p.mu.Lock()
	p.logouts = append(p.logouts, maps.Clone(q))
	p.mu.Unlock()
	if to := q.Get("post_logout_redirect_uri"); to != "" {
		http.Redirect(w, r, to, http.StatusFound)
		return
	}
	w.Write([]byte("logged out"))
}

func tokenError(w http.ResponseWriter, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	json.NewEncoder(w).Encode(map[string]string{"error": code})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
