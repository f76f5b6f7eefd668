package scanner

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/gate"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	low := Backoff{Base: 2 * time.Second, Max: 20 * time.Second, Rand: func() float64 { return 0 }}
	high := Backoff{Base: 2 * time.Second, Max: 20 * time.Second, Rand: func() float64 { return 0.999999 }}
	var lows, highs []time.Duration
	for range 6 {
		lows = append(lows, low.Next())
		highs = append(highs, high.Next().Round(time.Second))
	}
	require.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 10 * time.Second, 10 * time.Second}, lows)
	require.Equal(t, []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 20 * time.Second, 20 * time.Second}, highs)
	low.Reset()
	require.Equal(t, time.Second, low.Next())
}

// quietSync is a Sync stream that stays open and says nothing.
func quietSync(ctx context.Context, _ func(*varcov1.SyncResponse) error) error {
	<-ctx.Done()
	return ctx.Err()
}

// The uploader keeps the queue through failures, backing off
// exponentially, and empties it once the server answers.
func TestUploaderBacksOffAndDrainsTheQueue(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		k := testKey(t, 1)
		st := newStore(t, gate.GateBoth, k)
		var calls []time.Time
		drained := make(chan struct{})
		g := &fakeGate{sync: quietSync}
		g.upload = func(req *varcov1.UploadScansRequest) (*varcov1.UploadScansResponse, error) {
			calls = append(calls, time.Now()) // the bubble's clock
			if len(calls) <= 3 {
				return nil, errUnreachable
			}
			defer close(drained)
			return recordAll(req)
		}
		s := New(Config{Store: st, Gate: g, Clock: clock.NewFake(t0), Rand: func() float64 { return 0 }})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()

		payload, _ := sign(t, k, tourID)
		r, err := s.Decide(ctx, payload, gate.Entry)
		require.NoError(t, err)
		require.True(t, r.Queued)
		<-drained // time runs on its own while everything waits
		synctest.Wait()
		require.Zero(t, st.QueueLen())
		require.Len(t, calls, 4)
		var gaps []time.Duration
		for i := 1; i < len(calls); i++ {
			gaps = append(gaps, calls[i].Sub(calls[i-1]))
		}
		require.Equal(t, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, gaps, "exponential backoff (jitter at its low end)")
		cancel()
		require.NoError(t, <-done)
	})
}

// An online scan that succeeds proves the server is back: the uploader
// does not sit out the rest of its backoff.
func TestUploaderWakesWhenTheServerAnswers(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		k := testKey(t, 1)
		st := newStore(t, gate.GateBoth, k)
		g := &fakeGate{sync: quietSync}
		s := New(Config{Store: st, Gate: g, Clock: clock.NewFake(t0), Rand: func() float64 { return 0 }})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		payload, ticketID := sign(t, k, tourID)
		_, err := s.Decide(ctx, payload, gate.Entry)
		require.NoError(t, err)
		synctest.Wait() // first upload failed; waiting a second
		start := time.Now()
		g.set(func(f *fakeGate) {
			f.upload = recordAll
			f.scan = func(*varcov1.ScanRequest) (*varcov1.ScanResponse, error) {
				return &varcov1.ScanResponse{Verdict: &varcov1.Verdict{Verdict: varcov1.ScanVerdict_SCAN_VERDICT_REFUSED,
					Reason: varcov1.ScanReason_SCAN_REASON_ALREADY_INSIDE, TicketId: ticketID}}, nil
			}
		})
		_, err = s.Decide(ctx, payload, gate.Entry)
		require.NoError(t, err)
		synctest.Wait()
		require.Zero(t, st.QueueLen())
		require.Equal(t, start, time.Now(), "uploaded at once, not after the backoff")
		cancel()
		require.NoError(t, <-done)
	})
}

func TestFlushOnceBatchesAndOutcomes(t *testing.T) {
	t.Parallel()
	st := newStore(t, gate.GateBoth)
	g := &fakeGate{}
	s := newTestScanner(st, g, clock.NewFake(t0))
	const n = 2*MaxUploadBatch + 3
	for i := range n {
		_, err := st.Append(queuedScan(fmt.Sprintf("s%04d", i), "t", nil))
		require.NoError(t, err)
	}
	ctx := context.Background()
	_, err := s.FlushOnce(ctx)
	require.Error(t, err, "unreachable")
	require.Equal(t, n, st.QueueLen(), "kept on network failure")

	outcomes := []varcov1.UploadOutcome{varcov1.UploadOutcome_UPLOAD_OUTCOME_RECORDED, varcov1.UploadOutcome_UPLOAD_OUTCOME_DUPLICATE,
		varcov1.UploadOutcome_UPLOAD_OUTCOME_CONFLICT, varcov1.UploadOutcome_UPLOAD_OUTCOME_REJECTED}
	g.set(func(f *fakeGate) {
		f.uploads = nil
		f.upload = func(req *varcov1.UploadScansRequest) (*varcov1.UploadScansResponse, error) {
			res := &varcov1.UploadScansResponse{}
			for _, sc := range req.GetScans() {
				var i int
				_, _ = fmt.Sscanf(sc.GetScanId(), "s%04d", &i)
				out := outcomes[i%4]
				if i == 7 {
					out = varcov1.UploadOutcome_UPLOAD_OUTCOME_UNSPECIFIED // no answer: keep it
				}
				res.Results = append(res.Results, &varcov1.UploadResult{ScanId: sc.GetScanId(), Outcome: out})
			}
			return res, nil
		}
	})
	rep, err := s.FlushOnce(ctx)
	require.Error(t, err, "the unanswered scan is retried, then reported")
	require.Equal(t, n-1, rep.Uploaded)
	require.Equal(t, []string{"s0007"}, func() (ids []string) {
		for _, q := range queueOf(t, st, 0) {
			ids = append(ids, q.ScanID)
		}
		return ids
	}())
	require.Equal(t, MaxUploadBatch, len(g.uploads[0].GetScans()), "batches of at most 500")
	for _, u := range g.uploads {
		require.LessOrEqual(t, len(u.GetScans()), MaxUploadBatch)
	}
	require.Equal(t, rep.Uploaded, rep.Recorded+rep.Duplicates+rep.Conflicts+rep.Rejected)
	first := g.uploads[0].GetScans()[0]
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, first.GetLocalVerdict().GetVerdict())
	require.Equal(t, varcov1.ScanReason_SCAN_REASON_OK, first.GetLocalVerdict().GetReason())
	require.Equal(t, t0, first.GetScannedAt().AsTime())
}

// An older server without Sync: said once, asked again every few minutes,
// and scanning goes on.
func TestSyncUnimplementedIsQuiet(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		st := newStore(t, gate.GateBoth)
		calls := make(chan time.Time)
		g := &fakeGate{sync: func(ctx context.Context, _ func(*varcov1.SyncResponse) error) error {
			select {
			case calls <- time.Now():
			case <-ctx.Done():
			}
			return connect.NewError(connect.CodeUnimplemented, nil)
		}}
		var logs bytes.Buffer
		s := New(Config{Store: st, Gate: g, Clock: clock.NewFake(t0), Log: slog.New(slog.NewTextHandler(&logs, nil))})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- s.Run(ctx) }()
		first := <-calls
		require.Equal(t, SyncUnimplementedRetry, (<-calls).Sub(first))
		require.Equal(t, 2*SyncUnimplementedRetry, (<-calls).Sub(first))
		cancel()
		require.NoError(t, <-done)
		require.Equal(t, 1, strings.Count(logs.String(), "does not offer Sync"))
	})
}

// Sync resumes from the cursor of the last message applied, and a revoked
// device stops.
func TestSyncResumesAndStopsWhenRevoked(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		k := testKey(t, 1)
		st := newStore(t, gate.GateBoth)
		g := &fakeGate{}
		streams := 0
		g.sync = func(_ context.Context, fn func(*varcov1.SyncResponse) error) error {
			streams++
			switch streams {
			case 1:
				if err := fn(&varcov1.SyncResponse{Cursor: "c1", Reset_: true, Keys: []*varcov1.TicketKey{{KeyId: k.ID, PublicKey: k.Public}}}); err != nil {
					return err
				}
				return connect.NewError(connect.CodeUnavailable, nil) // the connection drops
			default:
				return fn(&varcov1.SyncResponse{Cursor: "c2", DeviceRevoked: true})
			}
		}
		s := New(Config{Store: st, Gate: g, Clock: clock.NewFake(t0)})
		err := s.Run(context.Background())
		require.ErrorIs(t, err, ErrDeviceRevoked)
		require.Equal(t, []string{"", "c1"}, g.syncs)
		require.False(t, st.Enrolled())
		_, ok := st.Get(k.ID)
		require.True(t, ok)
		payload, _ := sign(t, k, tourID)
		_, err = s.Decide(context.Background(), payload, gate.Entry)
		require.ErrorIs(t, err, ErrNotEnrolled)
	})
}
