//go:build !linux && !darwin

package main

import (
	"errors"
	"os"
)

// noEcho is not available here: the password is read from stdin as typed,
// so prefer VARCO_PASSWORD on this platform.
func noEcho(*os.File) (func(), error) {
	return nil, errors.New("terminal echo control not supported on this platform")
}
