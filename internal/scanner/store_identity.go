package scanner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// identity is the content of identity.json: who the device is, in a file
// of its own, rewritten (atomically) only at enrollment, on new settings
// and on revocation. It is the one thing a damaged database must not take
// away: without it the device needs a new enrollment code. It also lets a
// second process (`scanner occupancy`) read the credential without opening
// the database, which the running scanner holds locked.
type identity struct {
	ServerURL     string    `json:"server_url"`
	Credential    string    `json:"credential,omitempty"`
	EnrolledAt    time.Time `json:"enrolled_at,omitzero"`
	Settings      Settings  `json:"settings"`
	DeviceRevoked bool      `json:"device_revoked,omitempty"`
}

func identityOf(st State) identity {
	return identity{ServerURL: st.ServerURL, Credential: string(st.Credential), EnrolledAt: st.EnrolledAt,
		Settings: st.Settings, DeviceRevoked: st.DeviceRevoked}
}

func (id identity) known() bool { return id.Credential != "" || id.DeviceRevoked || id.ServerURL != "" }

// readIdentity reads identity.json; a missing file is os.ErrNotExist, an
// unreadable one errDamaged.
func readIdentity(dir string) (identity, error) {
	var id identity
	data, err := os.ReadFile(filepath.Join(dir, IdentityFile))
	if err != nil {
		return id, err
	}
	if err := json.Unmarshal(data, &id); err != nil {
		return identity{}, fmt.Errorf("%w: %s: %w", errDamaged, IdentityFile, err)
	}
	return id, nil
}

func encodeIdentity(id identity) []byte {
	data, _ := json.MarshalIndent(id, "", " ") // plain types: cannot fail
	return append(data, '\n')
}

// reconcileIdentity makes the database and identity.json agree: a
// credential missing from the database (new, recovered or blank file) is
// taken from identity.json; a damaged identity.json is rewritten from the
// database. blank says the database was new although nothing was
// recovered or migrated into it: with an enrolled identity, that is a lost
// store.
func (s *Store) reconcileIdentity(blank bool, rec *recovery) {
	id, err := readIdentity(s.dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return
	case err != nil:
		rec.add(Incident{Kind: IncidentIdentity, Detail: fmt.Sprintf("%v; rewritten from %s", err, DBFile)})
		return
	}
	s.savedIdentity = encodeIdentity(id)
	if blank && id.known() {
		rec.add(Incident{Kind: IncidentMissing,
			Detail: DBFile + " is missing although the device was enrolled: offline scans queued before are lost; keys, revocations and presences are fetched again"})
	}
	if s.st.Credential != "" || s.st.DeviceRevoked {
		return // the database knows; identity.json follows it at the next save
	}
	if id.DeviceRevoked {
		s.st.DeviceRevoked = true
		rec.changed = true
		return
	}
	if id.Credential == "" {
		return
	}
	s.st.Credential, s.st.EnrolledAt = Secret(id.Credential), id.EnrolledAt
	if s.st.ServerURL == "" {
		s.st.ServerURL = id.ServerURL
	}
	if s.st.Settings.DeviceID == "" {
		s.st.Settings = id.Settings
	}
	rec.changed = true
}

// saveIdentityLocked rewrites identity.json when the identity changed.
func (s *Store) saveIdentityLocked() error {
	id := identityOf(s.st)
	if !id.known() && s.savedIdentity == nil {
		return nil // never enrolled: nothing to keep
	}
	data := encodeIdentity(id)
	if bytes.Equal(data, s.savedIdentity) {
		return nil
	}
	if err := writeFileAtomic(s.dir, IdentityFile, data); err != nil {
		return err
	}
	s.savedIdentity = data
	return nil
}

// writeFileAtomic replaces dir/name with data so that a crash at any point
// leaves either the old or the new content, never a mix: the data is
// fsynced in a temporary file before the rename, and the directory after
// it so that the rename itself survives a power cut.
func writeFileAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, name+".*.tmp") // created 0600
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(fileMode); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	if _, err = f.Write(data); err != nil {
		return fmt.Errorf("store: write %s: %w", name, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("store: sync %s: %w", name, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("store: close %s: %w", name, err)
	}
	if err = os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("store: sync directory: %w", err)
	}
	return nil
}
