package password

import (
	"fmt"
	"strings"
	"unicode/utf8"
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

// Message returns a user-facing message in lang. Italian is the default;
// English is returned for "en" and any "en-…" tag (case-insensitive).
func (e *StrengthError) Message(lang string) string {
	en := strings.EqualFold(lang, "en") || (len(lang) > 3 && strings.EqualFold(lang[:3], "en-"))
	switch e.Code {
	case CodeTooShort:
		if en {
			return fmt.Sprintf("The password must be at least %d characters long.", MinRunes)
		}
		return fmt.Sprintf("La password deve contenere almeno %d caratteri.", MinRunes)
	case CodeTooLong:
		if en {
			return fmt.Sprintf("The password is too long (at most %d bytes).", MaxPasswordBytes)
		}
		return fmt.Sprintf("La password è troppo lunga (al massimo %d byte).", MaxPasswordBytes)
	case CodeRepeated:
		if en {
			return "The password cannot be a single repeated character."
		}
		return "La password non può essere un unico carattere ripetuto."
	case CodeInvalidUTF8:
		if en {
			return "The password contains invalid characters."
		}
		return "La password contiene caratteri non validi."
	}
	if en {
		return "The password is not acceptable."
	}
	return "La password non è accettabile."
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
