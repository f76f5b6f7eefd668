// Package password hashes and verifies citizen passwords with argon2id and
// checks new passwords against Varco's minimal strength policy.
//
// Hashes are stored in the PHC string format
//
//	$argon2id$v=19$m=19456,t=2,p=1$<base64 salt>$<base64 hash>
//
// so that every hash carries the parameters it was made with. This lets the
// cost be raised later without invalidating existing accounts: Verify reports
// needsRehash for hashes made with other parameters and the caller re-hashes
// the password (which it has in clear at that moment) after a successful login.
package password

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters recorded in every hash.
type Params struct {
	// Memory is the memory cost in KiB.
	Memory uint32
	// Iterations is the number of passes over the memory (argon2 "t").
	Iterations uint32
	// Parallelism is the number of lanes (argon2 "p").
	Parallelism uint8
	// SaltLen is the length in bytes of the random salt.
	SaltLen uint32
	// KeyLen is the length in bytes of the derived hash.
	KeyLen uint32
}

// DefaultParams are the parameters used for new hashes: the OWASP Password
// Storage Cheat Sheet's argon2id recommendation (19 MiB, 2 iterations,
// 1 lane), with a 128-bit salt and a 256-bit output. Treat it as read-only;
// it is a variable only because Go has no struct constants.
var DefaultParams = Params{
	Memory:      19 * 1024,
	Iterations:  2,
	Parallelism: 1,
	SaltLen:     16,
	KeyLen:      32,
}

// Limits on the parameters Hash accepts and Verify will compute with. They
// exist because an encoded hash is input too: a corrupted or tampered row
// saying m=4294967295 must produce an error, not a 4 TiB allocation. The upper
// bounds are far above anything sensible for an interactive login.
const (
	// MinSaltLen is the smallest salt accepted (RFC 9106 recommends 16; the
	// PHC format requires at least 8).
	MinSaltLen = 8
	// MaxSaltLen is the largest salt accepted.
	MaxSaltLen = 64
	// MinKeyLen is the smallest derived-key length accepted (128 bits).
	MinKeyLen = 16
	// MaxKeyLen is the largest derived-key length accepted.
	MaxKeyLen = 64
	// MaxMemory is the largest memory cost accepted, in KiB (1 GiB).
	MaxMemory = 1 << 20
	// MaxIterations is the largest iteration count accepted.
	MaxIterations = 64
	// MaxPasswordBytes is the longest password Hash accepts and Verify will
	// compute with. It matches the strength policy so that no stored hash can
	// belong to a longer password, and it bounds the work an attacker can
	// make one login request cost.
	MaxPasswordBytes = 256
)

// Errors returned by Hash and Verify. Errors wrap one of these, so test them
// with errors.Is.
var (
	// ErrInvalidParams means the Params are outside the accepted limits.
	ErrInvalidParams = errors.New("password: invalid argon2id parameters")
	// ErrMalformedHash means the encoded hash is not a well-formed PHC string
	// or records parameters outside the accepted limits.
	ErrMalformedHash = errors.New("password: malformed encoded hash")
	// ErrUnsupported means the encoded hash is well formed but uses another
	// algorithm or argon2 version (only argon2id v=19 is produced or accepted).
	ErrUnsupported = errors.New("password: unsupported hash algorithm or version")
	// ErrTooLong means the password exceeds MaxPasswordBytes.
	ErrTooLong = errors.New("password: password too long")
)

// Validate reports whether p is within the limits above and satisfies
// argon2's own constraints (at least one pass, one lane and 8 KiB per lane).
// It returns an error wrapping ErrInvalidParams otherwise.
func (p Params) Validate() error {
	switch {
	case p.Iterations < 1 || p.Iterations > MaxIterations:
		return fmt.Errorf("%w: iterations %d not in [1,%d]", ErrInvalidParams, p.Iterations, MaxIterations)
	case p.Parallelism < 1:
		return fmt.Errorf("%w: parallelism must be at least 1", ErrInvalidParams)
	// argon2 needs 8 KiB per lane; x/crypto would silently round up and the
	// recorded m would then lie about the cost actually used.
	case p.Memory < 8*uint32(p.Parallelism) || p.Memory > MaxMemory:
		return fmt.Errorf("%w: memory %d KiB not in [%d,%d]", ErrInvalidParams, p.Memory, 8*uint32(p.Parallelism), MaxMemory)
	case p.SaltLen < MinSaltLen || p.SaltLen > MaxSaltLen:
		return fmt.Errorf("%w: salt length %d not in [%d,%d]", ErrInvalidParams, p.SaltLen, MinSaltLen, MaxSaltLen)
	case p.KeyLen < MinKeyLen || p.KeyLen > MaxKeyLen:
		return fmt.Errorf("%w: key length %d not in [%d,%d]", ErrInvalidParams, p.KeyLen, MinKeyLen, MaxKeyLen)
	}
	return nil
}

// Hasher hashes with fixed Params and verifies against them. The zero value
// is not usable; use Hasher{Params: DefaultParams} (which is what the
// package-level functions do) or, in tests, cheap parameters.
type Hasher struct {
	// Params are used for new hashes and are the reference for needsRehash.
	Params Params
}

// Hash derives an argon2id hash of password with a fresh random salt and
// returns it in PHC string format.
func (h Hasher) Hash(password string) (string, error) {
	if err := h.Params.Validate(); err != nil {
		return "", err
	}
	if len(password) > MaxPasswordBytes {
		return "", ErrTooLong
	}
	salt := make([]byte, h.Params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password: reading salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, h.Params.Iterations, h.Params.Memory, h.Params.Parallelism, h.Params.KeyLen)
	return encode(h.Params, salt, key), nil
}

// Verify reports whether password matches the encoded hash, and whether the
// hash was made with parameters other than h.Params and should be replaced
// by h.Hash(password) now that the password is known to be right.
// needsRehash is only meaningful when ok is true.
//
// A malformed or unsupported encoding yields an error (wrapping
// ErrMalformedHash or ErrUnsupported), never a panic; a password longer than
// MaxPasswordBytes simply does not match, since no such hash can exist.
//
// Verify costs one full argon2id computation. To avoid revealing whether an
// account exists, callers should spend the same time for unknown accounts,
// e.g. by calling Hash on the submitted password and discarding the result.
func (h Hasher) Verify(password, encoded string) (ok bool, needsRehash bool, err error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, false, err
	}
	if len(password) > MaxPasswordBytes {
		return false, false, nil
	}
	got := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, p.KeyLen)
	// Constant-time so that the comparison does not leak how many leading
	// bytes of the stored hash an attacker's guess matched.
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	return true, p != h.Params, nil
}

// Hash hashes password with the parameters p (normally DefaultParams).
// See Hasher.Hash.
func Hash(password string, p Params) (string, error) {
	return Hasher{Params: p}.Hash(password)
}

// Verify checks password against encoded; needsRehash is true when the hash's
// parameters differ from DefaultParams. See Hasher.Verify.
func Verify(password, encoded string) (ok bool, needsRehash bool, err error) {
	return Hasher{Params: DefaultParams}.Verify(password, encoded)
}

// b64 is the PHC format's base64: standard alphabet, no padding. Strict
// rejects non-zero trailing bits, so each hash has exactly one encoding.
var b64 = base64.RawStdEncoding.Strict()

func encode(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Iterations, p.Parallelism,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decode parses a PHC argon2id string strictly: exactly the form encode
// produces, so that a stored hash has a single valid spelling and parsing
// cannot be tricked by optional fields, reordering or leading zeros.
func decode(encoded string) (p Params, salt, key []byte, err error) {
	fields := strings.Split(encoded, "$")
	if len(fields) < 2 || fields[0] != "" {
		return p, nil, nil, fmt.Errorf("%w: not a PHC string", ErrMalformedHash)
	}
	// The algorithm is checked before the field count so that a hash from
	// another scheme (e.g. a bcrypt "$2b$..." imported from a legacy system)
	// is reported as unsupported rather than as corrupt.
	if fields[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: algorithm %.20q", ErrUnsupported, fields[1])
	}
	if len(fields) != 6 {
		return p, nil, nil, fmt.Errorf("%w: want 5 '$'-separated fields", ErrMalformedHash)
	}
	v, ok := strings.CutPrefix(fields[2], "v=")
	if !ok {
		return p, nil, nil, fmt.Errorf("%w: missing version", ErrMalformedHash)
	}
	version, err := parseDecimal(v, 32)
	if err != nil {
		return p, nil, nil, fmt.Errorf("%w: version: %v", ErrMalformedHash, err)
	}
	if version != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: argon2 version %d", ErrUnsupported, version)
	}

	parts := strings.Split(fields[3], ",")
	if len(parts) != 3 {
		return p, nil, nil, fmt.Errorf("%w: want m,t,p parameters", ErrMalformedHash)
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		s, ok := strings.CutPrefix(parts[i], name)
		if !ok {
			return p, nil, nil, fmt.Errorf("%w: parameter %d is not %s", ErrMalformedHash, i, name)
		}
		bits := 32
		if name == "p=" {
			bits = 8
		}
		if vals[i], err = parseDecimal(s, bits); err != nil {
			return p, nil, nil, fmt.Errorf("%w: %s%s: %v", ErrMalformedHash, name, s, err)
		}
	}

	if salt, err = decodeB64(fields[4]); err != nil {
		return p, nil, nil, fmt.Errorf("%w: salt: %v", ErrMalformedHash, err)
	}
	if key, err = decodeB64(fields[5]); err != nil {
		return p, nil, nil, fmt.Errorf("%w: hash: %v", ErrMalformedHash, err)
	}
	p = Params{
		Memory:      uint32(vals[0]),
		Iterations:  uint32(vals[1]),
		Parallelism: uint8(vals[2]),
		SaltLen:     uint32(len(salt)),
		KeyLen:      uint32(len(key)),
	}
	// The same limits as for Hash: anything Hash can produce decodes, and
	// nothing decodes that would make Verify allocate or loop without bound.
	if err := p.Validate(); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: %v", ErrMalformedHash, err)
	}
	return p, salt, key, nil
}

// parseDecimal parses a canonical unsigned decimal (no sign, no leading
// zeros, as the PHC format requires) that fits in bits.
func parseDecimal(s string, bits int) (uint64, error) {
	if len(s) > 1 && s[0] == '0' {
		return 0, errors.New("leading zero")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, errors.New("not a decimal number")
		}
	}
	return strconv.ParseUint(s, 10, bits)
}

// decodeB64 decodes unpadded standard base64 and rejects any spelling other
// than the canonical one (the decoder would otherwise skip CR/LF).
func decodeB64(s string) ([]byte, error) {
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, err
	}
	if b64.EncodeToString(b) != s {
		return nil, errors.New("non-canonical base64")
	}
	return b, nil
}
