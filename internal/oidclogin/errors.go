package oidclogin

import (
	"fmt"

	"github.com/varco-gate/varco/internal/fault"
)

// Failures of a SPID/CIE login. Their codes travel to the citizen app in
// the callback's redirect (#/accesso?spid_errore=<code>), which shows the
// message; the detailed cause is logged, never shown.
var (
	// ErrNotConfigured: the installation has no provider.
	ErrNotConfigured = fault.New(fault.FailedPrecondition, "oidc_not_configured",
		"L'accesso con SPID/CIE non è attivo su questo servizio.",
		"Login with SPID/CIE is not available on this service.")
	// ErrAttemptInvalid: no attempt in this browser, expired, or already
	// used (a replayed callback).
	ErrAttemptInvalid = fault.New(fault.FailedPrecondition, "oidc_attempt_invalid",
		"La procedura di accesso con SPID/CIE è scaduta o è già stata usata: riprova.",
		"The SPID/CIE login has expired or was already used: please try again.")
	// ErrTokenInvalid: the provider's answer did not verify (signature,
	// issuer, audience, expiry, nonce, code).
	ErrTokenInvalid = fault.New(fault.Unauthenticated, "oidc_token_invalid",
		"La risposta del gestore dell'identità non è valida: accesso rifiutato.",
		"The identity provider's answer is not valid: login refused.")
	// ErrProviderUnavailable: the provider could not be reached.
	ErrProviderUnavailable = fault.New(fault.FailedPrecondition, "oidc_unavailable",
		"Il servizio SPID/CIE non risponde: riprova più tardi.",
		"The SPID/CIE service is not answering: please try again later.")
	// ErrDenied: the person cancelled or the provider refused the login.
	ErrDenied = fault.New(fault.Unauthenticated, "oidc_denied",
		"Accesso con SPID/CIE annullato o negato.", "SPID/CIE login cancelled or denied.")
	// ErrNoFiscalNumber: the provider did not release the fiscal number.
	ErrNoFiscalNumber = fault.New(fault.Unauthenticated, "oidc_no_fiscal_number",
		"Il gestore dell'identità non ha comunicato il codice fiscale: accesso rifiutato.",
		"The identity provider did not share the codice fiscale: login refused.")
	// ErrBadFiscalNumber: the fiscal number is not a valid codice fiscale.
	ErrBadFiscalNumber = fault.New(fault.Unauthenticated, "oidc_invalid_fiscal_number",
		"Il codice fiscale comunicato dal gestore dell'identità non è valido: accesso rifiutato.",
		"The codice fiscale shared by the identity provider is not valid: login refused.")
	// ErrNoEmail: the provider did not release the e-mail address.
	ErrNoEmail = fault.New(fault.Unauthenticated, "oidc_no_email",
		"Il gestore dell'identità non ha comunicato l'indirizzo e-mail: accesso rifiutato.",
		"The identity provider did not share the e-mail address: login refused.")
	// ErrNoName: the provider did not release the names.
	ErrNoName = fault.New(fault.Unauthenticated, "oidc_no_name",
		"Il gestore dell'identità non ha comunicato nome e cognome: accesso rifiutato.",
		"The identity provider did not share the given and family name: login refused.")
	// ErrRateLimited: too many attempts from one address.
	ErrRateLimited = fault.New(fault.Exhausted, "oidc_rate_limited",
		"Troppi tentativi di accesso con SPID/CIE: riprova tra qualche minuto.",
		"Too many SPID/CIE login attempts: please try again in a few minutes.")
)

// fail wraps cause (for logs) in a copy of f (for people).
func fail(f *fault.Error, cause error) error { return f.Wrap(fmt.Errorf("%s: %w", f.Code, cause)) }
