package token

import (
	"crypto/rand"
	"fmt"
	"strings"
	"unicode"
)

// CodeAlphabet is the alphabet of human-friendly codes (booking codes,
// enrollment codes): 22 symbols chosen to survive being read aloud over the
// phone, handwritten, or typed from a printout. It leaves out both sides of
// every common confusion: 0/O/Q, 1/I/L, 2/Z, 5/S, 6/G, 8/B, and lower case
// altogether (NormalizeCode upper-cases input instead). With O and 0 gone, D
// has nothing left to be mistaken for. Each symbol carries log2(22) ≈ 4.46
// bits.
//
// Code length is the caller's choice and should follow the code's role: a
// booking code is an identifier shown alongside an authenticated session,
// where 8 symbols (≈ 35.7 bits, 5.5e10 codes) make collisions rare and
// enumeration pointless; an enrollment code is a one-time secret and should
// use at least 12 symbols (≈ 53.5 bits) together with a short expiry and
// throttled redemption.
const CodeAlphabet = "ACDEFHJKMNPRTUVWXY3479"

// MaxCodeLen is the longest code NewCode makes.
const MaxCodeLen = 64

// codeGroup is the group size used by FormatCode.
const codeGroup = 4

// NewCode returns n symbols drawn uniformly from CodeAlphabet with crypto/rand,
// without separators (store and compare this form; display FormatCode's).
func NewCode(n int) (string, error) {
	if n < 1 || n > MaxCodeLen {
		return "", fmt.Errorf("token: code length %d not in [1,%d]", n, MaxCodeLen)
	}
	// Rejection sampling: bytes ≥ limit are discarded so that every symbol is
	// equally likely (a plain b % 22 would favour the first 256 % 22 = 14
	// symbols). About 5% of bytes are rejected, so 2n bytes nearly always
	// suffice in one read.
	const size = len(CodeAlphabet)
	const limit = 256 - 256%size
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return "", fmt.Errorf("token: reading random bytes: %w", err)
		}
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			out = append(out, CodeAlphabet[int(b)%size])
			if len(out) == n {
				break
			}
		}
	}
	return string(out), nil
}

// FormatCode normalizes code (see NormalizeCode) and splits it into groups
// of 4 joined by dashes for display: "ACDE-FHJK-MNPR". Grouping is only
// presentation; NormalizeCode undoes it.
func FormatCode(code string) string {
	code = NormalizeCode(code)
	var b strings.Builder
	b.Grow(len(code) + len(code)/codeGroup)
	for i := 0; i < len(code); i += codeGroup {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(code[i:min(i+codeGroup, len(code))])
	}
	return b.String()
}

// NormalizeCode turns a code as a person typed or pasted it into the stored
// form: ASCII letters upper-cased, and dashes (including the Unicode dashes
// word processors and e-mail clients substitute) and white space removed.
// Other characters are kept, so an invalid code stays invalid; check the
// result with ValidCode.
func NormalizeCode(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case 'a' <= r && r <= 'z':
			// ASCII only: strings.ToUpper would also turn e.g. the Turkish
			// dotless 'ı' into 'I' and the long 'ſ' into 'S', making
			// different inputs collide.
			b.WriteRune(r - 'a' + 'A')
		case r == '-' || unicode.IsSpace(r) || unicode.Is(unicode.Pd, r) || r == '\u2212':
			// Pd covers hyphen, non-breaking hyphen, en and em dashes, the
			// full-width hyphen-minus...; U+2212 is the minus sign.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// ValidCode reports whether s, after NormalizeCode, is exactly n symbols of
// CodeAlphabet (n ≥ 1). Use it to reject typos before a database lookup.
func ValidCode(s string, n int) bool {
	s = NormalizeCode(s)
	if n < 1 || len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(CodeAlphabet, s[i]) < 0 {
			return false
		}
	}
	return true
}
