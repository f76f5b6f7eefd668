package oidclogin

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/google/uuid"
	"golang.org/x/oauth2"

	"github.com/varco-gate/varco/internal/audit"
	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/store"
	"github.com/varco-gate/varco/internal/throttle"
)

// AttemptTTL is how long a browser has from StartOidcLogin to the callback,
// and from the callback to CompleteOidcLogin.
const AttemptTTL = 10 * time.Minute

// Pending steps after the callback; values match varco.v1.OidcPendingStep.
const (
	StepNone    = 0
	StepConsent = 1
	StepLink    = 2
)

// Attempt is one browser's login attempt. Only the hash of the cookie's
// token is stored.
type Attempt struct {
	TokenHash    string
	State        string
	Nonce        string
	CodeVerifier string
	CreatedAt    time.Time
	ExpiresAt    time.Time
	// After the callback:
	PendingStep   int
	IdentityJSON  string
	LinkAccountID string
	IDToken       string
}

// Store keeps attempts and the ID tokens of provider sessions. Lookups
// fail with errors wrapping store.ErrNotFound.
type Store interface {
	CreateOidcAttempt(ctx context.Context, a Attempt) error
	// ConsumeOidcAttempt marks the attempt called back, once: an attempt
	// already called back or expired at is not found.
	ConsumeOidcAttempt(ctx context.Context, tokenHash string, at time.Time) (Attempt, error)
	// SetOidcPending stores what the attempt still needs, until expires.
	SetOidcPending(ctx context.Context, a Attempt) error
	// GetOidcPending returns a called-back attempt with a pending step,
	// not expired at.
	GetOidcPending(ctx context.Context, tokenHash string, at time.Time) (Attempt, error)
	DeleteOidcAttempt(ctx context.Context, tokenHash string) error
	// The rate limit's state, shared by every replica.
	throttle.Store
	DeleteExpiredOidcAttempts(ctx context.Context, before time.Time) (int, error)
	PutOidcSession(ctx context.Context, sessionHash [32]byte, idToken string, expires time.Time) error
	// GetOidcSession returns the ID token of a session opened through the
	// provider.
	GetOidcSession(ctx context.Context, sessionHash [32]byte) (string, error)
	DeleteOidcSession(ctx context.Context, sessionHash [32]byte) error
}

// Identity is what the flow needs of package identity.
type Identity interface {
	ExternalLogin(ctx context.Context, ext identity.ExternalIdentity) (identity.ExternalOutcome, identity.Account, identity.Session, error)
	CreateExternalAccount(ctx context.Context, ext identity.ExternalIdentity, consent bool, lang string) (identity.Account, identity.Session, error)
	LinkExternal(ctx context.Context, accountID, password string, ext identity.ExternalIdentity, clientAddr string) (identity.Account, identity.Session, error)
}

// Provider is the relying party's view of the provider (RP).
type Provider interface {
	Label() string
	AuthURL(state, nonce, verifier string) string
	Exchange(ctx context.Context, code, verifier, nonce string) (identity.ExternalIdentity, string, error)
	EndSessionURL(idToken, postLogoutRedirect string) string
}

// Result is how a callback ended.
type Result struct {
	// Step is StepNone when the person is logged in (Session set), or what
	// CompleteOidcLogin must still do.
	Step    int
	Account identity.Account
	Session identity.Session
}

// Flow runs SPID/CIE logins. It is safe for concurrent use.
type Flow struct {
	rp    Provider
	store Store
	ids   Identity
	audit audit.Store
	clk   clock.Clock
	log   *slog.Logger
	// limiter counts starts and callbacks per client address: every call
	// is recorded as a "failure", so it is a plain rate limit.
	limiter *throttle.Limiter
	// postLogout is where the provider sends the browser after logout.
	postLogout string
}

// RateLimit bounds starts plus callbacks per client address (IPv6 by /64)
// in RateWindow, 30 logins, which leaves room for a library or an office
// behind one address; past it the address waits RateWindow, doubling up
// to an hour if it goes on.
const (
	RateLimit  = 60
	RateWindow = 5 * time.Minute
)

// NewFlow returns the flow. postLogout is the citizen app's URL, where the
// provider returns after RP-initiated logout.
func NewFlow(rp Provider, st Store, ids Identity, au audit.Store, clk clock.Clock, log *slog.Logger, postLogout string) *Flow {
	return &Flow{
		rp: rp, store: st, ids: ids, audit: au, clk: clk, log: log, postLogout: postLogout,
		limiter: throttle.New(throttle.Config{MaxFailures: RateLimit, Window: RateWindow, Lockout: RateWindow,
			MaxLockout: time.Hour}, st, clk),
	}
}

// Label is the login button's text.
func (f *Flow) Label() string { return f.rp.Label() }

func (f *Flow) now() time.Time { return f.clk.Now().UTC().Truncate(time.Millisecond) }

// rate counts one call from clientAddr, refusing it past RateLimit.
func (f *Flow) rate(ctx context.Context, clientAddr string) error {
	if clientAddr == "" {
		return nil
	}
	key := rateKey(clientAddr)
	if ok, _, err := f.limiter.Allow(ctx, key); err != nil {
		return err
	} else if !ok {
		return ErrRateLimited
	}
	return f.limiter.Failure(ctx, key)
}

// rateKey is the rate-limit key of a client address: an IPv6 client
// usually controls a whole /64, so that is the unit.
func rateKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return "oidc:" + addr
	}
	if a = a.Unmap().WithZone(""); a.Is6() {
		p, _ := a.Prefix(64)
		return "oidc:" + p.String()
	}
	return "oidc:" + a.String()
}

// Start begins an attempt: it returns the plain token for the browser's
// cookie and the provider URL to send the browser to.
func (f *Flow) Start(ctx context.Context, clientAddr string) (cookieToken, authURL string, err error) {
	if err := f.rate(ctx, clientAddr); err != nil {
		return "", "", err
	}
	plain, hash, err := token.New(token.PrefixOIDC)
	if err != nil {
		return "", "", fmt.Errorf("oidc start: %w", err)
	}
	now := f.now()
	a := Attempt{TokenHash: hex.EncodeToString(hash[:]), State: rand.Text(), Nonce: rand.Text(),
		CodeVerifier: oauth2.GenerateVerifier(), CreatedAt: now, ExpiresAt: now.Add(AttemptTTL)}
	if err := f.store.CreateOidcAttempt(ctx, a); err != nil {
		return "", "", fmt.Errorf("oidc start: %w", err)
	}
	return plain, f.rp.AuthURL(a.State, a.Nonce, a.CodeVerifier), nil
}

func attemptHash(cookieToken string) (string, bool) {
	if !token.Valid(cookieToken, token.PrefixOIDC) {
		return "", false
	}
	h := token.Hash(cookieToken)
	return hex.EncodeToString(h[:]), true
}

// Callback completes the provider's redirect in the browser holding
// cookieToken. The attempt is consumed before anything else, so a
// replayed callback (same state, same code) is refused even if the first
// one failed. providerError is the callback's "error" parameter.
func (f *Flow) Callback(ctx context.Context, cookieToken, state, code, providerError, clientAddr string) (Result, error) {
	if err := f.rate(ctx, clientAddr); err != nil {
		return Result{}, err
	}
	hash, ok := attemptHash(cookieToken)
	if !ok {
		return Result{}, fail(ErrAttemptInvalid, errors.New("no attempt cookie"))
	}
	a, err := f.store.ConsumeOidcAttempt(ctx, hash, f.now())
	if errors.Is(err, store.ErrNotFound) {
		return Result{}, fail(ErrAttemptInvalid, errors.New("attempt unknown, expired or already called back"))
	}
	if err != nil {
		return Result{}, fmt.Errorf("oidc callback: %w", err)
	}
	if state == "" || state != a.State {
		// Another browser's callback, or a forged one (login CSRF).
		return Result{}, fail(ErrAttemptInvalid, errors.New("state does not match the browser's attempt"))
	}
	if providerError != "" {
		return Result{}, fail(ErrDenied, fmt.Errorf("provider error %q", providerError))
	}
	if code == "" {
		return Result{}, fail(ErrTokenInvalid, errors.New("no code"))
	}
	ext, idToken, err := f.rp.Exchange(ctx, code, a.CodeVerifier, a.Nonce)
	if err != nil {
		return Result{}, err
	}
	out, acct, sess, err := f.ids.ExternalLogin(ctx, ext)
	if err != nil {
		return Result{}, err
	}
	switch out {
	case identity.ExternalLoggedIn:
		f.sessionOpened(ctx, sess, idToken)
		f.record(ctx, acct.ID, "account.oidc_login", "")
		return Result{Step: StepNone, Account: acct, Session: sess}, nil
	case identity.ExternalNeedsConsent, identity.ExternalNeedsLink:
		js, err := json.Marshal(ext)
		if err != nil {
			return Result{}, fmt.Errorf("oidc callback: %w", err)
		}
		a.PendingStep, a.IdentityJSON, a.IDToken = StepConsent, string(js), idToken
		if out == identity.ExternalNeedsLink {
			a.PendingStep, a.LinkAccountID = StepLink, acct.ID
		}
		a.ExpiresAt = f.now().Add(AttemptTTL)
		if err := f.store.SetOidcPending(ctx, a); err != nil {
			return Result{}, fmt.Errorf("oidc callback: %w", err)
		}
		return Result{Step: a.PendingStep}, nil
	}
	return Result{}, fmt.Errorf("oidc callback: unexpected outcome %d", out)
}

// Complete finishes a pending attempt of the browser holding cookieToken:
// consent creates the account, password links the existing one. A wrong
// password leaves the attempt pending, so the person can retry (throttled).
func (f *Flow) Complete(ctx context.Context, cookieToken string, consent bool, password, lang, clientAddr string) (identity.Account, identity.Session, error) {
	hash, ok := attemptHash(cookieToken)
	if !ok {
		return identity.Account{}, identity.Session{}, fail(ErrAttemptInvalid, errors.New("no attempt cookie"))
	}
	a, err := f.store.GetOidcPending(ctx, hash, f.now())
	if errors.Is(err, store.ErrNotFound) {
		return identity.Account{}, identity.Session{}, fail(ErrAttemptInvalid, errors.New("no pending attempt"))
	}
	if err != nil {
		return identity.Account{}, identity.Session{}, fmt.Errorf("oidc complete: %w", err)
	}
	var ext identity.ExternalIdentity
	if err := json.Unmarshal([]byte(a.IdentityJSON), &ext); err != nil {
		return identity.Account{}, identity.Session{}, fmt.Errorf("oidc complete: %w", err)
	}
	var acct identity.Account
	var sess identity.Session
	action := "account.oidc_create"
	switch a.PendingStep {
	case StepConsent:
		acct, sess, err = f.ids.CreateExternalAccount(ctx, ext, consent, lang)
	case StepLink:
		action = "account.oidc_link"
		acct, sess, err = f.ids.LinkExternal(ctx, a.LinkAccountID, password, ext, clientAddr)
	default:
		err = fail(ErrAttemptInvalid, fmt.Errorf("pending step %d", a.PendingStep))
	}
	if err != nil {
		return identity.Account{}, identity.Session{}, err
	}
	if err := f.store.DeleteOidcAttempt(ctx, hash); err != nil {
		f.log.WarnContext(ctx, "oidc attempt not deleted", slog.Any("err", err))
	}
	f.sessionOpened(ctx, sess, a.IDToken)
	f.record(ctx, acct.ID, action, "")
	return acct, sess, nil
}

// sessionOpened keeps the ID token as the hint of a later RP-initiated
// logout. Failing only costs that hint, so it is logged.
func (f *Flow) sessionOpened(ctx context.Context, s identity.Session, idToken string) {
	if err := f.store.PutOidcSession(ctx, s.TokenHash, idToken, s.ExpiresAt); err != nil {
		f.log.WarnContext(ctx, "oidc session not recorded", slog.Any("err", err))
	}
}

// record writes an installation-level audit event (no organization): who
// logged in, was created or linked through the provider.
func (f *Flow) record(ctx context.Context, accountID, action, detail string) {
	if f.audit == nil {
		return
	}
	e := audit.Event{ID: uuid.NewString(), At: f.now(), ActorKind: principalKindCitizen, ActorID: accountID,
		Action: action, TargetType: "account", TargetID: accountID, Detail: detail}
	if err := f.audit.RecordAudit(context.WithoutCancel(ctx), e); err != nil {
		f.log.WarnContext(ctx, "audit event not recorded", slog.String("action", action), slog.Any("err", err))
	}
}

// principalKindCitizen is varco.v1.PrincipalKind CITIZEN.
const principalKindCitizen = 2

// LogoutURL returns where to end the provider's session of the session
// sessionHash, which is being logged out, and forgets its ID token; ""
// for a session not opened through the provider or a provider without
// end_session_endpoint.
func (f *Flow) LogoutURL(ctx context.Context, sessionHash [32]byte) string {
	idToken, err := f.store.GetOidcSession(ctx, sessionHash)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			f.log.WarnContext(ctx, "oidc session lookup failed", slog.Any("err", err))
		}
		return ""
	}
	if err := f.store.DeleteOidcSession(ctx, sessionHash); err != nil {
		f.log.WarnContext(ctx, "oidc session not deleted", slog.Any("err", err))
	}
	return f.rp.EndSessionURL(idToken, f.postLogout)
}

// Prune deletes expired attempts, for a periodic job.
func (f *Flow) Prune(ctx context.Context) (int, error) {
	return f.store.DeleteExpiredOidcAttempts(ctx, f.now())
}
