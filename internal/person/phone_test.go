package person

import "testing"

func TestParsePhone(t *testing.T) {
	tests := []struct{ name, in, want, code string }{
		{"e164 mobile", "+393331234567", "+393331234567", ""},
		{"e164 spaced", "+39 333 123 4567", "+393331234567", ""},
		{"00 prefix", "0039 333 1234567", "+393331234567", ""},
		{"parenthesized prefix", "(+39) 333-123.4567", "+393331234567", ""},
		{"national mobile 10", "333 1234567", "+393331234567", ""},
		{"national mobile 9", "333123456", "+39333123456", ""},
		{"rome landline", "06 1234 5678", "+390612345678", ""},
		{"landline with area", "(0376) 123456", "+390376123456", ""},
		{"short landline", "061234", "+39061234", ""},
		{"e164 landline", "+39 06 12345678", "+390612345678", ""},
		{"foreign", "+41 44 668 18 00", "+41446681800", ""},
		{"foreign 00", "0049 30 1234567", "+49301234567", ""},
		{"empty", "", "", CodeRequired},
		{"letters", "333 CALL ME", "", CodePhoneFormat},
		{"plus in middle", "333+1234567", "", CodePhoneFormat},
		{"two plus", "++393331234567", "", CodePhoneFormat},
		{"slash", "0376/123456", "", CodePhoneFormat},
		{"toll free", "800 123 456", "", CodePhoneFormat},
		{"country code zero", "+0 123 456 789", "", CodePhoneFormat},
		{"italian bad prefix", "+39 800 123456", "", CodePhoneFormat},
		{"mobile too short", "33312345", "", CodePhoneLength},
		{"mobile too long", "33312345678", "", CodePhoneLength},
		{"landline too short", "06123", "", CodePhoneLength},
		{"landline too long", "061234567890", "", CodePhoneLength},
		{"foreign too short", "+4112345", "", CodePhoneLength},
		{"foreign too long", "+4112345678901234", "", CodePhoneLength},
		{"e164 italian mobile too long", "+39 333 1234 5678", "", CodePhoneLength},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePhone(tt.in)
			checkResult(t, got, err, tt.want, "phone", tt.code)
		})
	}
}
