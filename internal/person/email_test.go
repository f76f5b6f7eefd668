package person

import (
	"strings"
	"testing"
)

func TestParseEmail(t *testing.T) {
	long := strings.Repeat("a", 64)
	tests := []struct{ name, in, want, code string }{
		{"plain", "mario.rossi@example.it", "mario.rossi@example.it", ""},
		{"trimmed", "  mario@example.it\n", "mario@example.it", ""},
		{"domain lowered, local kept", "Mario.Rossi@Comune.Curtatone.MN.IT", "Mario.Rossi@comune.curtatone.mn.it", ""},
		{"plus tag", "mario+prenotazioni@gmail.com", "mario+prenotazioni@gmail.com", ""},
		{"idn tld", "info@example.xn--p1ai", "info@example.xn--p1ai", ""},
		{"64 local", long + "@example.it", long + "@example.it", ""},
		{"empty", " ", "", CodeRequired},
		{"display name", "Mario Rossi <mario@example.it>", "", CodeEmailFormat},
		{"angle addr", "<mario@example.it>", "", CodeEmailFormat},
		{"quoted local", `"mario"@example.it`, "", CodeEmailFormat},
		{"inner space", "mario @example.it", "", CodeEmailFormat},
		{"control char", "mario\x00@example.it", "", CodeEmailFormat},
		{"no at", "mario.example.it", "", CodeEmailFormat},
		{"two at", "mario@rossi@example.it", "", CodeEmailFormat},
		{"double dot", "mario..rossi@example.it", "", CodeEmailFormat},
		{"65 local", long + "a@example.it", "", CodeEmailLength},
		{"over 254", "a@" + strings.Repeat("b", 250) + ".it", "", CodeEmailLength},
		{"no dot", "mario@localhost", "", CodeEmailDomain},
		{"short tld", "mario@libero.i", "", CodeEmailDomain},
		{"numeric tld", "mario@10.0.0.1", "", CodeEmailDomain},
		{"hyphen label", "mario@-example.it", "", CodeEmailDomain},
		{"domain literal", "mario@[10.0.0.1]", "", CodeEmailDomain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseEmail(tt.in)
			checkResult(t, got, err, tt.want, "email", tt.code)
		})
	}
}
