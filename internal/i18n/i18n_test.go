package i18n

import "testing"

func TestMatchAcceptLanguage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ header, want string }{
		{"", IT},
		{"de", DE},
		{"de-AT", DE},
		{"de-CH,de;q=0.9", DE},
		{"en-GB,en;q=0.9", EN},
		{"it-IT,it;q=0.9,en;q=0.8", IT},
		// q-values, not order, decide.
		{"en;q=0.2, de;q=0.9", DE},
		{"it;q=0.1, en;q=0.5", EN},
		{"fr-FR, fr;q=0.9, de;q=0.8, en;q=0.5", DE},
		{"fr", IT},
		{"*", IT},
		{"not a header;;;", IT},
	} {
		if got := Match(tc.header); got != tc.want {
			t.Errorf("Match(%q) = %q, want %q", tc.header, got, tc.want)
		}
	}
}

func TestTFallsBack(t *testing.T) {
	t.Parallel()
	if got := T("fr", "error.slot_full"); got != T(IT, "error.slot_full") {
		t.Errorf("unknown language: %q", got)
	}
	if got := T(DE, "no.such.key"); got != "no.such.key" {
		t.Errorf("unknown key: %q", got)
	}
	if got := T(DE, "delay.hours_minutes", Msg{Key: "delay.hours.one"}, Msg{Key: "delay.minutes.other", Args: []any{5}}); got != "1 Stunde und 5 Minuten" {
		t.Errorf("nested: %q", got)
	}
}
