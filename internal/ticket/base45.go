package ticket

import (
	"errors"
	"fmt"
)

// Base45 (RFC 9285) is implemented here rather than imported: the Go
// libraries for it are small single-author modules that the module proxy
// used by this project does not serve (or that sit inside large
// kitchen-sink modules), the RFC is a page long, and keeping it in ~60
// lines lets us make decoding strict (see decodeBase45), which the format
// relies on.

// base45Alphabet is the RFC 9285 alphabet: exactly the 45 characters of the
// QR alphanumeric mode, so a payload never forces the QR into byte mode.
const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// base45Value maps a character to its value, or -1 outside the alphabet.
var base45Value = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := range len(base45Alphabet) {
		t[base45Alphabet[i]] = int8(i)
	}
	return t
}()

// encodeBase45 encodes src per RFC 9285: each pair of bytes n = a*256+b
// becomes c, d, e with n = c + d*45 + e*45², written c d e; a trailing
// byte becomes two characters c d.
func encodeBase45(src []byte) string {
	out := make([]byte, 0, len(src)/2*3+2)
	for i := 0; i+1 < len(src); i += 2 {
		n := int(src[i])<<8 | int(src[i+1])
		out = append(out, base45Alphabet[n%45], base45Alphabet[n/45%45], base45Alphabet[n/2025])
	}
	if len(src)%2 == 1 {
		n := int(src[len(src)-1])
		out = append(out, base45Alphabet[n%45], base45Alphabet[n/45])
	}
	return string(out)
}

// errBase45Length is returned for inputs whose length is 1 mod 3: no byte
// string encodes to them.
var errBase45Length = errors.New("base45: length is 1 mod 3")

// decodeBase45 reverses encodeBase45. It is strict, as RFC 9285 section 4.4
// requires: characters outside the alphabet, a dangling single character
// and groups whose value overflows (above 65535 for three characters,
// above 255 for a final two) are errors. Strictness makes the encoding
// canonical: every accepted string is the encoding of exactly one byte
// string, so two different payload strings are never the same ticket.
func decodeBase45(s string) ([]byte, error) {
	if len(s)%3 == 1 {
		return nil, errBase45Length
	}
	out := make([]byte, 0, len(s)/3*2+1)
	for i := 0; i < len(s); i += 3 {
		group := s[i:min(i+3, len(s))]
		n := 0
		for j := len(group) - 1; j >= 0; j-- {
			v := base45Value[group[j]]
			if v < 0 {
				return nil, fmt.Errorf("base45: character %q at %d is outside the alphabet", group[j], i+j)
			}
			n = n*45 + int(v)
		}
		switch {
		case len(group) == 3 && n > 0xFFFF:
			return nil, fmt.Errorf("base45: group at %d overflows 16 bits", i)
		case len(group) == 2 && n > 0xFF:
			return nil, fmt.Errorf("base45: final group at %d overflows 8 bits", i)
		case len(group) == 3:
			out = append(out, byte(n>>8), byte(n))
		default:
			out = append(out, byte(n))
		}
	}
	return out, nil
}
