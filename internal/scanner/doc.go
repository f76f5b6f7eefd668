// Package scanner is the logic of a Varco gate device: it reads QR payloads
// from a handheld scanner or a small local web page, asks the server to
// decide each scan (GateService.Scan, the one source of truth across
// gates), and when the server cannot be reached decides the scan itself
// with the very same rules (gate.Decide) over a local copy of what it
// needs: the public ticket keys, the revoked tickets and the known gate
// state of each ticket. Scans decided offline are queued on disk and
// uploaded (GateService.UploadScans) once the server answers again; scan
// ids make those uploads idempotent.
//
// The local store is one bbolt database in one directory (see Store), an
// embedded database in pure Go, so the program cross-compiles with
// CGO_ENABLED=0 for the ARM handhelds and gate boxes it runs on.
//
// Every instant comes from an injected clock.Clock and every random choice
// (scan ids, backoff jitter) from injected functions, so the package is
// tested without sleeping.
package scanner
