// Package store holds what every storage implementation shares: the
// sentinel errors domain code checks for. Implementations live in
// subpackages (sqlite today, PostgreSQL later) and run the same
// conformance tests.
package store

import "errors"

// ErrNotFound means no row matched; implementations wrap it with context.
var ErrNotFound = errors.New("not found")

// ErrConflict means a unique value is already taken.
var ErrConflict = errors.New("conflict")
