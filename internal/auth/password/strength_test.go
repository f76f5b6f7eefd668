package password

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckStrength(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		want Code // "" means acceptable
	}{
		{"empty", "", CodeTooShort},
		{"nine chars", "abcdefghi", CodeTooShort},
		{"ten chars", "abcdefghij", ""},
		// 9 runes but 18 bytes: length is counted in characters.
		{"nine accented chars", "èèèèèèèèé", CodeTooShort},
		{"ten accented chars", "perché-già", ""},
		{"spaces count", "a b c d e ", ""},
		{"repeated ascii", "aaaaaaaaaaaa", CodeRepeated},
		{"repeated accented", "ààààààààààà", CodeRepeated},
		{"repeated space", strings.Repeat(" ", 12), CodeRepeated},
		{"almost repeated", "aaaaaaaaaab", ""},
		{"max bytes", strings.Repeat("ab", MaxPasswordBytes/2), ""},
		{"over max bytes", strings.Repeat("ab", MaxPasswordBytes/2) + "c", CodeTooLong},
		{"over max bytes multibyte", strings.Repeat("è", 129), CodeTooLong},
		{"invalid utf8", "abcdefghij\xff", CodeInvalidUTF8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckStrength(tt.pw)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("CheckStrength(%q) = %v, want nil", tt.pw, err)
				}
				return
			}
			var se *StrengthError
			if !errors.As(err, &se) {
				t.Fatalf("CheckStrength(%q) = %v, want *StrengthError", tt.pw, err)
			}
			if se.Code != tt.want {
				t.Errorf("code = %q, want %q", se.Code, tt.want)
			}
		})
	}
}

func TestStrengthErrorMessage(t *testing.T) {
	tests := []struct {
		code Code
		lang string
		want string
	}{
		{CodeTooShort, "", "La password deve contenere almeno 10 caratteri."},
		{CodeTooShort, "it", "La password deve contenere almeno 10 caratteri."},
		{CodeTooShort, "de", "Das Passwort muss mindestens 10 Zeichen lang sein."},
		{CodeTooShort, "fr", "La password deve contenere almeno 10 caratteri."},
		{CodeTooShort, "en", "The password must be at least 10 characters long."},
		{CodeTooShort, "EN-gb", "The password must be at least 10 characters long."},
		{CodeTooShort, "eng", "La password deve contenere almeno 10 caratteri."},
		{CodeTooLong, "it", "La password è troppo lunga (al massimo 256 byte)."},
		{CodeTooLong, "en", "The password is too long (at most 256 bytes)."},
		{CodeRepeated, "it", "La password non può essere un unico carattere ripetuto."},
		{CodeRepeated, "en", "The password cannot be a single repeated character."},
		{CodeInvalidUTF8, "it", "La password contiene caratteri non validi."},
		{CodeInvalidUTF8, "en", "The password contains invalid characters."},
		{"unknown", "it", "La password non è accettabile."},
		{"unknown", "en", "The password is not acceptable."},
	}
	for _, tt := range tests {
		t.Run(string(tt.code)+"/"+tt.lang, func(t *testing.T) {
			if got := (&StrengthError{Code: tt.code}).Message(tt.lang); got != tt.want {
				t.Errorf("Message(%q) = %q, want %q", tt.lang, got, tt.want)
			}
		})
	}
}

// The codes are a wire contract; this test makes renaming one a conscious act.
func TestStrengthCodesStable(t *testing.T) {
	tests := []struct {
		code Code
		want string
	}{
		{CodeTooShort, "password_too_short"},
		{CodeTooLong, "password_too_long"},
		{CodeRepeated, "password_repeated_char"},
		{CodeInvalidUTF8, "password_invalid_utf8"},
	}
	for _, tt := range tests {
		if string(tt.code) != tt.want {
			t.Errorf("code %q, want %q", tt.code, tt.want)
		}
		err := &StrengthError{Code: tt.code}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Error() = %q does not contain the code", err.Error())
		}
	}
}
