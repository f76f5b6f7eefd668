package password

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

// cheap are deliberately weak parameters so the tests run fast; production
// code uses DefaultParams (covered by TestDefaultParams).
var cheap = Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}

func TestHashVerify(t *testing.T) {
	h := Hasher{Params: cheap}
	long := strings.Repeat("x", MaxPasswordBytes)
	tests := []struct {
		name     string
		stored   string // password that was hashed
		attempt  string // password presented at login
		wantOK   bool
		wantHash error // expected error from Hash, if any
	}{
		{name: "match", stored: "correct horse battery", attempt: "correct horse battery", wantOK: true},
		{name: "mismatch", stored: "correct horse battery", attempt: "correct horse batterY"},
		{name: "prefix is not enough", stored: "correct horse battery", attempt: "correct horse"},
		{name: "empty matches empty", stored: "", attempt: "", wantOK: true},
		{name: "unicode", stored: "perché però è già", attempt: "perché però è già", wantOK: true},
		{name: "unicode differs", stored: "perché però è già", attempt: "perche pero e gia"},
		{name: "max length", stored: long, attempt: long, wantOK: true},
		{name: "over max length", stored: long + "x", wantHash: ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, err := h.Hash(tt.stored)
			if tt.wantHash != nil {
				if !errors.Is(err, tt.wantHash) {
					t.Fatalf("Hash error = %v, want %v", err, tt.wantHash)
				}
				return
			}
			if err != nil {
				t.Fatalf("Hash: %v", err)
			}
			ok, rehash, err := h.Verify(tt.attempt, enc)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if ok != tt.wantOK {
				t.Errorf("Verify ok = %v, want %v", ok, tt.wantOK)
			}
			if rehash {
				t.Errorf("needsRehash = true for the hasher's own params")
			}
		})
	}
}

func TestVerifyOverlongPasswordDoesNotMatch(t *testing.T) {
	h := Hasher{Params: cheap}
	enc, err := h.Hash("abcdefghijkl")
	if err != nil {
		t.Fatal(err)
	}
	ok, _, err := h.Verify(strings.Repeat("a", MaxPasswordBytes+1), enc)
	if ok || err != nil {
		t.Fatalf("Verify(overlong) = %v, %v; want false, nil", ok, err)
	}
}

var phcRE = regexp.MustCompile(`^\$argon2id\$v=19\$m=64,t=1,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$`)

func TestHashFormatAndSalt(t *testing.T) {
	h := Hasher{Params: cheap}
	a, err := h.Hash("same password")
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.Hash("same password")
	if err != nil {
		t.Fatal(err)
	}
	for _, enc := range []string{a, b} {
		if !phcRE.MatchString(enc) {
			t.Errorf("hash %q does not match PHC format %s", enc, phcRE)
		}
	}
	if a == b {
		t.Error("two hashes of the same password are identical: salt is not random")
	}
}

// TestKnownVector checks interoperability with the reference implementation
// (phc-winner-argon2): password "password", salt "somesalt", t=1, m=64, p=1,
// 24-byte output, from x/crypto's test vectors, re-encoded in PHC form.
func TestKnownVector(t *testing.T) {
	tests := []struct {
		name    string
		enc     string
		attempt string
		want    bool
	}{
		{"t1", "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$ZVrRXqxlLcWfcXCnMyv0m4Rpvh/bnCi7", "password", true},
		{"t2", "$argon2id$v=19$m=64,t=2,p=1$c29tZXNhbHQ$Bo1ismRVk2qm6+YAYLCmWHDb+j3fjUH3", "password", true},
		{"t1 wrong", "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$ZVrRXqxlLcWfcXCnMyv0m4Rpvh/bnCi7", "Password", false},
		// Same key, but t changed: the recorded params are really used.
		{"params matter", "$argon2id$v=19$m=64,t=2,p=1$c29tZXNhbHQ$ZVrRXqxlLcWfcXCnMyv0m4Rpvh/bnCi7", "password", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := Verify(tt.attempt, tt.enc)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.want {
				t.Errorf("ok = %v, want %v", ok, tt.want)
			}
			if ok && !rehash {
				t.Error("needsRehash = false for non-default params")
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	enc, err := Hasher{Params: cheap}.Hash("a fine password")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		params Params
		want   bool
	}{
		{"same params", cheap, false},
		{"more memory", Params{Memory: 128, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}, true},
		{"more iterations", Params{Memory: 64, Iterations: 2, Parallelism: 1, SaltLen: 16, KeyLen: 32}, true},
		{"more lanes", Params{Memory: 64, Iterations: 1, Parallelism: 2, SaltLen: 16, KeyLen: 32}, true},
		{"longer salt", Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 32, KeyLen: 32}, true},
		{"shorter key", Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 16}, true},
		{"defaults", DefaultParams, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := Hasher{Params: tt.params}.Verify("a fine password", enc)
			if err != nil || !ok {
				t.Fatalf("Verify = %v, %v", ok, err)
			}
			if rehash != tt.want {
				t.Errorf("needsRehash = %v, want %v", rehash, tt.want)
			}
		})
	}
}

// TestDefaultParams is the one test that pays for the real cost.
func TestDefaultParams(t *testing.T) {
	enc, err := Hash("una password robusta", DefaultParams)
	if err != nil {
		t.Fatal(err)
	}
	if want := "$argon2id$v=19$m=19456,t=2,p=1$"; !strings.HasPrefix(enc, want) {
		t.Fatalf("hash %q does not start with %q", enc, want)
	}
	ok, rehash, err := Verify("una password robusta", enc)
	if err != nil || !ok || rehash {
		t.Fatalf("Verify = ok %v, rehash %v, err %v; want true, false, nil", ok, rehash, err)
	}
	ok, _, err = Verify("una password debole", enc)
	if err != nil || ok {
		t.Fatalf("Verify(wrong) = %v, %v; want false, nil", ok, err)
	}
}

func TestHashInvalidParams(t *testing.T) {
	tests := []struct {
		name string
		p    Params
	}{
		{"zero", Params{}},
		{"no iterations", Params{Memory: 64, Iterations: 0, Parallelism: 1, SaltLen: 16, KeyLen: 32}},
		{"too many iterations", Params{Memory: 64, Iterations: MaxIterations + 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}},
		{"no lanes", Params{Memory: 64, Iterations: 1, Parallelism: 0, SaltLen: 16, KeyLen: 32}},
		{"memory below 8 KiB per lane", Params{Memory: 31, Iterations: 1, Parallelism: 4, SaltLen: 16, KeyLen: 32}},
		{"memory above limit", Params{Memory: MaxMemory + 1, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: 32}},
		{"short salt", Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: MinSaltLen - 1, KeyLen: 32}},
		{"long salt", Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: MaxSaltLen + 1, KeyLen: 32}},
		{"short key", Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: MinKeyLen - 1}},
		{"long key", Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLen: 16, KeyLen: MaxKeyLen + 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Hash("whatever pass", tt.p); !errors.Is(err, ErrInvalidParams) {
				t.Fatalf("Hash error = %v, want ErrInvalidParams", err)
			}
		})
	}
}

func TestVerifyMalformed(t *testing.T) {
	const salt, key = "c29tZXNhbHQ", "ZVrRXqxlLcWfcXCnMyv0m4Rpvh/bnCi7"
	tests := []struct {
		name string
		enc  string
		want error
	}{
		{"empty", "", ErrMalformedHash},
		{"garbage", "not a hash", ErrMalformedHash},
		{"too few fields", "$argon2id$v=19$m=64,t=1,p=1$" + salt, ErrMalformedHash},
		{"too many fields", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$", ErrMalformedHash},
		{"leading text", "x$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key, ErrUnsupported},
		{"bcrypt", "$2b$10$abcdefghijklmnopqrstuu5Z2LZdbqDyVtKI4w2.hV7L2n1n1n1n1", ErrUnsupported},
		{"version 16", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key, ErrUnsupported},
		{"missing version", "$argon2id$m=64,t=1,p=1$" + salt + "$" + key + "$x", ErrMalformedHash},
		{"bad version", "$argon2id$v=x$m=64,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"reordered params", "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"missing param", "$argon2id$v=19$m=64,t=1$" + salt + "$" + key, ErrMalformedHash},
		{"extra param", "$argon2id$v=19$m=64,t=1,p=1,k=2$" + salt + "$" + key, ErrMalformedHash},
		{"leading zero", "$argon2id$v=19$m=064,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"signed", "$argon2id$v=19$m=+64,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"negative", "$argon2id$v=19$m=64,t=-1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"empty number", "$argon2id$v=19$m=,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"zero iterations", "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"zero lanes", "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key, ErrMalformedHash},
		{"p overflows uint8", "$argon2id$v=19$m=64,t=1,p=256$" + salt + "$" + key, ErrMalformedHash},
		{"m overflows uint32", "$argon2id$v=19$m=4294967296,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"huge memory", "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"huge iterations", "$argon2id$v=19$m=64,t=4294967295,p=1$" + salt + "$" + key, ErrMalformedHash},
		{"memory under 8p", "$argon2id$v=19$m=64,t=1,p=9$" + salt + "$" + key, ErrMalformedHash},
		{"padded salt", "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ=$" + key, ErrMalformedHash},
		{"url base64", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$ZVrRXqxlLcWfcXCnMyv0m4Rpvh_bnCi7", ErrMalformedHash},
		{"newline in hash", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$ZVrRXqxlLcWfcXCn\nMyv0m4Rpvh/bnCi7", ErrMalformedHash},
		{"non-canonical trailing bits", "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHR$" + key, ErrMalformedHash},
		{"short salt", "$argon2id$v=19$m=64,t=1,p=1$c29tZQ$" + key, ErrMalformedHash},
		{"short key", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$ZVrRXqxlLcWfcXCn", ErrMalformedHash},
		{"empty key", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$", ErrMalformedHash},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := Verify("password", tt.enc)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify error = %v, want %v", err, tt.want)
			}
			if ok || rehash {
				t.Fatalf("Verify = ok %v, rehash %v alongside an error", ok, rehash)
			}
		})
	}
}

// FuzzVerify checks that no encoding makes Verify panic, and that whatever
// decodes re-encodes to the same string (there is one spelling per hash).
func FuzzVerify(f *testing.F) {
	f.Add("password", "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$ZVrRXqxlLcWfcXCnMyv0m4Rpvh/bnCi7")
	f.Add("", "$argon2id$v=19$m=64,t=2,p=1$c29tZXNhbHQ$Bo1ismRVk2qm6+YAYLCmWHDb+j3fjUH3")
	f.Add("x", "$argon2id$v=19$m=4294967295,t=1,p=255$$")
	f.Add("x", "$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHQ$")
	f.Add("x", "$$$$$")
	f.Fuzz(func(t *testing.T, pw, enc string) {
		p, salt, key, err := decode(enc)
		if err != nil {
			if _, _, verr := Verify(pw, enc); verr == nil {
				t.Fatalf("decode failed (%v) but Verify did not", err)
			}
			return
		}
		if got := encode(p, salt, key); got != enc {
			t.Fatalf("re-encoding %q gave %q", enc, got)
		}
		// Only run argon2 when it is cheap, so the fuzzer spends its time on
		// parsing; the limits that bound the expensive cases are tested above.
		if p.Memory > 256 || p.Iterations > 2 || p.Parallelism > 4 {
			return
		}
		if _, _, err := Verify(pw, enc); err != nil {
			t.Fatalf("Verify(%q) = %v after decode succeeded", enc, err)
		}
	})
}

func BenchmarkHashDefault(b *testing.B) {
	for b.Loop() {
		if _, err := Hash("una password robusta", DefaultParams); err != nil {
			b.Fatal(err)
		}
	}
}
