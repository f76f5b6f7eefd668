package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/varco-gate/varco/internal/ticket"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// ScanResult is scenario 3: the tickets of the rush go through a gate,
// online (GateService.Scan) and offline (signature checks on the device).
type ScanResult struct {
	Clients int `json:"clients"`
	Tickets int `json:"tickets"`

	GetTicket      OpSummary `json:"get_ticket"`
	GetTicketUsage Usage     `json:"get_ticket_usage"`
	Entry          OpSummary `json:"scan_entry"`
	EntryUsage     Usage     `json:"scan_entry_usage"`
	Exit           OpSummary `json:"scan_exit"`
	ExitUsage      Usage     `json:"scan_exit_usage"`
	// Verdicts counts scans by direction, verdict and reason
	// ("ENTRY ACCEPTED/OK"): every one should be accepted.
	Verdicts map[string]int `json:"verdicts"`
	// ScansPerS is entries and exits answered per second of their phases.
	ScansPerS float64 `json:"scans_per_s"`

	// Offline: ticket.Verify (Ed25519 + decoding) in this process with the
	// keys of a GateService.Sync snapshot, on every core.
	SyncKeys        int     `json:"sync_keys"`
	OfflineWorkers  int     `json:"offline_workers"`
	OfflineVerified int     `json:"offline_verified"`
	OfflineFailed   int     `json:"offline_failed"`
	OfflinePerS     float64 `json:"offline_verifications_per_s"`
	// OfflineCPUMicros is this program's CPU time per verification: unlike
	// wall time per core, it does not grow when the server (still sending
	// the rush's notifications) takes a core meanwhile.
	OfflineCPUMicros float64 `json:"offline_cpu_us_per_verification"`
	// OfflineUsage shows what else ran meanwhile: the server is idle for
	// this program but may still be delivering the rush's notifications.
	OfflineUsage Usage `json:"offline_usage"`
	// SnapshotAfterScans probes a new Sync snapshot after every ticket went
	// in and out. The server's snapshot reads changes in batches of 2,000
	// and re-reads the last 2 s at each batch; when 2,000 or more tickets
	// changed within 2 s the batch never shrinks and the snapshot is never
	// sent (the stream spins until the client gives up).
	SnapshotAfterScans string `json:"snapshot_after_scans"`
}

// runScans enrolls a gate for the event, fetches the tickets of the rush's
// bookings, scans each in then out with clients concurrent scanners, then
// verifies the payloads offline for up to verifyCount checks.
func runScans(ctx context.Context, a *api, pid int, adminToken, orgID string, ev event, booked []bookedRef, clients, verifyCount int, phase time.Duration) (*ScanResult, error) {
	r := &ScanResult{Clients: clients, Verdicts: map[string]int{}}
	code, _, err := call(ctx, nil, func(ctx context.Context) (*varcov1.CreateDeviceEnrollmentResponse, error) {
		res, err := a.admin.CreateDeviceEnrollment(ctx, req(&varcov1.CreateDeviceEnrollmentRequest{OrganizationId: orgID,
			Name: "Ingresso principale (rush)", ResourceIds: []string{ev.resourceID}, Direction: varcov1.GateDirection_GATE_DIRECTION_BOTH}, adminToken))
		if err != nil {
			return nil, err
		}
		return res.Msg, nil
	})
	if err != nil {
		return nil, fmt.Errorf("create a gate enrollment: %w", err)
	}
	enrolled, _, err := call(ctx, nil, func(ctx context.Context) (*varcov1.EnrollResponse, error) {
		res, err := a.gate.Enroll(ctx, req(&varcov1.EnrollRequest{EnrollmentCode: code.GetEnrollmentCode(), Hardware: "bench/rush"}, ""))
		if err != nil {
			return nil, err
		}
		return res.Msg, nil
	})
	if err != nil {
		return nil, fmt.Errorf("enroll the gate: %w", err)
	}
	cred := enrolled.GetCredential()

	// The citizens fetch their tickets, as their phones would after booking.
	payloads := make([]string, len(booked))
	getTicket := newOp("BookingService/GetTicket")
	r.GetTicket, r.GetTicketUsage = fanOut(ctx, pid, clients, len(booked), phase, getTicket, func(ctx context.Context, i int) error {
		res, err := a.booking.GetTicket(ctx, req(&varcov1.GetTicketRequest{BookingId: booked[i].id}, booked[i].token))
		if err != nil {
			return err
		}
		if len(res.Msg.GetTickets()) == 0 {
			return errors.New("no ticket")
		}
		payloads[i] = res.Msg.GetTickets()[0].GetPayload()
		return nil
	})
	var got []string
	for _, p := range payloads {
		if p != "" {
			got = append(got, p)
		}
	}
	r.Tickets = len(got)
	if len(got) == 0 {
		return r, errors.New("no ticket to scan")
	}

	// The gate syncs when it starts its shift, before the doors open: the
	// keys of this snapshot are what the offline checks below verify with.
	snap, err := syncSnapshot(ctx, a, cred, rpcTimeout)
	if err != nil {
		return r, err
	}
	ring, err := keyRing(snap)
	if err != nil {
		return r, err
	}
	r.SyncKeys = len(ring.Public())

	var mu sync.Mutex
	scan := func(dir varcov1.ScanDirection, name string) func(ctx context.Context, i int) error {
		return func(ctx context.Context, i int) error {
			res, err := a.gate.Scan(ctx, req(&varcov1.ScanRequest{ScanId: uuid.NewString(), Payload: got[i], Direction: dir}, cred))
			if err != nil {
				return err
			}
			v := res.Msg.GetVerdict()
			k := fmt.Sprintf("%s %s/%s", name, trimEnum(v.GetVerdict().String(), "SCAN_VERDICT_"), trimEnum(v.GetReason().String(), "SCAN_REASON_"))
			mu.Lock()
			r.Verdicts[k]++
			mu.Unlock()
			return nil
		}
	}
	entry, exit := newOp("GateService/Scan ENTRY"), newOp("GateService/Scan EXIT")
	r.Entry, r.EntryUsage = fanOut(ctx, pid, clients, len(got), phase, entry, scan(varcov1.ScanDirection_SCAN_DIRECTION_ENTRY, "ENTRY"))
	r.Exit, r.ExitUsage = fanOut(ctx, pid, clients, len(got), phase, exit, scan(varcov1.ScanDirection_SCAN_DIRECTION_EXIT, "EXIT"))
	if w := r.EntryUsage.WallS + r.ExitUsage.WallS; w > 0 {
		r.ScansPerS = round1(float64(r.Entry.OK+r.Entry.Failed+r.Exit.OK+r.Exit.Failed) / w)
	}

	offline(ctx, pid, r, ring, got, verifyCount, phase)

	// A scanner that reconnects now asks for a new snapshot, with every
	// ticket just scanned out in it. Probed with a short deadline: see
	// SnapshotAfterScans.
	t0 := time.Now()
	if snap, err := syncSnapshot(ctx, a, cred, 10*time.Second); err != nil {
		r.SnapshotAfterScans = fmt.Sprintf("FAILED after %.1f s: %s", time.Since(t0).Seconds(), errKey(err))
	} else {
		r.SnapshotAfterScans = fmt.Sprintf("ok in %.0f ms, %d presences", float64(time.Since(t0).Microseconds())/1000, len(snap.GetPresences()))
	}
	return r, nil
}

// fanOut runs fn(i) for i in [0, n) from clients goroutines, each index
// once, within the phase deadline, and times the whole as one phase.
func fanOut(ctx context.Context, pid, clients, n int, phase time.Duration, op *opStats, fn func(context.Context, int) error) (OpSummary, Usage) {
	ctx, cancel := context.WithTimeout(ctx, phase)
	defer cancel()
	var next atomic.Int64
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range min(clients, n) {
		wg.Go(func() {
			<-start
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				_, _, _ = call(ctx, op, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx, i) })
			}
		})
	}
	m := startMeter(pid)
	close(start)
	wg.Wait()
	u := m.done()
	return op.summary(time.Duration(u.WallS * float64(time.Second))), u
}

// syncSnapshot opens the gate's Sync stream and returns the snapshot the
// server sends first, then closes the stream.
func syncSnapshot(ctx context.Context, a *api, cred string, timeout time.Duration) (*varcov1.SyncResponse, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	stream, err := a.gate.Sync(ctx, req(&varcov1.SyncRequest{}, cred))
	if err != nil {
		return nil, fmt.Errorf("sync: %w", err)
	}
	defer stream.Close()
	if !stream.Receive() {
		return nil, fmt.Errorf("sync: no snapshot: %w", stream.Err())
	}
	snap := stream.Msg()
	if !snap.GetReset_() {
		return nil, errors.New("sync: the first message is not a snapshot")
	}
	return snap, nil
}

// keyRing builds the ring a scanner verifies with offline from a snapshot.
func keyRing(snap *varcov1.SyncResponse) (*ticket.KeyRing, error) {
	ring, err := ticket.NewKeyRing()
	if err != nil {
		return nil, err
	}
	for _, k := range snap.GetKeys() {
		key := ticket.Key{ID: k.GetKeyId(), Public: k.GetPublicKey()}
		if k.GetRetiredAt() != nil {
			key.RetiredAt = k.GetRetiredAt().AsTime()
		}
		if err := ring.Add(key); err != nil {
			return nil, fmt.Errorf("sync: key %s: %w", k.GetKeyId(), err)
		}
	}
	return ring, nil
}

// offline verifies payloads round-robin on every core until count checks
// are done or the phase deadline passes: what a scanner does without a
// network, minus its local queue's fsync.
func offline(ctx context.Context, pid int, r *ScanResult, ring *ticket.KeyRing, payloads []string, count int, phase time.Duration) {
	ctx, cancel := context.WithTimeout(ctx, phase)
	defer cancel()
	workers := runtime.GOMAXPROCS(0)
	var next, checked, failed atomic.Int64
	var wg sync.WaitGroup
	now := time.Now()
	m := startMeter(pid)
	t0 := time.Now()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				// Checking the deadline every 256 checks keeps its cost out
				// of a loop that runs in tens of microseconds.
				if i >= count || (i%256 == 0 && ctx.Err() != nil) {
					return
				}
				if _, err := ticket.Verify(payloads[i%len(payloads)], ring, now); err != nil {
					failed.Add(1)
				}
				checked.Add(1)
			}
		})
	}
	wg.Wait()
	wall := time.Since(t0)
	r.OfflineUsage = m.done()
	done := int(checked.Load())
	r.OfflineWorkers = workers
	r.OfflineVerified = done - int(failed.Load())
	r.OfflineFailed = int(failed.Load())
	if done > 0 {
		r.OfflinePerS = round1(float64(done) / wall.Seconds())
		r.OfflineCPUMicros = round1(r.OfflineUsage.ClientCPUS / float64(done) * 1e6)
	}
}

// trimEnum drops an enum's type prefix (SCAN_VERDICT_ACCEPTED → ACCEPTED).
func trimEnum(s, prefix string) string {
	if len(s) > len(prefix) && s[:len(prefix)] == prefix {
		return s[len(prefix):]
	}
	return s
}
