package identity

import (
	"errors"
	"strings"

	"github.com/varco-gate/varco/internal/auth/password"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/i18n"
	"github.com/varco-gate/varco/internal/person"
)

// named makes a person validation error report the request field name,
// whatever name the parser used, so errors match the proto exactly.
func named(err error, field string) error {
	var ve *person.ValidationError
	if errors.As(err, &ve) {
		return ve.WithField(field)
	}
	return err
}

func parseName(field, s string) (string, error) {
	v, err := person.ParseName(field, s)
	return v, named(err, field)
}

func parseEmail(s string) (string, error) {
	v, err := person.ParseEmail(s)
	return v, named(err, "email")
}

func parseCodiceFiscale(s string) (string, error) {
	cf, err := person.ParseCodiceFiscale(s)
	if err != nil {
		return "", named(err, "codice_fiscale")
	}
	return cf.String(), nil
}

func parsePhone(s string) (string, error) {
	v, err := person.ParsePhone(s)
	return v, named(err, "phone")
}

// checkPassword applies the strength policy to a new password and reports a
// failure on field with the policy's own bilingual message.
func checkPassword(field, pw string) error {
	err := password.CheckStrength(pw)
	var se *password.StrengthError
	if errors.As(err, &se) {
		return fault.InvalidField(field, string(se.Code)).Text(se.Key(), se.Args()...)
	}
	return err
}

// parseLanguage accepts the catalog's languages ("it", "en", "de") in any
// case; empty means def.
func parseLanguage(s, def string) (string, error) {
	l := strings.ToLower(strings.TrimSpace(s))
	switch {
	case l == "":
		return def, nil
	case i18n.Supported(l):
		return l, nil
	}
	return "", fault.InvalidField("language", "language_unsupported")
}

// requestLanguage maps a request's message language to an account language.
func requestLanguage(lang string) string {
	return i18n.Normalize(lang)
}
