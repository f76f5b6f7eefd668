package person

import (
	"strings"
	"testing"
)

func TestParseName(t *testing.T) {
	tests := []struct{ name, in, want, code string }{
		{"simple", "Mario", "Mario", ""},
		{"collapsed", "  Maria \t  Grazia ", "Maria Grazia", ""},
		{"accented", "Niccolò", "Niccolò", ""},
		{"apostrophe", "D'Angelo", "D'Angelo", ""},
		{"typographic apostrophe", "D’Angelo", "D'Angelo", ""},
		{"hyphen and dot", "Jean-Luc J.", "Jean-Luc J.", ""},
		{"decomposed accent", "Nicolo\u0300", "Nicolo\u0300", ""},
		{"non latin", "Δημήτρης", "Δημήτρης", ""},
		{"nbsp collapsed", "De\u00a0Luca", "De Luca", ""},
		{"100 runes", strings.Repeat("à", 100), strings.Repeat("à", 100), ""},
		{"empty", " \t ", "", CodeRequired},
		{"101 runes", strings.Repeat("à", 101), "", CodeNameLength},
		{"digit", "Mario2", "", CodeNameChars},
		{"symbol", "Mario@", "", CodeNameChars},
		{"control", "Ma\x00rio", "", CodeNameChars},
		{"punctuation only", "-.'", "", CodeNameChars},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseName("surname", tt.in)
			checkResult(t, got, err, tt.want, "surname", tt.code)
		})
	}
}

func TestCheckLineAndStripControl(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in    string
		ok    bool
		clean string
	}{
		{"Ingresso nord", true, "Ingresso nord"},
		{"Sant'Anna d’Alfaedo", true, "Sant'Anna d’Alfaedo"},
		{"Nord\x00", false, "Nord"},
		{"riga\nriga", false, "rigariga"},
		{"\x1b[31mrosso", false, "[31mrosso"},
		{"tab\tqui", false, "tabqui"},
		{"del\u007f", false, "del"},
		{"c1\u0085", false, "c1"},
	} {
		err := CheckLine("name", c.in)
		if c.ok != (err == nil) {
			t.Errorf("CheckLine(%q) = %v, want ok=%v", c.in, err, c.ok)
		}
		if err != nil && (err.(*ValidationError).Code != CodeControlChars || err.(*ValidationError).Field != "name") {
			t.Errorf("CheckLine(%q) = %#v", c.in, err)
		}
		if got := StripControl(c.in); got != c.clean {
			t.Errorf("StripControl(%q) = %q, want %q", c.in, got, c.clean)
		}
	}
}
