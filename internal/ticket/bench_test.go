package ticket

import (
	"crypto/ed25519"
	"testing"
)

// The three benchmarks share their inputs, so BenchmarkEd25519Verify is the
// same-run floor for BenchmarkVerify: the difference is what base45,
// protobuf and the key lookup cost on top of the signature check.

func BenchmarkVerify(b *testing.B) {
	k := seedKey(b, 1, t0)
	keys := ring(b, k)
	payload, err := typicalClaims().Encode(k)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(payload, keys, t0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEd25519Verify(b *testing.B) {
	k := seedKey(b, 1, t0)
	payload, err := typicalClaims().Encode(k)
	if err != nil {
		b.Fatal(err)
	}
	raw, sig := splitPayload(b, payload)
	msg := signedMessage(raw)
	b.ReportAllocs()
	for b.Loop() {
		if !ed25519.Verify(k.Public, msg, sig) {
			b.Fatal("signature does not verify")
		}
	}
}

func BenchmarkSign(b *testing.B) {
	k := seedKey(b, 1, t0)
	c := typicalClaims()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Encode(k); err != nil {
			b.Fatal(err)
		}
	}
}
