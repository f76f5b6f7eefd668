package scanner

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/ticket"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// With the server unreachable every decision is gate.Decide over the local
// store, and every one is queued before it is shown.
func TestOfflineDecisionsFollowTheGateRules(t *testing.T) {
	t.Parallel()
	k := testKey(t, 1)
	st := newStore(t, gate.GateBoth, k)
	clk := clock.NewFake(t0.Add(-10 * time.Minute))
	s := newTestScanner(st, &fakeGate{}, clk)
	ctx := context.Background()
	payload, ticketID := sign(t, k, tourID)

	decide := func(payload string, dir gate.Direction) Result {
		t.Helper()
		r, err := s.Decide(ctx, payload, dir)
		require.NoError(t, err)
		require.False(t, r.Online)
		return r
	}
	claims, err := ticket.Verify(payload, st, clk.Now())
	require.NoError(t, err)
	want := gate.Decide(claims, gate.Presence{State: gate.Issued}, st.Settings().Gate(), gate.Entry, clk.Now())

	r := decide(payload, gate.Entry)
	require.Equal(t, want.Verdict, r.Verdict)
	require.Equal(t, want.Reason, r.Reason)
	require.Equal(t, gate.Accepted, r.Verdict)
	require.True(t, r.Queued)
	require.Equal(t, ticketID, r.TicketID)
	require.Equal(t, 2, r.Seats)
	require.Equal(t, 90*time.Minute, r.TimeLeft, "the stay timer starts at the first entry")

	clk.Advance(time.Minute)
	r = decide(payload, gate.Entry)
	require.Equal(t, gate.Refused, r.Verdict)
	require.Equal(t, gate.ReasonAlreadyInside, r.Reason, "anti-passback holds offline")
	require.Equal(t, t0.Add(-10*time.Minute), r.EnteredAt)

	clk.Advance(30 * time.Minute)
	r = decide(payload, gate.Exit)
	require.Equal(t, gate.Accepted, r.Verdict, "the exit closes the ticket")
	r = decide(payload, gate.Entry)
	require.Equal(t, gate.ReasonAlreadyUsed, r.Reason)

	revokedPayload, revokedID := sign(t, k, tourID)
	st.Learn(revokedID, nil, t0.Add(-time.Hour))
	r = decide(revokedPayload, gate.Entry)
	require.Equal(t, gate.ReasonRevoked, r.Reason)

	boat, _ := sign(t, k, boatID)
	require.Equal(t, gate.ReasonWrongResource, decide(boat, gate.Entry).Reason)
	stranger, _ := sign(t, testKey(t, 9), tourID)
	require.Equal(t, gate.Reason("UNKNOWN_KEY"), decide(stranger, gate.Entry).Reason)
	tampered := payload[:len(payload)-3] + "AAA"
	if tampered == payload {
		tampered = payload[:len(payload)-3] + "BBB"
	}
	require.Contains(t, []gate.Reason{"FORGED", "MALFORMED"}, decide(tampered, gate.Entry).Reason)
	r = decide("https://example.org/not-a-ticket", gate.Entry)
	require.Equal(t, gate.Reason("MALFORMED"), r.Reason)

	require.Equal(t, 9, st.QueueLen(), "every offline decision is queued, refusals too")
	q := queueOf(t, st, 0)
	require.Equal(t, gate.Accepted, q[0].Verdict)
	require.NotNil(t, q[0].Next)
	require.Nil(t, q[1].Next, "a refusal changes nothing")

	// Survives a restart: the queue is the journal of offline changes.
	require.NoError(t, st.Close())
	st2, err := Open(st.Dir())
	require.NoError(t, err)
	defer st2.Close()
	s2 := newTestScanner(st2, &fakeGate{}, clk)
	r, err = s2.Decide(ctx, payload, gate.Entry)
	require.NoError(t, err)
	require.Equal(t, gate.ReasonAlreadyUsed, r.Reason)
}

func TestOfflineWithoutKeysRefusesUnknownKey(t *testing.T) {
	t.Parallel()
	st := newStore(t, gate.GateEntry)
	s := newTestScanner(st, &fakeGate{}, clock.NewFake(t0))
	payload, _ := sign(t, testKey(t, 1), tourID)
	r, err := s.Decide(context.Background(), payload, gate.Entry)
	require.NoError(t, err)
	require.Equal(t, gate.Refused, r.Verdict)
	require.Equal(t, gate.Reason("UNKNOWN_KEY"), r.Reason)
}

func TestOfflineRulesOfOneWayGates(t *testing.T) {
	t.Parallel()
	k := testKey(t, 1)
	payload, _ := sign(t, k, tourID)
	st := newStore(t, gate.GateEntry, k)
	s := newTestScanner(st, &fakeGate{}, clock.NewFake(t0))
	r, err := s.Decide(context.Background(), payload, gate.Exit)
	require.NoError(t, err)
	require.Equal(t, gate.ReasonWrongDirection, r.Reason)

	st = newStore(t, gate.GateBoth, k)
	s = newTestScanner(st, &fakeGate{}, clock.NewFake(t0.Add(-3*time.Hour)))
	r, err = s.Decide(context.Background(), payload, gate.Entry)
	require.NoError(t, err)
	require.Equal(t, gate.Reason("TOO_EARLY"), r.Reason)
}

// Online verdicts are the truth and also teach the local store, so that
// anti-passback holds when the network drops right after.
func TestOnlineVerdictsUpdateTheLocalState(t *testing.T) {
	t.Parallel()
	k := testKey(t, 1)
	st := newStore(t, gate.GateBoth, k)
	clk := clock.NewFake(t0)
	g := &fakeGate{}
	var logs bytes.Buffer
	s := New(Config{Store: st, Gate: g, Clock: clk, Log: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	payload, ticketID := sign(t, k, tourID)
	entered := t0.Add(-time.Minute)
	g.set(func(f *fakeGate) {
		f.scan = func(req *varcov1.ScanRequest) (*varcov1.ScanResponse, error) {
			require.Equal(t, payload, req.GetPayload())
			require.Equal(t, varcov1.ScanDirection_SCAN_DIRECTION_ENTRY, req.GetDirection())
			require.Equal(t, t0, req.GetScannedAt().AsTime())
			require.NotEmpty(t, req.GetScanId())
			return &varcov1.ScanResponse{Verdict: &varcov1.Verdict{Verdict: varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED,
				Reason: varcov1.ScanReason_SCAN_REASON_OK, TicketId: ticketID, Seats: 2,
				EnteredAt: timestamppb.New(entered), ExpiresAt: timestamppb.New(entered.Add(90 * time.Minute)),
				TimeLeft: durationpb.New(89 * time.Minute)}}, nil
		}
	})
	r, err := s.Decide(context.Background(), payload, gate.Entry)
	require.NoError(t, err)
	require.True(t, r.Online)
	require.Equal(t, gate.Accepted, r.Verdict)
	require.Equal(t, 89*time.Minute, r.TimeLeft)
	require.Zero(t, st.QueueLen(), "online scans are the server's to keep")

	g.set(func(f *fakeGate) { f.scan = nil }) // the network drops
	r, err = s.Decide(context.Background(), payload, gate.Entry)
	require.NoError(t, err)
	require.False(t, r.Online)
	require.Equal(t, gate.ReasonAlreadyInside, r.Reason)
	require.Equal(t, entered, r.EnteredAt)

	// A refusal for revocation is remembered too.
	other, otherID := sign(t, k, tourID)
	g.set(func(f *fakeGate) {
		f.scan = func(*varcov1.ScanRequest) (*varcov1.ScanResponse, error) {
			return &varcov1.ScanResponse{Verdict: &varcov1.Verdict{Verdict: varcov1.ScanVerdict_SCAN_VERDICT_REFUSED,
				Reason: varcov1.ScanReason_SCAN_REASON_REVOKED, TicketId: otherID}}, nil
		}
	})
	r, err = s.Decide(context.Background(), other, gate.Entry)
	require.NoError(t, err)
	require.Equal(t, gate.ReasonRevoked, r.Reason)
	revoked, _ := st.Lookup(otherID)
	require.True(t, revoked)
	require.NotContains(t, logs.String(), credential)
}

// A device the server no longer accepts must not keep opening the gate on
// its own.
func TestRevokedCredentialRefusesWithoutDecidingOffline(t *testing.T) {
	t.Parallel()
	k := testKey(t, 1)
	st := newStore(t, gate.GateBoth, k)
	g := &fakeGate{scan: func(*varcov1.ScanRequest) (*varcov1.ScanResponse, error) {
		return nil, connect.NewError(connect.CodeUnauthenticated, nil)
	}}
	s := newTestScanner(st, g, clock.NewFake(t0))
	payload, _ := sign(t, k, tourID)
	r, err := s.Decide(context.Background(), payload, gate.Entry)
	require.NoError(t, err)
	require.Equal(t, gate.Refused, r.Verdict)
	require.Equal(t, ReasonDeviceRefused, r.Reason)
	require.Zero(t, st.QueueLen())

	st.Update(func(s *State) { s.Credential = "" })
	_, err = s.Decide(context.Background(), payload, gate.Entry)
	require.ErrorIs(t, err, ErrNotEnrolled)
}

// If the scan cannot be stored, no verdict is shown.
func TestNoVerdictWhenTheQueueCannotBeWritten(t *testing.T) {
	t.Parallel()
	k := testKey(t, 1)
	st := newStore(t, gate.GateBoth, k)
	s := newTestScanner(st, &fakeGate{}, clock.NewFake(t0))
	payload, _ := sign(t, k, tourID)
	st.mu.Lock()
	require.NoError(t, st.db.Close()) // every write now fails
	st.mu.Unlock()
	_, err := s.Decide(context.Background(), payload, gate.Entry)
	require.Error(t, err)
}

func BenchmarkOfflineDecide(b *testing.B) {
	k := testKey(b, 1)
	st := newStore(b, gate.GateBoth, k)
	s := newTestScanner(st, &fakeGate{}, clock.NewFake(t0))
	payload, _ := sign(b, k, boatID) // refused (wrong resource), but fully verified and queued
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Decide(context.Background(), payload, gate.Entry); err != nil {
			b.Fatal(err)
		}
	}
}

// On a network that swallows packets every online try would cost the
// whole timeout: after one times out, scans go offline at once for a
// while, and any sign of the server ends the pause.
func TestTimeoutPausesOnlineTries(t *testing.T) {
	t.Parallel()
	k := testKey(t, 1)
	st := newStore(t, gate.GateBoth, k)
	clk := clock.NewFake(t0)
	tries := 0
	g := &fakeGate{scan: func(*varcov1.ScanRequest) (*varcov1.ScanResponse, error) {
		tries++
		return nil, connect.NewError(connect.CodeDeadlineExceeded, nil)
	}}
	s := newTestScanner(st, g, clk)
	ctx := context.Background()
	scan := func() Result {
		t.Helper()
		p, _ := sign(t, k, tourID)
		r, err := s.Decide(ctx, p, gate.Entry)
		require.NoError(t, err)
		require.False(t, r.Online)
		require.Equal(t, gate.Accepted, r.Verdict)
		return r
	}
	scan()
	require.Equal(t, 1, tries)
	clk.Advance(OnlinePause - time.Second)
	scan()
	require.Equal(t, 1, tries, "paused: decided offline without waiting")
	clk.Advance(time.Second)
	scan()
	require.Equal(t, 2, tries, "tried again after the pause")

	g.set(func(f *fakeGate) { f.upload = recordAll })
	_, err := s.FlushOnce(ctx)
	require.NoError(t, err)
	scan()
	require.Equal(t, 3, tries, "an answered upload ends the pause")
}

// What Sync teaches the device governs its offline decisions: the server's
// clock (a device three hours behind still decides at the server's time,
// and queues the scan at it), the occupancy cap (counted from its own
// presences), and the most its data may age before it refuses to decide.
func TestSyncGovernsOfflineDecisions(t *testing.T) {
	t.Parallel()
	k := testKey(t, 1)
	st := newStore(t, gate.GateBoth, k)
	device := t0.Add(-3 * time.Hour)
	clk := clock.NewFake(device)
	require.NoError(t, st.ApplySync(&varcov1.SyncResponse{ServerTime: timestamppb.New(t0), Settings: &varcov1.GateSettings{
		DeviceId: testGateDev, ResourceIds: []string{tourID}, Direction: varcov1.GateDirection_GATE_DIRECTION_BOTH,
		MaxInside: map[string]int32{tourID: 3}, MaxDataAge: durationpb.New(time.Hour)}}, device))
	offset, _ := st.Offline()
	require.Equal(t, 3*time.Hour, offset)
	s := newTestScanner(st, &fakeGate{}, clk)
	ctx := context.Background()

	first, _ := sign(t, k, tourID)
	r, err := s.Decide(ctx, first, gate.Entry)
	require.NoError(t, err)
	require.Equal(t, gate.Accepted, r.Verdict, "decided at the server's time, not TOO_EARLY")
	require.Equal(t, t0, r.ScannedAt)
	require.Equal(t, t0, queueOf(t, st, 1)[0].ScannedAt, "queued at the server's time")

	second, _ := sign(t, k, tourID)
	r, err = s.Decide(ctx, second, gate.Entry)
	require.NoError(t, err)
	require.Equal(t, gate.ReasonVenueFull, r.Reason, "2 inside + 2 > 3")
	r, err = s.Decide(ctx, first, gate.Exit)
	require.NoError(t, err)
	require.Equal(t, gate.Accepted, r.Verdict)
	r, err = s.Decide(ctx, second, gate.Entry)
	require.NoError(t, err)
	require.Equal(t, gate.Accepted, r.Verdict, "the exit freed room")

	require.NoError(t, st.Save())
	status, err := Inspect(st.Dir())
	require.NoError(t, err)
	var out strings.Builder
	require.NoError(t, English.WriteStatus(&out, status, device, time.UTC))
	require.Contains(t, out.String(), "!! CLOCK OFF by 3h0m0s from the server's")
	require.NotContains(t, out.String(), "DATA TOO OLD")

	clk.Advance(time.Hour + time.Second)
	out.Reset()
	require.NoError(t, English.WriteStatus(&out, status, clk.Now(), time.UTC))
	require.Contains(t, out.String(), "!! DATA TOO OLD")
	third, _ := sign(t, k, tourID)
	r, err = s.Decide(ctx, third, gate.Entry)
	require.NoError(t, err)
	require.Equal(t, ReasonDataTooOld, r.Reason)
	require.Equal(t, "Dati del dispositivo troppo vecchi: ricollegare alla rete", Italian.Message(r))
}
