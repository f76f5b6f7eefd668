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
	ErrNotConfigured = fault.New(fault.FailedPrecondition, "oidc_not_configured")
	// ErrAttemptInvalid: no attempt in this browser, expired, or already
	// used (a replayed callback).
	ErrAttemptInvalid = fault.New(fault.FailedPrecondition, "oidc_attempt_invalid")
	// ErrTokenInvalid: the provider's answer did not verify (signature,
	// issuer, audience, expiry, nonce, code).
	ErrTokenInvalid = fault.New(fault.Unauthenticated, "oidc_token_invalid")
	// ErrProviderUnavailable: the provider could not be reached.
	ErrProviderUnavailable = fault.New(fault.FailedPrecondition, "oidc_unavailable")
	// ErrDenied: the person cancelled or the provider refused the login.
	ErrDenied = fault.New(fault.Unauthenticated, "oidc_denied")
	// ErrNoFiscalNumber: the provider did not release the fiscal number.
	ErrNoFiscalNumber = fault.New(fault.Unauthenticated, "oidc_no_fiscal_number")
	// ErrBadFiscalNumber: the fiscal number is not a valid codice fiscale.
	ErrBadFiscalNumber = fault.New(fault.Unauthenticated, "oidc_invalid_fiscal_number")
	// ErrNoEmail: the provider did not release the e-mail address.
	ErrNoEmail = fault.New(fault.Unauthenticated, "oidc_no_email")
	// ErrNoName: the provider did not release the names.
	ErrNoName = fault.New(fault.Unauthenticated, "oidc_no_name")
	// ErrRateLimited: too many attempts from one address.
	ErrRateLimited = fault.New(fault.Exhausted, "oidc_rate_limited")
)

// fail wraps cause (for logs) in a copy of f (for people).
func fail(f *fault.Error, cause error) error { return f.Wrap(fmt.Errorf("%s: %w", f.Code, cause)) }
