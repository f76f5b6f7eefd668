package token

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

func TestNew(t *testing.T) {
	tests := []struct {
		prefix  string
		wantErr bool
	}{
		{PrefixSession, false},
		{PrefixDevice, false},
		{PrefixCancel, false},
		{PrefixEnrollment, false},
		{"abcdefg_", false}, // longest allowed prefix
		{"", true},
		{"_", true},
		{"vs", true},
		{"VS_", true},
		{"v-_", true},
		{"v_s_", true},
		{"abcdefgh_", true},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			plain, hash, err := New(tt.prefix)
			if tt.wantErr {
				if !errors.Is(err, ErrBadPrefix) {
					t.Fatalf("New(%q) error = %v, want ErrBadPrefix", tt.prefix, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q): %v", tt.prefix, err)
			}
			rest, ok := strings.CutPrefix(plain, tt.prefix)
			if !ok {
				t.Fatalf("%q lacks prefix %q", plain, tt.prefix)
			}
			raw, err := base64.RawURLEncoding.DecodeString(rest)
			if err != nil {
				t.Fatalf("random part %q is not unpadded base64url: %v", rest, err)
			}
			if len(raw) != SecretBytes || len(raw) < 16 {
				t.Fatalf("random part has %d bytes, want %d", len(raw), SecretBytes)
			}
			if hash != Hash(plain) {
				t.Error("returned hash differs from Hash(plain)")
			}
			if !Valid(plain, tt.prefix) {
				t.Errorf("Valid(%q, %q) = false for a fresh secret", plain, tt.prefix)
			}
		})
	}
}

func TestNewIsRandom(t *testing.T) {
	seen := make(map[string]bool)
	for range 1000 {
		plain, _, err := New(PrefixSession)
		if err != nil {
			t.Fatal(err)
		}
		if seen[plain] {
			t.Fatalf("duplicate secret %q", plain)
		}
		seen[plain] = true
	}
}

func TestHash(t *testing.T) {
	tests := []struct {
		plain string
	}{
		{""},
		{"vs_abc"},
		{"vd_abc"},
	}
	for _, tt := range tests {
		if got, want := Hash(tt.plain), sha256.Sum256([]byte(tt.plain)); got != want {
			t.Errorf("Hash(%q) is not SHA-256", tt.plain)
		}
	}
	// The prefix is hashed too: the same random part under another prefix
	// is a different credential.
	if Hash("vs_abc") == Hash("vd_abc") {
		t.Error("prefix does not affect the hash")
	}
}

func TestEqual(t *testing.T) {
	a := Hash("vs_a")
	b := Hash("vs_b")
	last := a
	last[31] ^= 1
	tests := []struct {
		name string
		x, y [32]byte
		want bool
	}{
		{"same", a, a, true},
		{"copy", a, Hash("vs_a"), true},
		{"different", a, b, false},
		{"last bit", a, last, false},
		{"zero", [32]byte{}, [32]byte{}, true},
	}
	for _, tt := range tests {
		if got := Equal(tt.x, tt.y); got != tt.want {
			t.Errorf("%s: Equal = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestValid(t *testing.T) {
	good, _, err := New(PrefixDevice)
	if err != nil {
		t.Fatal(err)
	}
	rest := strings.TrimPrefix(good, PrefixDevice)
	tests := []struct {
		name   string
		plain  string
		prefix string
		want   bool
	}{
		{"fresh", good, PrefixDevice, true},
		{"wrong kind", good, PrefixSession, false},
		{"no prefix", rest, PrefixDevice, false},
		{"truncated", good[:len(good)-1], PrefixDevice, false},
		{"extended", good + "A", PrefixDevice, false},
		{"std base64", PrefixDevice + strings.Repeat("+", len(rest)), PrefixDevice, false},
		{"padding", PrefixDevice + rest[:len(rest)-1] + "=", PrefixDevice, false},
		// 'B' sets one of the two unused low bits of the last symbol.
		{"non-canonical", PrefixDevice + strings.Repeat("A", len(rest)-1) + "B", PrefixDevice, false},
		{"canonical", PrefixDevice + strings.Repeat("A", len(rest)-1) + "E", PrefixDevice, true},
		{"bad prefix argument", "vs" + rest, "vs", false},
		{"empty", "", PrefixDevice, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Valid(tt.plain, tt.prefix); got != tt.want {
				t.Errorf("Valid(%q, %q) = %v, want %v", tt.plain, tt.prefix, got, tt.want)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	tests := []struct {
		name  string
		plain string
		want  string
	}{
		{"session", "vs_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd", "vs_AbCd..."},
		{"random part starts with underscore", "vd__bCdEfGhIjKl", "vd__bCd..."},
		{"too short", "vs_AbCdEfG", "vs_..."},
		{"prefix only", "vs_", "vs_..."},
		{"no prefix", "AbCdEfGhIjKlMnOp", "[redacted]"},
		{"long word before underscore", "supercalifragilistic_AbCdEfGhIjKl", "[redacted]"},
		{"upper-case prefix", "VS_AbCdEfGhIjKl", "[redacted]"},
		{"empty", "", "[redacted]"},
		{"not base64", "vs_a\nb\x00cdefghijk", "vs_..."},
		{"password by mistake", "hunter2 is my password", "[redacted]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Redact(tt.plain); got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.plain, got, tt.want)
			}
		})
	}
}

func TestRedactFresh(t *testing.T) {
	plain, _, err := New(PrefixCancel)
	if err != nil {
		t.Fatal(err)
	}
	got := Redact(plain)
	if want := plain[:len(PrefixCancel)+4] + "..."; got != want {
		t.Fatalf("Redact = %q, want %q", got, want)
	}
}
