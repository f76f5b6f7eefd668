package person

import (
	"testing"

	"github.com/varco-gate/varco/internal/i18n"
)

func TestValidationErrorMessages(t *testing.T) {
	e := &ValidationError{Field: "codice_fiscale", Code: CodeCFLength}
	tests := []struct{ name, got, want string }{
		{"italian", e.Message("it"), "Il codice fiscale deve avere 16 caratteri"},
		{"german", e.Message("de"), "Die Steuernummer muss 16 Zeichen lang sein"},
		{"default italian", e.Message("fr"), "Il codice fiscale deve avere 16 caratteri"},
		{"english", e.Message("en"), "The codice fiscale must be 16 characters long"},
		{"error", e.Error(), "codice_fiscale: The codice fiscale must be 16 characters long"},
		{"no field", (&ValidationError{Code: CodeRequired}).Error(), "This field is required"},
		{"unknown code", (&ValidationError{Code: "nope"}).Message("it"), "Valore non valido"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestWithField(t *testing.T) {
	_, err := ParseCodiceFiscale("x")
	orig := err.(*ValidationError)
	moved := orig.WithField("beneficiary.codice_fiscale")
	if moved.Field != "beneficiary.codice_fiscale" || moved.Code != CodeCFLength {
		t.Errorf("WithField = %+v", moved)
	}
	if orig.Field != "codice_fiscale" {
		t.Errorf("WithField mutated the original: %+v", orig)
	}
}

// TestCatalogComplete guards against adding a code without its texts in
// the catalog (whose own test checks every language has them).
func TestCatalogComplete(t *testing.T) {
	codes := []string{CodeRequired, CodeCFLength, CodeCFFormat, CodeCFMonth, CodeCFDay, CodeCFCheck,
		CodeCompanyLength, CodeCompanyFormat, CodeCompanyCheck, CodeEmailFormat, CodeEmailLength,
		CodeEmailDomain, CodePhoneFormat, CodePhoneLength, CodeNameLength, CodeNameChars, CodeControlChars}
	for _, c := range codes {
		if !i18n.Has("person." + c) {
			t.Errorf("code %q has no text", c)
		}
	}
}
