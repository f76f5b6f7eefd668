package token

import (
	"strings"
	"testing"
)

func TestCodeAlphabet(t *testing.T) {
	// The confusable characters excluded by design must stay excluded.
	for _, c := range "0O1IL B8 5S 2Z G6 Q" {
		if c != ' ' && strings.ContainsRune(CodeAlphabet, c) {
			t.Errorf("alphabet contains confusable %q", c)
		}
	}
	seen := map[rune]bool{}
	for _, c := range CodeAlphabet {
		if seen[c] {
			t.Errorf("duplicate symbol %q", c)
		}
		seen[c] = true
		if !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			t.Errorf("symbol %q is not an upper-case ASCII letter or digit", c)
		}
	}
	if len(CodeAlphabet) != 22 {
		t.Errorf("alphabet has %d symbols; the entropy figures in the docs assume 22", len(CodeAlphabet))
	}
}

func TestNewCode(t *testing.T) {
	tests := []struct {
		n       int
		wantErr bool
	}{
		{-1, true},
		{0, true},
		{1, false},
		{8, false},
		{12, false},
		{MaxCodeLen, false},
		{MaxCodeLen + 1, true},
	}
	for _, tt := range tests {
		code, err := NewCode(tt.n)
		if tt.wantErr {
			if err == nil {
				t.Errorf("NewCode(%d) = %q, want error", tt.n, code)
			}
			continue
		}
		if err != nil {
			t.Fatalf("NewCode(%d): %v", tt.n, err)
		}
		if !ValidCode(code, tt.n) {
			t.Errorf("NewCode(%d) = %q, not a valid code", tt.n, code)
		}
		if NormalizeCode(code) != code {
			t.Errorf("NewCode(%d) = %q is not in normalized form", tt.n, code)
		}
	}
}

// TestNewCodeUniform checks that rejection sampling removes modulo bias. A
// plain b%22 would draw 14 symbols with probability 12/256 and 8 with 11/256,
// i.e. +3.1% and -5.5% off uniform. With 100,000 expected draws per symbol
// (sd ≈ 316, 0.32%), a ±2% band is over 6 sd wide, so the test does not flake
// but does catch that bias.
func TestNewCodeUniform(t *testing.T) {
	const perSymbol = 100000
	counts := map[byte]int{}
	for range len(CodeAlphabet) * perSymbol / MaxCodeLen {
		code, err := NewCode(MaxCodeLen)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < len(code); i++ {
			counts[code[i]]++
		}
	}
	for i := 0; i < len(CodeAlphabet); i++ {
		c := CodeAlphabet[i]
		if n := counts[c]; n < perSymbol*98/100 || n > perSymbol*102/100 {
			t.Errorf("symbol %q drawn %d times, want about %d", c, n, perSymbol)
		}
	}
}

func TestFormatCode(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"ACD", "ACD"},
		{"ACDE", "ACDE"},
		{"ACDEF", "ACDE-F"},
		{"ACDEFHJK", "ACDE-FHJK"},
		{"ACDEFHJKMNPR", "ACDE-FHJK-MNPR"},
		{"acde fhjk", "ACDE-FHJK"},
		{"AC-DE-FH-JK", "ACDE-FHJK"},
		{"ACDE-FHJK", "ACDE-FHJK"},
	}
	for _, tt := range tests {
		if got := FormatCode(tt.in); got != tt.want {
			t.Errorf("FormatCode(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := NormalizeCode(FormatCode(tt.in)); got != NormalizeCode(tt.in) {
			t.Errorf("NormalizeCode(FormatCode(%q)) = %q, want %q", tt.in, got, NormalizeCode(tt.in))
		}
	}
}

func TestNormalizeCode(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"already normal", "ACDEFHJK", "ACDEFHJK"},
		{"lower case", "acde-fhjk", "ACDEFHJK"},
		{"spaces", " acde  fhjk ", "ACDEFHJK"},
		{"tab and newline", "ACDE\tFHJK\n", "ACDEFHJK"},
		{"non-breaking space", "ACDE\u00a0FHJK", "ACDEFHJK"},
		{"en dash", "ACDE\u2013FHJK", "ACDEFHJK"},
		{"non-breaking hyphen", "ACDE\u2011FHJK", "ACDEFHJK"},
		{"minus sign", "ACDE\u2212FHJK", "ACDEFHJK"},
		{"digits kept", "3479-acde", "3479ACDE"},
		{"invalid kept", "ACD0", "ACD0"},
		{"dotless i not folded", "ACDı", "ACDı"},
		{"long s not folded", "ACDſ", "ACDſ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NormalizeCode(tt.in); got != tt.want {
				t.Errorf("NormalizeCode(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidCode(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want bool
	}{
		{"exact", "ACDEFHJK", 8, true},
		{"formatted", "ACDE-FHJK", 8, true},
		{"typed", " acde fhjk ", 8, true},
		{"too short", "ACDEFHJ", 8, false},
		{"too long", "ACDEFHJKM", 8, false},
		{"zero", "ACDEFHJ0", 8, false},
		{"letter O", "ACDEFHJO", 8, false},
		{"letter L", "ACDEFHJL", 8, false},
		{"punctuation", "ACDEFHJ!", 8, false},
		{"non-ASCII", "ACDEFHJÈ", 8, false},
		{"empty", "", 0, false},
		{"negative length", "", -1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidCode(tt.in, tt.n); got != tt.want {
				t.Errorf("ValidCode(%q, %d) = %v, want %v", tt.in, tt.n, got, tt.want)
			}
		})
	}
}
