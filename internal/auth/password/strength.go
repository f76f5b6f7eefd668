package password

import (
	"strings"
	"unicode/utf8"

	"github.com/varco-gate/varco/internal/i18n"
)

// MinRunes is the minimum password length in characters (Unicode code
// points, not bytes, so that "è" counts as one character as the user sees it).
const MinRunes = 10

// Code identifies why a password was rejected. The values are stable and may
// be sent to clients and stored in logs; do not renumber or rename them.
type Code string

// Strength error codes.
const (
	// CodeTooShort means fewer than MinRunes characters.
	CodeTooShort Code = "password_too_short"
	// CodeTooLong means more than MaxPasswordBytes bytes.
	CodeTooLong Code = "password_too_long"
	// CodeRepeated means a single character repeated (e.g. "aaaaaaaaaa").
	CodeRepeated Code = "password_repeated_char"
	// CodeInvalidUTF8 means not valid UTF-8, so it could not be typed again
	// reliably and would be counted inconsistently.
	CodeInvalidUTF8 Code = "password_invalid_utf8"
)

// StrengthError is returned by CheckStrength. Use errors.As to get it and
// Message to show it to the user.
type StrengthError struct {
	// Code is the stable machine-readable reason.
	Code Code
}

// Error returns the English message prefixed with the code, for logs.
func (e *StrengthError) Error() string {
	return "password: " + string(e.Code) + ": " + e.Message("en")
}

// Key is the message's key in the catalog (internal/i18n); Args fill it.
func (e *StrengthError) Key() string {
	if k := "password." + string(e.Code); i18n.Has(k) {
		return k
	}
	return "password.unknown"
}

// Args are the values the message names (the length limits).
func (e *StrengthError) Args() []any {
	switch e.Code {
	case CodeTooShort:
		return []any{MinRunes}
	case CodeTooLong:
		return []any{MaxPasswordBytes}
	}
	return nil
}

// Message returns a user-facing message in lang (Italian by default).
func (e *StrengthError) Message(lang string) string {
	return i18n.T(lang, e.Key(), e.Args()...)
}

// CheckStrength applies the password policy for new passwords: valid UTF-8,
// at least MinRunes characters, at most MaxPasswordBytes bytes, and not one
// character repeated. It returns nil or a *StrengthError.
//
// The policy follows NIST SP 800-63B: length matters, composition rules
// ("one digit, one symbol") do not, and there is no forced expiry. Checking
// against breached-password lists would be the next step and belongs to the
// caller, since it needs external data.
func CheckStrength(password string) error {
	// Length in bytes first: it bounds the work below and the argon2 input.
	if len(password) > MaxPasswordBytes {
		return &StrengthError{Code: CodeTooLong}
	}
	if !utf8.ValidString(password) {
		return &StrengthError{Code: CodeInvalidUTF8}
	}
	if utf8.RuneCountInString(password) < MinRunes {
		return &StrengthError{Code: CodeTooShort}
	}
	first, _ := utf8.DecodeRuneInString(password)
	if strings.Trim(password, string(first)) == "" {
		return &StrengthError{Code: CodeRepeated}
	}
	return nil
}
