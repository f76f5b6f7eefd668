package scanner

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/gate"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// offlineSetup is an enrolled store that has followed Sync (cursor "c1")
// and then let a ticket in offline: the evidence a damaged store must not
// lose.
type offlineSetup struct {
	dir      string
	payload  string
	ticketID string
	scanIDs  []string
}

func setupOffline(t *testing.T) offlineSetup {
	t.Helper()
	k := testKey(t, 1)
	st := newStore(t, gate.GateBoth, k)
	require.NoError(t, st.ApplySync(&varcov1.SyncResponse{Cursor: "c1"}, t0))
	s := newTestScanner(st, &fakeGate{}, clock.NewFake(t0))
	payload, ticketID := sign(t, k, tourID)
	r, err := s.Decide(context.Background(), payload, gate.Entry)
	require.NoError(t, err)
	require.Equal(t, gate.Accepted, r.Verdict)
	other, _ := sign(t, k, tourID)
	r2, err := s.Decide(context.Background(), other, gate.Entry)
	require.NoError(t, err)
	require.NoError(t, st.Close())
	return offlineSetup{dir: st.Dir(), payload: payload, ticketID: ticketID, scanIDs: []string{r.ScanID, r2.ScanID}}
}

// reopen opens the store again as a restarted scanner would, and checks
// the ticket let in before is still refused (anti-passback kept).
func (o offlineSetup) reopen(t *testing.T, wantInside bool) (*Store, *fakeGate) {
	t.Helper()
	st, err := Open(o.dir)
	require.NoError(t, err, "a damaged store never stops the scanner")
	t.Cleanup(func() { _ = st.Close() })
	g := &fakeGate{}
	k := testKey(t, 1)
	if _, ok := st.Get(k.ID); !ok {
		// Keys were not recovered: the re-sync brings them back.
		require.NoError(t, st.ApplySync(&varcov1.SyncResponse{Reset_: true, Cursor: "c2",
			Keys: []*varcov1.TicketKey{{KeyId: k.ID, PublicKey: k.Public}}}, t0))
	}
	if wantInside {
		r, err := newTestScanner(st, g, clock.NewFake(t0.Add(time.Minute))).Decide(context.Background(), o.payload, gate.Entry)
		require.NoError(t, err)
		require.Equal(t, gate.ReasonAlreadyInside, r.Reason, "a ticket let in offline is not let in again")
	}
	return st, g
}

func kinds(in []Incident) []string {
	var out []string
	for _, i := range in {
		out = append(out, i.Kind)
	}
	return out
}

func statusText(t *testing.T, dir string) string {
	t.Helper()
	status, err := Inspect(dir)
	require.NoError(t, err, "status never fails on a damaged store")
	var out strings.Builder
	require.NoError(t, English.WriteStatus(&out, status, t0, time.UTC))
	return out.String()
}

// A store.db that cannot be read is moved aside, not started over silently:
// the credential comes back from identity.json, the queue from what can be
// read of the damaged file, the rest from a full Sync (cursor reset), and
// the incident is reported by Open and by `scanner status`.
func TestDamagedStoreKeepsTheQueueAndResyncs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// damage changes the closed store's files.
		damage func(t *testing.T, path string)
		kind   string
		// queue is how many queued scans survive.
		queue int
	}{
		{"meta pages wiped", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = f.WriteAt(make([]byte, 2*dbPageSize), 0)
			require.NoError(t, err)
			require.NoError(t, f.Close())
		}, IncidentDamaged, 2},
		{"garbled throughout", func(t *testing.T, path string) {
			fi, err := os.Stat(path)
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, bytes.Repeat([]byte("garbage!"), int(fi.Size())/8), 0o600))
		}, IncidentDamaged, 0},
		{"truncated", func(t *testing.T, path string) {
			// Cut after the meta pages: what they point to is past the end
			// of the file, which bbolt reads through a memory map.
			require.NoError(t, os.Truncate(path, 3*dbPageSize))
		}, IncidentDamaged, 2},
		{"emptied", func(t *testing.T, path string) {
			require.NoError(t, os.Truncate(path, 0))
		}, IncidentMissing, 0},
		{"deleted", func(t *testing.T, path string) {
			require.NoError(t, os.Remove(path))
		}, IncidentMissing, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := setupOffline(t)
			tc.damage(t, filepath.Join(o.dir, DBFile))

			st, g := o.reopen(t, tc.queue > 0)
			require.Equal(t, []string{tc.kind}, kinds(st.Found()))
			require.True(t, st.Enrolled(), "the credential survives in identity.json")
			if tc.queue > 0 {
				var ids []string
				for _, q := range queueOf(t, st, tc.queue) {
					ids = append(ids, q.ScanID)
				}
				require.Equal(t, o.scanIDs, ids, "queued scans recovered, in order")
				require.Equal(t, tc.queue+1, st.QueueLen(), "and the refusal after the restart queued behind them")
			} else {
				require.Zero(t, st.QueueLen())
			}
			if tc.kind == IncidentDamaged {
				aside, err := filepath.Glob(filepath.Join(o.dir, DBFile+".damaged-*"))
				require.NoError(t, err)
				require.Len(t, aside, 1, "the damaged file is kept")
				require.Equal(t, aside[0], st.Found()[0].File)
			}

			// A full re-sync: the first Sync asks from no cursor.
			if _, ok := st.Get(testKey(t, 1).ID); !ok || st.Cursor() == "" {
				s := newTestScanner(st, g, clock.NewFake(t0))
				_ = s.SyncOnce(context.Background(), nil)
				require.Equal(t, []string{""}, g.syncs)
			}

			text := statusText(t, o.dir)
			require.Contains(t, text, "!! ")
			require.Contains(t, text, map[string]string{IncidentDamaged: "STORE DAMAGED", IncidentMissing: "STORE MISSING"}[tc.kind])
		})
	}
}

// Queued scans that disappear from a store that still opens (a bucket
// emptied by damage or by hand) are counted and reported; the ticket they
// let in stays in, because its presence was written with the scan.
func TestEmptiedQueueIsDetected(t *testing.T) {
	t.Parallel()
	o := setupOffline(t)
	editDB(t, o.dir, func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket(bucketQueue); err != nil {
			return err
		}
		_, err := tx.CreateBucket(bucketQueue)
		return err
	})
	st, _ := o.reopen(t, true)
	found := st.Found()
	require.Equal(t, []string{IncidentLost}, kinds(found))
	require.Equal(t, 2, found[0].Lost)
	require.Equal(t, Counters{Queued: 3, Lost: 2}, st.Counters(), "the scan queued after the reopen counts too")
	require.Contains(t, statusText(t, o.dir), "SCANS LOST")
	require.Contains(t, statusText(t, o.dir), "queued / uploaded / lost: 3 / 0 / 2")

	// Reported once, kept in the store for status.
	require.NoError(t, st.Close())
	st, err := Open(o.dir)
	require.NoError(t, err)
	defer st.Close()
	require.Empty(t, st.Found())
	require.Equal(t, []string{IncidentLost}, kinds(st.Incidents()))
}

// Without identity.json nor a readable database the credential is gone:
// that is said plainly, and the recovered queue waits for the new
// enrollment.
func TestLostCredentialIsReported(t *testing.T) {
	t.Parallel()
	o := setupOffline(t)
	require.NoError(t, os.Remove(filepath.Join(o.dir, IdentityFile)))
	f, err := os.OpenFile(filepath.Join(o.dir, DBFile), os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteAt(make([]byte, 2*dbPageSize), 0)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	st, err := Open(o.dir)
	require.NoError(t, err)
	defer st.Close()
	require.Equal(t, []string{IncidentDamaged, IncidentCredentialLost}, kinds(st.Found()))
	require.False(t, st.Enrolled())
	require.Equal(t, 2, st.QueueLen())
	require.Contains(t, statusText(t, o.dir), "CREDENTIAL LOST: enroll the device again")
}

// writeLegacy writes the files of the store before bbolt.
func writeLegacy(t *testing.T, dir, state string, scans ...QueuedScan) {
	t.Helper()
	require.NoError(t, os.MkdirAll(dir, 0o700))
	if state != "-" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, LegacyStateFile), []byte(state), 0o600))
	}
	var q bytes.Buffer
	for _, s := range scans {
		line, err := json.Marshal(s)
		require.NoError(t, err)
		q.Write(append(line, '\n'))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, LegacyQueueFile), q.Bytes(), 0o600))
}

// The files of the older store are imported once (queue entries kept, in
// order, presences of scans not yet folded into state.json replayed) and
// renamed aside. A state.json that is empty or garbled no longer strands
// the queue: the queue is imported, the rest comes from a full Sync.
func TestLegacyFilesAreImported(t *testing.T) {
	t.Parallel()
	inside := &Presence{ResourceID: tourID, State: gate.Inside, EnteredAt: t0}
	exited := &Presence{ResourceID: tourID, State: gate.Exited, EnteredAt: t0, ExitedAt: t0.Add(time.Hour)}
	q1, q2 := queuedScan("s1", "t1", inside), queuedScan("s2", "t2", inside)
	q1.Seq, q2.Seq = 1, 2
	good := fmt.Sprintf(`{"version":1,"server_url":"https://varco.example","credential":%q,"settings":{"device_id":%q,"name":"Ingresso","resource_ids":[%q],"direction":3},"presences":{"t1":{"resource_id":%q,"state":3,"entered_at":"2026-12-06T09:00:00Z","exited_at":"2026-12-06T10:00:00Z"}},"cursor":"c7","applied_seq":1}`,
		credential, testGateDev, tourID, tourID)
	tests := []struct {
		name, state string
		enrolled    bool
		cursor      string
		// t1 is the presence of t1 after the import.
		t1 gate.State
	}{
		{"healthy", good, true, "c7", exited.State}, // applied_seq 1: s1 already folded, a later exit kept
		{"garbled state", "{not json", false, "", gate.Inside},
		{"empty state", "", false, "", gate.Inside},
		{"no state", "-", false, "", gate.Inside},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			writeLegacy(t, dir, tc.state, q1, q2)
			st, err := Open(dir)
			require.NoError(t, err)
			require.Equal(t, 2, st.QueueLen(), "queued scans are never stranded")
			require.Equal(t, tc.enrolled, st.Enrolled())
			require.Equal(t, tc.cursor, st.Cursor())
			_, p := st.Lookup("t1")
			require.Equal(t, tc.t1, p.State)
			_, p = st.Lookup("t2")
			require.Equal(t, gate.Inside, p.State, "a scan above applied_seq is replayed")
			found := kinds(st.Found())
			require.Contains(t, found, IncidentMigrated)
			if !tc.enrolled {
				require.Contains(t, found, IncidentCredentialLost)
			}
			require.NoFileExists(t, filepath.Join(dir, LegacyQueueFile))
			require.FileExists(t, filepath.Join(dir, LegacyQueueFile+".migrated"))
			require.NoError(t, st.Close())

			// Imported once.
			st, err = Open(dir)
			require.NoError(t, err)
			defer st.Close()
			require.Empty(t, st.Found())
			require.Equal(t, 2, st.QueueLen())
		})
	}
}

// `scanner status` reads queue entries of any size: the older status died
// on a queue.jsonl line over 64 KiB, and a queue entry has no size limit
// in the database either.
func TestStatusWithABigQueueEntry(t *testing.T) {
	t.Parallel()
	big := queuedScan("s-big", "t-big", nil)
	big.Payload = "VT1:" + strings.Repeat("A", 100<<10)

	legacy := t.TempDir()
	writeLegacy(t, legacy, `{"version":1}`, big, queuedScan("s2", "t2", nil))
	status, err := Inspect(legacy)
	require.NoError(t, err)
	require.Equal(t, 2, status.Queued)
	require.True(t, status.Legacy)

	st := newStore(t, gate.GateBoth)
	_, err = st.Append(big)
	require.NoError(t, err)
	status, err = Inspect(st.Dir()) // next to the open store, as status runs next to the scanner
	require.NoError(t, err)
	require.Equal(t, 1, status.Queued)
	require.Equal(t, big.Payload, queueOf(t, st, 1)[0].Payload)
}

// Inspect reads a consistent copy while the scanner keeps writing.
func TestInspectWhileScanning(t *testing.T) {
	t.Parallel()
	st := newStore(t, gate.GateBoth)
	done := make(chan error)
	go func() {
		for i := range 200 {
			if _, err := st.Append(queuedScan(fmt.Sprintf("s%d", i), "t", &Presence{State: gate.Inside})); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	for range 20 {
		status, err := Inspect(st.Dir())
		require.NoError(t, err)
		require.Empty(t, status.Problem)
		require.True(t, status.HasCredential)
		require.Equal(t, uint64(status.Queued), status.Counters.Queued, "queue and counters from the same transaction")
	}
	require.NoError(t, <-done)
}

// journalAppend is the durable write of an offline scan in the store before
// bbolt: one JSON line appended and fsynced. It stays here only as the
// baseline of BenchmarkStoreAppend.
func journalAppend(f *os.File, q QueuedScan) error {
	line, err := json.Marshal(q)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		return err
	}
	return f.Sync()
}

// BenchmarkStoreAppend is the durable write of one offline scan: the bbolt
// transaction (queue entry, presence, counters; fsync at commit) against
// the old journal's fsynced line, on the same disk in the same run.
func BenchmarkStoreAppend(b *testing.B) {
	inside := &Presence{ResourceID: tourID, State: gate.Inside, EnteredAt: t0, ExpiresAt: t0.Add(90 * time.Minute)}
	payload, _ := sign(b, testKey(b, 1), tourID)
	scan := func(i int) QueuedScan {
		q := queuedScan(fmt.Sprintf("scan-%d", i), fmt.Sprintf("ticket-%d", i), inside)
		q.Payload = payload
		return q
	}
	b.Run("bbolt", func(b *testing.B) {
		st := newStore(b, gate.GateBoth)
		i := 0
		for b.Loop() {
			if _, err := st.Append(scan(i)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("journal", func(b *testing.B) {
		f, err := os.OpenFile(filepath.Join(b.TempDir(), LegacyQueueFile), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		i := 0
		for b.Loop() {
			if err := journalAppend(f, scan(i)); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}
