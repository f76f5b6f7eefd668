package person

import (
	"errors"
	"testing"
)

func TestParseCompanyCode(t *testing.T) {
	tests := []struct{ name, in, want, code string }{
		{"agenzia entrate", "06363391001", "06363391001", ""},
		{"hand computed", " 01234567897 ", "01234567897", ""},
		{"wrong check", "06363391002", "", CodeCompanyCheck},
		{"all zeros", "00000000000", "", CodeCompanyCheck},
		{"too short", "0636339100", "", CodeCompanyLength},
		{"too long", "063633910011", "", CodeCompanyLength},
		{"vat prefix", "IT06363391001", "", CodeCompanyFormat},
		{"inner space", "0636339 1001", "", CodeCompanyFormat},
		{"empty", "", "", CodeRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseCompanyCode(tt.in)
			checkResult(t, got, err, tt.want, "codice_fiscale", tt.code)
		})
	}
}

// checkResult asserts either a successful result or a *ValidationError with
// the given field and code; shared by the table tests of this package.
func checkResult(t *testing.T, got string, err error, want, field, code string) {
	t.Helper()
	if code == "" {
		if err != nil || got != want {
			t.Fatalf("got %q, %v; want %q", got, err, want)
		}
		return
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("got %q, %v; want error %s", got, err, code)
	}
	if ve.Field != field || ve.Code != code {
		t.Errorf("got %s/%s, want %s/%s", ve.Field, ve.Code, field, code)
	}
}
