// Package person validates and normalizes the personal data of Italian
// citizens (codice fiscale, e-mail, phone, names) so that every API entry
// point applies the same rules and reports the same stable error codes.
package person

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

// catalog is the single source of user-facing texts, so that translations
// stay in step with the codes and are reviewed in one place.
var catalog = map[string]struct{ it, en string }{
	CodeRequired:      {"Il campo è obbligatorio", "This field is required"},
	CodeCFLength:      {"Il codice fiscale deve avere 16 caratteri", "The codice fiscale must be 16 characters long"},
	CodeCFFormat:      {"Il codice fiscale contiene caratteri non validi o nella posizione sbagliata", "The codice fiscale contains invalid or misplaced characters"},
	CodeCFMonth:       {"Il mese di nascita nel codice fiscale non è valido", "The birth month in the codice fiscale is not valid"},
	CodeCFDay:         {"Il giorno di nascita nel codice fiscale non è valido", "The birth day in the codice fiscale is not valid"},
	CodeCFCheck:       {"Il codice fiscale non è corretto: il carattere di controllo non corrisponde", "The codice fiscale is not correct: the check character does not match"},
	CodeCompanyLength: {"Il codice fiscale dell'azienda deve avere 11 cifre", "The company codice fiscale must be 11 digits long"},
	CodeCompanyFormat: {"Il codice fiscale dell'azienda deve contenere solo cifre", "The company codice fiscale must contain digits only"},
	CodeCompanyCheck:  {"Il codice fiscale dell'azienda non è corretto: la cifra di controllo non corrisponde", "The company codice fiscale is not correct: the check digit does not match"},
	CodeEmailFormat:   {"L'indirizzo e-mail non è valido", "The e-mail address is not valid"},
	CodeEmailLength:   {"L'indirizzo e-mail è troppo lungo", "The e-mail address is too long"},
	CodeEmailDomain:   {"Il dominio dell'indirizzo e-mail non è valido", "The domain of the e-mail address is not valid"},
	CodePhoneFormat:   {"Il numero di telefono non è valido: usa un cellulare o fisso italiano oppure il formato internazionale (+...)", "The phone number is not valid: use an Italian mobile or landline number or the international format (+...)"},
	CodePhoneLength:   {"Il numero di telefono ha un numero di cifre non valido", "The phone number has an invalid number of digits"},
	CodeNameLength:    {"Il nome deve avere al massimo 100 caratteri", "The name must be at most 100 characters long"},
	CodeNameChars:     {"Il nome può contenere solo lettere, spazi, apostrofi, trattini e punti", "The name may contain only letters, spaces, apostrophes, hyphens and dots"},
	CodeControlChars:  {"Il testo deve stare su una riga, senza caratteri di controllo", "The text must fit on one line, without control characters"},
}

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

// Message returns the text for lang ("it" or "en"); any other language gets
// Italian because Varco's users are served in Italian first.
func (e *ValidationError) Message(lang string) string {
	t, ok := catalog[e.Code]
	if !ok {
		// An unknown code is a programming error; still say something useful.
		t = struct{ it, en string }{"Valore non valido", "Invalid value"}
	}
	if lang == "en" {
		return t.en
	}
	return t.it
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
