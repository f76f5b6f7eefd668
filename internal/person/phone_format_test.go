package person

import "testing"

func TestFormatPhone(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"+390376000050": "+39 0376 000050",
		"+390212345678": "+39 02 1234 5678",
		"+390612345678": "+39 06 1234 5678",
		"+39055123456":  "+39 055 123456",
		"+393331234567": "+39 333 123 4567",
		"+39333123456":  "+39 333 123456",
		"+41446681800":  "+41446681800", // not Italian: left alone
		"0376 000050":   "0376 000050",  // not E.164
		"":              "",
	} {
		if got := FormatPhone(in); got != want {
			t.Errorf("FormatPhone(%q) = %q, want %q", in, got, want)
		}
		if p, err := ParsePhone(FormatPhone(in)); in != "" && in[0] == '+' && (err != nil || p != in) {
			t.Errorf("ParsePhone(FormatPhone(%q)) = %q, %v: the format must read back", in, p, err)
		}
	}
}
