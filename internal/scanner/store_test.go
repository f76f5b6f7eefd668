package scanner

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
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

func TestStateSavedAtomicallyWithPrivateModes(t *testing.T) {
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
	requireMode(t, filepath.Join(dir, StateFile), fileMode)
	requireMode(t, filepath.Join(dir, QueueFile), fileMode)
	tmps, err := filepath.Glob(filepath.Join(dir, "*.tmp"))
	require.NoError(t, err)
	require.Empty(t, tmps, "the temporary file is renamed, never left behind")

	// A write interrupted before its rename leaves a temporary file: it is
	// ignored (the old state stands) and cleaned up.
	stale := filepath.Join(dir, StateFile+".123.tmp")
	require.NoError(t, os.WriteFile(stale, []byte(`{"version":1,"credential":"half-writ`), 0o600))
	st, err = Open(dir)
	require.NoError(t, err)
	defer st.Close()
	require.NoFileExists(t, stale)
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
	// On disk it is in clear, in a file only the device's user can read.
	data, err := os.ReadFile(filepath.Join(st.Dir(), StateFile))
	require.NoError(t, err)
	require.Contains(t, string(data), credential)
	status, err := Inspect(st.Dir())
	require.NoError(t, err)
	require.True(t, status.HasCredential)
	require.Empty(t, status.State.Credential, "status never carries the credential")
}

func queuedScan(id, ticketID string, next *Presence) QueuedScan {
	return QueuedScan{ScanID: id, Payload: "VT1:XYZ", Direction: gate.Entry, ScannedAt: t0, TicketID: ticketID,
		Seats: 1, Verdict: gate.Accepted, Reason: "OK", Next: next}
}

func countLines(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return bytes.Count(data, []byte("\n"))
}

func TestQueueAppendRemoveAndReplay(t *testing.T) {
	t.Parallel()
	st := newStore(t, gate.GateBoth)
	dir, qpath := st.Dir(), filepath.Join(st.Dir(), QueueFile)
	inside := &Presence{ResourceID: tourID, State: gate.Inside, EnteredAt: t0, ExpiresAt: t0.Add(90 * time.Minute)}
	for i, id := range []string{"s1", "s2", "s3"} {
		q, err := st.Append(queuedScan(id, fmt.Sprintf("t%d", i), inside))
		require.NoError(t, err)
		require.Equal(t, uint64(i+1), q.Seq)
	}
	require.Equal(t, 3, countLines(t, qpath), "one fsynced line per scan")
	requireMode(t, qpath, fileMode)

	// A crash now (no Save): the queue alone brings the presences back.
	require.NoError(t, st.qf.Close())
	st.qf = nil
	st.unlock() // the kernel drops a dead process's lock
	st2, err := Open(dir)
	require.NoError(t, err)
	require.Equal(t, 3, st2.QueueLen())
	_, p := st2.Lookup("t1")
	require.Equal(t, gate.Inside, p.State)

	// An online verdict later closes t1; once saved, replaying the older
	// queued entry must not bring it back inside.
	st2.Learn("t1", &Presence{ResourceID: tourID, State: gate.Exited, EnteredAt: t0, ExitedAt: t0.Add(time.Hour)}, time.Time{})
	require.NoError(t, st2.Save())
	require.NoError(t, st2.Remove(map[string]bool{"s1": true, "s3": true}))
	require.Equal(t, 1, countLines(t, qpath), "compacted after the upload")
	requireMode(t, qpath, fileMode)
	_, err = st2.Append(queuedScan("s4", "t4", nil))
	require.NoError(t, err)
	require.NoError(t, st2.Close())

	st3, err := Open(dir)
	require.NoError(t, err)
	defer st3.Close()
	var ids []string
	for _, q := range queueOf(t, st3, 0) {
		ids = append(ids, q.ScanID)
	}
	require.Equal(t, []string{"s2", "s4"}, ids)
	_, p = st3.Lookup("t1")
	require.Equal(t, gate.Exited, p.State)
	_, p = st3.Lookup("t0")
	require.Equal(t, gate.Inside, p.State, "uploaded scans' presences stay in the state")
	_, p = st3.Lookup("never-seen")
	require.Equal(t, gate.Issued, p.State)
	require.Equal(t, []QueuedScan{queueOf(t, st3, 0)[0]}, queueOf(t, st3, 1))
}

func TestQueueTornTailIsDropped(t *testing.T) {
	t.Parallel()
	st := newStore(t, gate.GateBoth)
	dir, qpath := st.Dir(), filepath.Join(st.Dir(), QueueFile)
	_, err := st.Append(queuedScan("s1", "t1", nil))
	require.NoError(t, err)
	require.NoError(t, st.Close())
	// A damaged line, then a power cut in the middle of an append.
	f, err := os.OpenFile(qpath, os.O_WRONLY|os.O_APPEND, 0)
	require.NoError(t, err)
	_, err = f.WriteString("\x00\x00garbage\n" + `{"seq":2,"scan_id":"s2","payl`)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	st, err = Open(dir)
	require.NoError(t, err)
	require.Equal(t, 1, st.QueueLen())
	require.Equal(t, 1, st.DroppedLines(), "reported, so the operator can be told")
	_, err = st.Append(queuedScan("s3", "t3", nil))
	require.NoError(t, err)
	require.NoError(t, st.Close())
	data, err := os.ReadFile(qpath)
	require.NoError(t, err)
	require.NotContains(t, string(data), `"s2"`)
	require.NotContains(t, string(data), "garbage")
	st, err = Open(dir)
	require.NoError(t, err)
	defer st.Close()
	require.Equal(t, 2, st.QueueLen(), "the next append starts on a fresh line")
	require.Zero(t, st.DroppedLines())

	status, err := Inspect(dir)
	require.NoError(t, err)
	require.Equal(t, 2, status.Queued)
}

func TestAppendRefusedWhenClosed(t *testing.T) {
	t.Parallel()
	st := newStore(t, gate.GateBoth)
	require.NoError(t, st.Close())
	_, err := st.Append(queuedScan("s1", "t1", nil))
	require.Error(t, err)
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

func TestOpenRefusesDamagedState(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, StateFile), []byte("{not json"), 0o600))
	_, err := Open(dir)
	require.Error(t, err)
	require.True(t, strings.Contains(err.Error(), StateFile))
}
