// Package ticket is the VT1 ticket core shared by the server and the gate
// scanner: the signed claims a QR carries, their encoding, signing keys and
// their rotation, verification with a refusal reason, and the QR image.
//
// A payload is "VT1:" + base45(protobuf(claims) || Ed25519 signature), the
// signature being over "VT1" || protobuf(claims); docs/ticket-format.md is
// the full specification, with a test vector. The package takes every
// instant as a parameter (never the wall clock), so verification decisions
// are reproducible and testable.
package ticket
