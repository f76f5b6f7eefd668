package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// session is what login keeps for one server.
type session struct {
	Token     string    `json:"token"`
	Login     string    `json:"login"`
	ExpiresAt time.Time `json:"expires_at"`
}

// sessionStore is session.json in the user's config directory: one session
// per server URL, so switching --server switches account too. The file
// holds bearer tokens, hence mode 0600 in a 0700 directory.
type sessionStore struct{ path string }

type sessionFile struct {
	Sessions map[string]session `json:"sessions"`
}

// sessions returns the store: $VARCO_CONFIG_DIR/session.json, or
// varco/session.json under os.UserConfigDir.
func (c *cli) sessions() (*sessionStore, error) {
	dir := c.getenv("VARCO_CONFIG_DIR")
	if dir == "" {
		base, err := os.UserConfigDir()
		if err != nil {
			return nil, fmt.Errorf("no config directory for the session (set VARCO_CONFIG_DIR): %w", err)
		}
		dir = filepath.Join(base, "varco")
	}
	return &sessionStore{path: filepath.Join(dir, "session.json")}, nil
}

// serverKey makes "http://host:8080/" and "http://host:8080" one server.
func serverKey(server string) string { return strings.TrimRight(strings.TrimSpace(server), "/") }

func (s *sessionStore) read() (sessionFile, error) {
	f := sessionFile{Sessions: map[string]session{}}
	b, err := os.ReadFile(s.path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("read session: %w", err)
	}
	if err := json.Unmarshal(b, &f); err != nil {
		return f, fmt.Errorf("read session %s: %w (delete the file and log in again)", s.path, err)
	}
	if f.Sessions == nil {
		f.Sessions = map[string]session{}
	}
	return f, nil
}

// get returns the session for server, if any.
func (s *sessionStore) get(server string) (session, bool, error) {
	f, err := s.read()
	if err != nil {
		return session{}, false, err
	}
	got, ok := f.Sessions[serverKey(server)]
	return got, ok, nil
}

// put stores (or, with a zero session, removes) the session for server.
func (s *sessionStore) put(server string, sess session) error {
	f, err := s.read()
	if err != nil {
		return err
	}
	if sess.Token == "" {
		delete(f.Sessions, serverKey(server))
	} else {
		f.Sessions[serverKey(server)] = sess
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return writePrivate(s.path, append(b, '\n'))
}

// writePrivate replaces path atomically with a 0600 file: a crash never
// leaves a half-written session file, and the token is never readable by
// others, not even for a moment (CreateTemp makes the file 0600).
func writePrivate(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".session-*.json")
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	defer os.Remove(tmp.Name()) // after the rename this is a no-op
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("save session: %w", err)
	}
	// Explicit, in case CreateTemp's mode ever changes or the platform
	// ignores it.
	if err := tmp.Chmod(0o600); err != nil && !errors.Is(err, errors.ErrUnsupported) {
		tmp.Close()
		return fmt.Errorf("save session: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}
