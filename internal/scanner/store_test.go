package scanner

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/gate"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

func requireMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, want, fi.Mode().Perm(), path)
}

func TestStateSavedWithPrivateModes(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "gate")
	st, err := Open(dir)
	require.NoError(t, err)
	require.False(t, st.Enrolled())
	k := testKey(t, 1)
	st.Update(func(s *State) {
		s.ServerURL, s.Credential = "https://varco.example", credential
		s.Settings = Settings{DeviceID: testGateDev, Name: "Ingresso nord", ResourceIDs: []string{tourID}, Direction: gate.GateBoth}
		s.Keys = publicKeys(k)
	})
	require.NoError(t, st.Save())
	require.NoError(t, st.Close())

	requireMode(t, dir, dirMode)
	requireMode(t, filepath.Join(dir, DBFile), fileMode)
	requireMode(t, filepath.Join(dir, IdentityFile), fileMode)
	tmps, err := filepath.Glob(filepath.Join(dir, "*.tmp"))
	require.NoError(t, err)
	require.Empty(t, tmps, "the temporary file is renamed, never left behind")

	// An identity write interrupted before its rename leaves a temporary
	// file: it is ignored and cleaned up.
	stale := filepath.Join(dir, IdentityFile+".123.tmp")
	require.NoError(t, os.WriteFile(stale, []byte(`{"credential":"half-writ`), 0o600))
	st, err = Open(dir)
	require.NoError(t, err)
	defer st.Close()
	require.NoFileExists(t, stale)
	require.Empty(t, st.Found(), "a healthy store opens without incidents")
	got := st.State()
	require.True(t, got.Enrolled())
	require.Equal(t, "Ingresso nord", got.Settings.Name)
	key, ok := st.Get(k.ID)
	require.True(t, ok, "the store is the key lookup of offline verification")
	require.Equal(t, k.Public, key.Public)
	require.Nil(t, key.Private)
}

func TestCredentialNeverPrinted(t *testing.T) {
	t.Parallel()
	st := newStore(t, gate.GateBoth)
	s := st.State()
	require.Equal(t, credential, s.Credential.Reveal())
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", s), fmt.Sprintf("%#v", s), fmt.Sprint(s.Credential)} {
		require.NotContains(t, out, credential)
	}
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("state", "credential", s.Credential, "state", s)
	require.NotContains(t, logs.String(), credential)
	require.Contains(t, logs.String(), "[redacted]")
	// On disk it is in clear, in files only the device's user can read.
	for _, name := range []string{DBFile, IdentityFile} {
		data, err := os.ReadFile(filepath.Join(st.Dir(), name))
		require.NoError(t, err)
		require.Contains(t, string(data), credential, name)
	}
	status, err := Inspect(st.Dir())
	require.NoError(t, err)
	require.True(t, status.HasCredential)
	require.Empty(t, status.State.Credential, "status never carries the credential")
}

func queuedScan(id, ticketID string, next *Presence) QueuedScan {
	return QueuedScan{ScanID: id, Payload: "VT1:XYZ", Direction: gate.Entry, ScannedAt: t0, TicketID: ticketID,
		Seats: 1, Verdict: gate.Accepted, Reason: "OK", Next: next}
}

// crash stands for the process being killed: the database is closed
// without Save (bbolt writes nothing at close: what is committed is on
// disk, the rest is gone) and the kernel drops the lock.
func crash(t testing.TB, st *Store) {
	t.Helper()
	st.mu.Lock()
	defer st.mu.Unlock()
	require.NoError(t, st.db.Close())
	st.db = nil
	st.dirty = dirty{}
	st.unlock()
}

func TestQueueAppendRemoveAndCrash(t *testing.T) {
	t.Parallel()
	st := newStore(t, gate.GateBoth)
	dir := st.Dir()
	inside := &Presence{ResourceID: tourID, State: gate.Inside, EnteredAt: t0, ExpiresAt: t0.Add(90 * time.Minute)}
	for i, id := range []string{"s1", "s2", "s3"} {
		q, err := st.Append(queuedScan(id, fmt.Sprintf("t%d", i), inside))
		require.NoError(t, err)
		require.Equal(t, uint64(i+1), q.Seq)
	}
	// An online verdict not saved yet is lost in a crash; the queued scans
	// and their presences, committed together, are not.
	st.Learn("t-online", &Presence{State: gate.Inside}, time.Time{})
	crash(t, st)
	st2, err := Open(dir)
	require.NoError(t, err)
	require.Empty(t, st2.Found())
	require.Equal(t, 3, st2.QueueLen())
	require.Equal(t, Counters{Queued: 3}, st2.Counters())
	_, p := st2.Lookup("t1")
	require.Equal(t, gate.Inside, p.State)
	_, p = st2.Lookup("t-online")
	require.Equal(t, gate.Issued, p.State)

	// An online verdict later closes t1: it is what the store keeps.
	st2.Learn("t1", &Presence{ResourceID: tourID, State: gate.Exited, EnteredAt: t0, ExitedAt: t0.Add(time.Hour)}, time.Time{})
	require.NoError(t, st2.Save())
	require.NoError(t, st2.Remove(map[string]bool{"s1": true, "s3": true}))
	_, err = st2.Append(queuedScan("s4", "t4", nil))
	require.NoError(t, err)
	require.NoError(t, st2.Close())

	st3, err := Open(dir)
	require.NoError(t, err)
	defer st3.Close()
	require.Empty(t, st3.Found())
	var ids []string
	for _, q := range queueOf(t, st3, 0) {
		ids = append(ids, q.ScanID)
	}
	require.Equal(t, []string{"s2", "s4"}, ids)
	require.Equal(t, Counters{Queued: 4, Uploaded: 2}, st3.Counters())
	_, p = st3.Lookup("t1")
	require.Equal(t, gate.Exited, p.State)
	_, p = st3.Lookup("t0")
	require.Equal(t, gate.Inside, p.State, "uploaded scans' presences stay in the state")
	_, p = st3.Lookup("never-seen")
	require.Equal(t, gate.Issued, p.State)
	require.Equal(t, []QueuedScan{queueOf(t, st3, 0)[0]}, queueOf(t, st3, 1))
}

func TestAppendRefusedWhenClosed(t *testing.T) {
	t.Parallel()
	st := newStore(t, gate.GateBoth)
	require.NoError(t, st.Close())
	_, err := st.Append(queuedScan("s1", "t1", &Presence{State: gate.Inside}))
	require.Error(t, err)
	_, p := st.Lookup("t1")
	require.Equal(t, gate.Issued, p.State, "a scan not stored changes nothing")
}

func TestApplySync(t *testing.T) {
	t.Parallel()
	k1, k2 := testKey(t, 1), testKey(t, 2)
	st := newStore(t, gate.GateEntry, k1)
	// t-local has a queued offline entry the server does not know yet.
	_, err := st.Append(queuedScan("s1", "t-local", &Presence{ResourceID: tourID, State: gate.Inside, EnteredAt: t0}))
	require.NoError(t, err)
	st.Learn("t-old", &Presence{State: gate.Inside}, time.Time{})

	now := t0.Add(time.Minute)
	require.NoError(t, st.ApplySync(&varcov1.SyncResponse{
		Cursor: "c1", Reset_: true,
		Settings: &varcov1.GateSettings{DeviceId: testGateDev, Name: "Cortile", ResourceIds: []string{tourID, boatID},
			Direction: varcov1.GateDirection_GATE_DIRECTION_BOTH, ReentryResourceIds: []string{boatID}},
		Keys:        []*varcov1.TicketKey{{KeyId: k2.ID, PublicKey: k2.Public}, {KeyId: "BADKEYID", PublicKey: []byte{1}}},
		Revocations: []*varcov1.Revocation{{TicketId: "t-revoked", RevokedAt: timestamppb.New(t0), Reason: "cancelled"}},
		Presences: []*varcov1.TicketPresence{
			{TicketId: "t-a", ResourceId: tourID, State: varcov1.TicketState_TICKET_STATE_INSIDE, EnteredAt: timestamppb.New(t0)},
			{TicketId: "t-local", State: varcov1.TicketState_TICKET_STATE_ISSUED},
		},
	}, now))
	s := st.State()
	require.Equal(t, "c1", s.Cursor)
	require.Equal(t, now, s.LastSync)
	require.Equal(t, "Cortile", s.Settings.Name)
	require.Equal(t, gate.GateBoth, s.Settings.Direction)
	require.Equal(t, []string{boatID}, s.Settings.ReentryResourceIDs)
	_, ok := st.Get(k1.ID)
	require.False(t, ok, "the key set is replaced")
	_, ok = st.Get(k2.ID)
	require.True(t, ok, "a bad key does not stop the good ones")
	revoked, _ := st.Lookup("t-revoked")
	require.True(t, revoked)
	_, p := st.Lookup("t-a")
	require.Equal(t, gate.Inside, p.State)
	require.Equal(t, t0, p.EnteredAt)
	_, p = st.Lookup("t-old")
	require.Equal(t, gate.Issued, p.State, "the reset dropped what the snapshot does not resend")
	_, p = st.Lookup("t-local")
	require.Equal(t, gate.Inside, p.State, "a queued offline change survives until it is uploaded")

	// The snapshot is on disk at once; the small changes after it go with
	// the next save, and always together with their cursor.
	status, err := Inspect(st.Dir())
	require.NoError(t, err)
	require.Equal(t, "c1", status.State.Cursor)
	require.NoError(t, st.ApplySync(&varcov1.SyncResponse{Cursor: "c2", Presences: []*varcov1.TicketPresence{
		{TicketId: "t-a", State: varcov1.TicketState_TICKET_STATE_EXITED, ExitedAt: timestamppb.New(now)},
	}}, now))
	status, err = Inspect(st.Dir())
	require.NoError(t, err)
	require.Equal(t, "c1", status.State.Cursor)
	require.Equal(t, gate.Inside, status.State.Presences["t-a"].State, "cursor and presences move together")
	require.NoError(t, st.Save())
	status, err = Inspect(st.Dir())
	require.NoError(t, err)
	require.Equal(t, "c2", status.State.Cursor)
	require.Equal(t, gate.Exited, status.State.Presences["t-a"].State)
	require.Len(t, status.State.Keys, 2, "keys are kept when a message does not resend them")

	// Heartbeats (same cursor, nothing new) do not rewrite the file every
	// time, only now and then to keep the time of the last sync.
	require.NoError(t, st.ApplySync(&varcov1.SyncResponse{Cursor: "c2"}, now.Add(time.Minute)))
	require.NoError(t, st.Save())
	status, err = Inspect(st.Dir())
	require.NoError(t, err)
	require.Equal(t, now, status.State.LastSync)
	require.Equal(t, now.Add(time.Minute), st.State().LastSync)
	require.NoError(t, st.ApplySync(&varcov1.SyncResponse{Cursor: "c2"}, now.Add(heartbeatSaveEvery)))
	require.NoError(t, st.Save())
	status, err = Inspect(st.Dir())
	require.NoError(t, err)
	require.Equal(t, now.Add(heartbeatSaveEvery), status.State.LastSync)

	err = st.ApplySync(&varcov1.SyncResponse{Cursor: "c3", DeviceRevoked: true}, now)
	require.ErrorIs(t, err, ErrDeviceRevoked)
	require.False(t, st.Enrolled())
	status, err = Inspect(st.Dir())
	require.NoError(t, err)
	require.False(t, status.HasCredential, "the credential is forgotten on disk too")
	require.True(t, status.State.DeviceRevoked)
}
