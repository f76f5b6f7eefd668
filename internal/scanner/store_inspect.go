package scanner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Status is a read-only look at a store, for `scanner status`.
type Status struct {
	// State is the stored state with the credential removed.
	State State
	// HasCredential tells whether the store holds a credential.
	HasCredential bool
	// Queued is the number of scans waiting for upload.
	Queued int
	// Counters are the queue's counters (zero for the legacy files).
	Counters Counters
	// Incidents are the damage, losses and migrations found so far.
	Incidents []Incident
	// Problem, when set, says the store cannot be read now (the running
	// scanner, or the next start, will move it aside and recover).
	Problem string
	// Legacy says the store is still in the files of the older version.
	Legacy bool
}

// snapshotTries bounds the attempts at a consistent copy of a database a
// running scanner is writing to.
const snapshotTries = 50

// Inspect reads the store in dir without changing it, so that `scanner
// status` is safe to run next to a running scanner. That scanner holds
// store.db locked (bbolt takes an exclusive flock), so Inspect reads a
// copy: the file is read twice in a row until both reads agree, which
// means no transaction committed in between (each commit rewrites a meta
// page with a new transaction id), and the copy is opened read-only.
// A store that cannot be read is reported in Problem, not as an error.
func Inspect(dir string) (Status, error) {
	path := filepath.Join(dir, DBFile)
	data, err := stableRead(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if _, lerr := os.Stat(filepath.Join(dir, LegacyStateFile)); lerr == nil {
			return inspectLegacy(dir)
		}
		if _, lerr := os.Stat(filepath.Join(dir, LegacyQueueFile)); lerr == nil {
			return inspectLegacy(dir)
		}
		return identityStatus(dir, "")
	case err != nil:
		return Status{}, fmt.Errorf("store: %w", err)
	case len(data) == 0:
		return identityStatus(dir, DBFile+" is empty")
	}
	l, err := loadSnapshot(dir, data)
	if err != nil {
		return identityStatus(dir, fmt.Sprintf("%s cannot be read: %v", DBFile, err))
	}
	l.st.Revoked, l.st.Presences = l.rev.all(), l.pres.all()
	st := Status{State: l.st, HasCredential: l.st.Credential != "", Queued: len(l.queue), Counters: l.counters, Incidents: l.incidents}
	st.State.Credential = ""
	return st, nil
}

// stableRead reads a file until two reads in a row agree.
func stableRead(path string) ([]byte, error) {
	prev, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	for range snapshotTries {
		cur, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if bytes.Equal(prev, cur) {
			return cur, nil
		}
		prev = cur
	}
	return nil, errors.New("store: the database kept changing while being read; try again")
}

// loadSnapshot opens a copy of the database (in a private temporary file,
// removed at once) read-only, checks it and loads it. Open probes the real
// file this way too: if bbolt panics on a damaged file it leaves the file
// memory-mapped, and a mapping keeps the file's flock, so the damaged file
// itself must never be the one bbolt opens.
func loadSnapshot(dir string, data []byte) (loaded, error) {
	f, err := os.CreateTemp(dir, "inspect-*.tmp")
	if err != nil {
		// A store directory this user cannot write to: the system's.
		if f, err = os.CreateTemp("", "varco-inspect-*.tmp"); err != nil {
			return loaded{}, fmt.Errorf("store: %w", err)
		}
	}
	defer os.Remove(f.Name())
	_, werr := f.Write(data)
	if err := errors.Join(werr, f.Close()); err != nil {
		return loaded{}, fmt.Errorf("store: %w", err)
	}
	var l loaded
	err = guard(func() error {
		// Read-write (it is a private copy): bbolt then reads the freelist
		// while opening, here, where a fault is caught, rather than in the
		// goroutine of Check, where it would kill the process. For the same
		// reason load, which reads every page in use, comes before Check.
		db, err := boltOpen(f.Name(), false)
		if err != nil {
			return err
		}
		defer db.Close()
		if l, err = load(db); err != nil {
			return err
		}
		return checkDB(db)
	})
	if err != nil && !errors.Is(err, errDamaged) && !errors.Is(err, errNewerLayout) {
		err = fmt.Errorf("%w: %w", errDamaged, err) // bbolt's own checks (invalid, checksum, version)
	}
	return l, err
}

// identityStatus is the status of a store with no readable database.
func identityStatus(dir, problem string) (Status, error) {
	out := Status{Problem: problem}
	id, err := readIdentity(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		out.Problem = joinProblem(out.Problem, err.Error())
	default:
		out.State = State{ServerURL: id.ServerURL, EnrolledAt: id.EnrolledAt, Settings: id.Settings, DeviceRevoked: id.DeviceRevoked}
		out.HasCredential = id.Credential != ""
	}
	return out, nil
}

func joinProblem(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// inspectLegacy reads the files of the older store (a scanner upgraded but
// not started since). Lines of any length are counted.
func inspectLegacy(dir string) (Status, error) {
	out := Status{Legacy: true}
	data, err := os.ReadFile(filepath.Join(dir, LegacyStateFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return Status{}, fmt.Errorf("store: %w", err)
	default:
		var ls legacyState
		if err := json.Unmarshal(data, &ls); err != nil {
			out.Problem = fmt.Sprintf("%s cannot be read: %v", LegacyStateFile, err)
			break
		}
		out.State = State{ServerURL: ls.ServerURL, EnrolledAt: ls.EnrolledAt, Settings: ls.Settings, Keys: ls.Keys,
			Revoked: ls.Revoked, Presences: ls.Presences, Cursor: ls.Cursor, LastSync: ls.LastSync, DeviceRevoked: ls.DeviceRevoked}
		out.HasCredential = ls.Credential != ""
	}
	scans, bad, err := readLegacyQueue(filepath.Join(dir, LegacyQueueFile))
	if err != nil {
		return Status{}, err
	}
	out.Queued = len(scans)
	if bad > 0 {
		out.Problem = joinProblem(out.Problem, fmt.Sprintf("%d unreadable lines in %s", bad, LegacyQueueFile))
	}
	return out, nil
}

// ReadIdentity reads the credential, server and gate settings from the
// store in dir without opening the database (which a running scanner
// holds), so a second process (the occupancy display) can run next to it.
func ReadIdentity(dir string) (Secret, string, Settings, error) {
	id, err := readIdentity(dir)
	if errors.Is(err, os.ErrNotExist) {
		// A store not yet migrated from the older files.
		data, lerr := os.ReadFile(filepath.Join(dir, LegacyStateFile))
		if lerr != nil {
			return "", "", Settings{}, fmt.Errorf("store: %w", err)
		}
		var ls legacyState
		if err := json.Unmarshal(data, &ls); err != nil {
			return "", "", Settings{}, fmt.Errorf("store: %s: %w", LegacyStateFile, err)
		}
		id = identity{ServerURL: ls.ServerURL, Credential: ls.Credential, Settings: ls.Settings, DeviceRevoked: ls.DeviceRevoked}
	} else if err != nil {
		return "", "", Settings{}, fmt.Errorf("store: %w", err)
	}
	switch {
	case id.DeviceRevoked:
		return "", "", Settings{}, ErrDeviceRevoked
	case id.Credential == "":
		return "", "", Settings{}, ErrNotEnrolled
	}
	return Secret(id.Credential), id.ServerURL, id.Settings, nil
}
