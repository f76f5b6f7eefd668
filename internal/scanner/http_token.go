package scanner

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// HTTPTokenFile holds, in the store directory, the pairing code the page
// asks of phones when it is reachable from the LAN and no --http-token was
// given: made once, so a phone paired once stays paired across restarts.
const HTTPTokenFile = "http-token"

// HTTPToken returns the page's pairing code kept in dir, making it (128
// random bits, mode 0600) the first time.
func HTTPToken(dir string) (string, error) {
	path := filepath.Join(dir, HTTPTokenFile)
	b, err := os.ReadFile(path)
	if err == nil && strings.TrimSpace(string(b)) != "" {
		return strings.TrimSpace(string(b)), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("page pairing code: %w", err)
	}
	raw := make([]byte, 16)
	_, _ = rand.Read(raw) // never fails (crypto/rand)
	tok := strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(raw))
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("page pairing code: %w", err)
	}
	return tok, nil
}
