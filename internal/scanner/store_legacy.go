package scanner

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// legacyState is state.json as the store before bbolt wrote it.
type legacyState struct {
	Version    int                  `json:"version"`
	ServerURL  string               `json:"server_url"`
	Credential string               `json:"credential"`
	EnrolledAt time.Time            `json:"enrolled_at"`
	Settings   Settings             `json:"settings"`
	Keys       []PublicKey          `json:"keys"`
	Revoked    map[string]time.Time `json:"revoked"`
	Presences  map[string]Presence  `json:"presences"`
	Cursor     string               `json:"cursor"`
	LastSync   time.Time            `json:"last_sync"`
	// AppliedSeq: queue lines above it were not yet folded into Presences.
	AppliedSeq    uint64 `json:"applied_seq"`
	DeviceRevoked bool   `json:"device_revoked"`
}

// importLegacy imports state.json and queue.jsonl, when they are there and
// were not imported yet. A state.json that cannot be read does not strand
// the queue: the queue is imported all the same (the server sends the
// rest again), and the credential comes from identity.json if any.
func (s *Store) importLegacy(done bool, rec *recovery) error {
	statePath, queuePath := filepath.Join(s.dir, LegacyStateFile), filepath.Join(s.dir, LegacyQueueFile)
	_, serr := os.Stat(statePath)
	_, qerr := os.Stat(queuePath)
	if errors.Is(serr, os.ErrNotExist) && errors.Is(qerr, os.ErrNotExist) {
		return nil
	}
	if done {
		// Imported by an earlier run that stopped before renaming them.
		renameLegacy(s.dir)
		return nil
	}
	var applied uint64
	stateOK := false
	var problems []string
	data, err := os.ReadFile(statePath)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("store: %w", err)
	default:
		var ls legacyState
		if err := json.Unmarshal(data, &ls); err != nil || ls.Version != 1 {
			problems = append(problems, fmt.Sprintf("%s unreadable (%d bytes): credential, keys and presences are fetched again", LegacyStateFile, len(data)))
			break
		}
		stateOK, applied = true, ls.AppliedSeq
		s.st = State{ServerURL: ls.ServerURL, Credential: Secret(ls.Credential), EnrolledAt: ls.EnrolledAt,
			Settings: ls.Settings, Keys: ls.Keys, Cursor: ls.Cursor, LastSync: ls.LastSync, DeviceRevoked: ls.DeviceRevoked}
		s.rev, s.pres = revokedFrom(ls.Revoked), presencesFrom(ls.Presences)
		s.ring, _ = buildRing(s.st.Keys)
	}
	scans, bad, err := readLegacyQueue(queuePath)
	if err != nil {
		return err
	}
	if bad > 0 {
		problems = append(problems, fmt.Sprintf("%d unreadable lines in %s", bad, LegacyQueueFile))
	}
	// Lines above applied_seq had their presence change only in the
	// queue (the old journal); with no readable state, all of them.
	var replay []QueuedScan
	for _, q := range scans {
		if !stateOK || q.Seq > applied {
			replay = append(replay, q)
		}
	}
	for _, q := range replay {
		if q.Next != nil && q.TicketID != "" {
			s.pres.set(q.TicketID, *q.Next)
		}
	}
	s.queueImport(scans, false, rec)
	rec.migrated = true
	detail := fmt.Sprintf("imported %s and %s into %s (%d queued scans); the old files are renamed *.migrated", LegacyStateFile, LegacyQueueFile, DBFile, len(scans))
	for _, p := range problems {
		detail += "; " + p
	}
	rec.add(Incident{Kind: IncidentMigrated, Detail: detail, Recovered: len(scans), Lost: bad})
	return nil
}

// readLegacyQueue reads queue.jsonl line by line, without a line length
// limit, skipping (and counting) lines that do not decode; a torn last
// line of an interrupted append is not counted.
func readLegacyQueue(path string) (scans []QueuedScan, bad int, err error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadBytes('\n')
		if err == io.EOF {
			return scans, bad, nil // a torn tail, if any, was never acknowledged
		}
		if err != nil {
			return nil, 0, fmt.Errorf("store: read %s: %w", LegacyQueueFile, err)
		}
		var q QueuedScan
		if json.Unmarshal(line, &q) != nil || q.ScanID == "" {
			bad++
			continue
		}
		scans = append(scans, q)
	}
}

// renameLegacy moves the imported files aside (kept, not deleted: they are
// small, and a downgrade or a look by hand may want them).
func renameLegacy(dir string) {
	for _, name := range []string{LegacyStateFile, LegacyQueueFile} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			_ = os.Rename(p, p+".migrated")
		}
	}
	_ = syncDir(dir)
}
