// Package person validates and normalizes the personal data of Italian
// citizens (codice fiscale, e-mail, phone, names) so that every API entry
// point applies the same rules and reports the same stable error codes.
package person

import "github.com/varco-gate/varco/internal/i18n"

// Stable error codes. Frontends switch on these to highlight fields and
// pick their own wording, so they must never change once published.
const (
	CodeRequired      = "required"
	CodeCFLength      = "cf_length"
	CodeCFFormat      = "cf_format"
	CodeCFMonth       = "cf_month"
	CodeCFDay         = "cf_day"
	CodeCFCheck       = "cf_check"
	CodeCompanyLength = "company_length"
	CodeCompanyFormat = "company_format"
	CodeCompanyCheck  = "company_check"
	CodeEmailFormat   = "email_format"
	CodeEmailLength   = "email_length"
	CodeEmailDomain   = "email_domain"
	CodePhoneFormat   = "phone_format"
	CodePhoneLength   = "phone_length"
	CodeNameLength    = "name_length"
	CodeNameChars     = "name_chars"
	CodeControlChars  = "control_characters"
)

// ValidationError reports why a value was rejected. It deliberately does not
// carry the rejected value: errors end up in logs, and personal data must not.
type ValidationError struct {
	// Field is the request field the error refers to, e.g. "codice_fiscale"
	// or "beneficiary.codice_fiscale".
	Field string
	// Code is one of the stable Code* constants.
	Code string
}

func newError(field, code string) *ValidationError {
	return &ValidationError{Field: field, Code: code}
}

// Key is the message's key in the catalog (internal/i18n).
func (e *ValidationError) Key() string {
	if i18n.Has("person." + e.Code) {
		return "person." + e.Code
	}
	// An unknown code is a programming error; still say something useful.
	return "person.unknown"
}

// Message returns the text for lang; any other language than the
// catalog's gets Italian because Varco's users are served in Italian first.
func (e *ValidationError) Message(lang string) string {
	return i18n.T(lang, e.Key())
}

// Error returns the English message prefixed with the field, for logs.
func (e *ValidationError) Error() string {
	if e.Field == "" {
		return e.Message("en")
	}
	return e.Field + ": " + e.Message("en")
}

// WithField returns a copy of e reporting field instead, so that callers can
// name nested request fields without mutating an error someone else holds.
func (e *ValidationError) WithField(field string) *ValidationError {
	c := *e
	c.Field = field
	return &c
}
