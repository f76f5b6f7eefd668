package identity

import "context"

// ExternalIdentity is what an external identity provider asserts about a
// person after a successful login.
type ExternalIdentity struct {
	// Provider names the provider ("spid", "cie").
	Provider string
	// Subject is the provider's stable identifier of the person.
	Subject       string
	CodiceFiscale string
	GivenName     string
	FamilyName    string
	Email         string
}

// ExternalProvider is the seam for external identity providers. SPID and
// CIE are reached through gateways that speak OpenID Connect, so one OIDC
// implementation (authorization code flow with PKCE, ID token checked
// against the provider's keys) is expected to cover both.
//
// Plan: a provider's AuthURL sends the citizen to the gateway; the callback
// calls Exchange, then the Service finds the account by the asserted codice
// fiscale (the identifier SPID and CIE guarantee), creates it on first use
// with the asserted names, and issues an ordinary Varco session. Accounts
// keep working with passwords; nothing else in Varco changes, because the
// rest of the system only ever sees sessions and principals. No provider is
// implemented yet.
type ExternalProvider interface {
	// Name identifies the provider in URLs and logs.
	Name() string
	// AuthURL returns where to send the browser to log in; state and
	// verifier bind the callback to this attempt.
	AuthURL(state, codeVerifier string) string
	// Exchange trades the callback's authorization code for the verified
	// identity of the person.
	Exchange(ctx context.Context, code, codeVerifier string) (ExternalIdentity, error)
}
