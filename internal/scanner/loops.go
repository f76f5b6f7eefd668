package scanner

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// Timings of the background loops.
const (
	// IdleUploadCheck is how often the uploader looks at the queue when
	// nothing wakes it (a scan queued or the server answering wakes it at
	// once).
	IdleUploadCheck = time.Minute
	// SyncUnimplementedRetry is how long to wait before asking again a
	// server that does not offer Sync (an older server).
	SyncUnimplementedRetry = 5 * time.Minute
	// SaveInterval is how often state learnt from online scans is written.
	SaveInterval = 15 * time.Second
)

// Backoff computes exponential retry delays with jitter: the n-th delay is
// drawn from [d/2, d) with d = Base·2^n capped at Max, so that gates that
// lost the network together do not all come back at the same instant,
// while a delay is never shorter than half the nominal one.
type Backoff struct {
	Base, Max time.Duration
	// Rand returns numbers in [0, 1).
	Rand    func() float64
	attempt int
}

// Next returns the delay before the next attempt and counts the attempt.
func (b *Backoff) Next() time.Duration {
	d := b.Base
	for range b.attempt {
		if d >= b.Max/2 {
			d = b.Max
			break
		}
		d *= 2
	}
	d = min(d, b.Max)
	b.attempt++
	half := d / 2
	return half + time.Duration(b.Rand()*float64(d-half))
}

// Reset starts over after a success.
func (b *Backoff) Reset() { b.attempt = 0 }

// FlushReport is what one FlushOnce did.
type FlushReport struct {
	Uploaded, Recorded, Duplicates, Conflicts, Rejected int
	// Results are the server's answers, in upload order.
	Results []*varcov1.UploadResult
}

// FlushOnce uploads the whole queue, in batches of at most UploadBatch
// scans, and drops every scan the server answered for: recorded,
// duplicate, conflict and rejected are all final. It stops at the first
// failed batch, keeping it (and the rest) for the next try.
func (s *Scanner) FlushOnce(ctx context.Context) (FlushReport, error) {
	s.flush.Lock()
	defer s.flush.Unlock()
	var rep FlushReport
	for {
		batch, err := s.store.Queue(s.cfg.UploadBatch)
		if err != nil {
			return rep, err
		}
		if len(batch) == 0 {
			return rep, nil
		}
		req := &varcov1.UploadScansRequest{Scans: make([]*varcov1.OfflineScan, len(batch))}
		for i, q := range batch {
			req.Scans[i] = offlineScanProto(q)
		}
		uctx, cancel := context.WithTimeout(ctx, s.cfg.UploadTimeout)
		res, err := s.gate.UploadScans(uctx, req)
		cancel()
		if err != nil {
			return rep, fmt.Errorf("upload %d scans: %w", len(batch), err)
		}
		done := map[string]bool{}
		for _, r := range res.GetResults() {
			switch r.GetOutcome() {
			case varcov1.UploadOutcome_UPLOAD_OUTCOME_RECORDED:
				rep.Recorded++
			case varcov1.UploadOutcome_UPLOAD_OUTCOME_DUPLICATE:
				rep.Duplicates++
			case varcov1.UploadOutcome_UPLOAD_OUTCOME_CONFLICT:
				rep.Conflicts++
				s.log.Warn("offline scan conflicts with the server; reported to the organizers",
					"scan_id", r.GetScanId(), "server_reason", reasonFromProto(r.GetServerVerdict().GetReason()))
			case varcov1.UploadOutcome_UPLOAD_OUTCOME_REJECTED:
				rep.Rejected++
			default:
				continue // no answer for this scan: keep it
			}
			done[r.GetScanId()] = true
			rep.Results = append(rep.Results, r)
		}
		if len(done) == 0 {
			return rep, fmt.Errorf("upload %d scans: the server answered for none of them", len(batch))
		}
		s.setPause(time.Time{}) // the server answers: scans may try it again
		if err := s.store.Remove(done); err != nil {
			return rep, err
		}
		rep.Uploaded += len(done)
	}
}

func offlineScanProto(q QueuedScan) *varcov1.OfflineScan {
	v := &varcov1.Verdict{Verdict: varcov1.ScanVerdict(q.Verdict), Reason: reasonToProto(q.Reason),
		TicketId: q.TicketID, Seats: int32(q.Seats)}
	if q.Next != nil {
		if !q.Next.EnteredAt.IsZero() {
			v.EnteredAt = timestamppb.New(q.Next.EnteredAt)
		}
		if !q.Next.ExpiresAt.IsZero() {
			v.ExpiresAt = timestamppb.New(q.Next.ExpiresAt)
		}
	}
	return &varcov1.OfflineScan{ScanId: q.ScanID, Payload: q.Payload, Direction: varcov1.ScanDirection(q.Direction),
		ScannedAt: timestamppb.New(q.ScannedAt), LocalVerdict: v}
}

// SyncOnce follows one Sync stream from the stored cursor, applying every
// message, until the stream ends or fails; applied, when set, is called
// after each message is applied. It returns ErrDeviceRevoked when the
// server says the device was revoked.
func (s *Scanner) SyncOnce(ctx context.Context, applied func()) error {
	cursor := s.store.Cursor()
	defer s.syncing.Store(false)
	return s.gate.Sync(ctx, &varcov1.SyncRequest{Cursor: cursor}, func(m *varcov1.SyncResponse) error {
		if err := s.store.ApplySync(m, s.clk.Now()); err != nil {
			return err
		}
		s.syncing.Store(true)
		s.setPause(time.Time{}) // the server answers: scans may try it again
		if applied != nil {
			applied()
		}
		return nil
	})
}

// Run keeps the device in step with the server until ctx ends: it uploads
// the offline queue, follows Sync and saves the state now and then. It
// returns ErrDeviceRevoked (at once) when the device is revoked, otherwise
// nil when ctx ends, after a last save.
func (s *Scanner) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	wg.Go(func() { s.uploadLoop(ctx) })
	wg.Go(func() {
		if err := s.syncLoop(ctx); err != nil {
			cancel(err)
		}
	})
	wg.Go(func() { s.saveLoop(ctx) })
	wg.Wait()
	err := s.store.Save()
	if cause := context.Cause(ctx); errors.Is(cause, ErrDeviceRevoked) {
		return errors.Join(ErrDeviceRevoked, err)
	}
	return err
}

// wait sleeps for d or until ctx ends or wake fires; it reports whether
// ctx is still alive.
func wait(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	case <-wake:
	}
	return true
}

func (s *Scanner) uploadLoop(ctx context.Context) {
	bo := Backoff{Base: 2 * time.Second, Max: 5 * time.Minute, Rand: s.cfg.Rand}
	for ctx.Err() == nil {
		if s.store.QueueLen() == 0 {
			if !wait(ctx, IdleUploadCheck, s.queued) {
				return
			}
			continue
		}
		rep, err := s.FlushOnce(ctx)
		if rep.Uploaded > 0 {
			s.log.Info("offline scans uploaded", "uploaded", rep.Uploaded, "recorded", rep.Recorded,
				"duplicates", rep.Duplicates, "conflicts", rep.Conflicts, "rejected", rep.Rejected)
		}
		if err == nil {
			bo.Reset()
			continue
		}
		d := bo.Next()
		s.log.Debug("upload failed, retrying later", "err", err, "in", d, "queued", s.store.QueueLen())
		// An online scan that went through means the server is back:
		// no reason to sit out the rest of the backoff.
		if !wait(ctx, d, s.reachable) {
			return
		}
	}
}

func (s *Scanner) syncLoop(ctx context.Context) error {
	bo := Backoff{Base: time.Second, Max: time.Minute, Rand: s.cfg.Rand}
	saidUnimplemented := false
	for ctx.Err() == nil {
		err := s.SyncOnce(ctx, bo.Reset)
		var d time.Duration
		switch {
		case ctx.Err() != nil:
			return nil
		case errors.Is(err, ErrDeviceRevoked):
			s.log.Error("the organizer revoked this device; its credential was deleted")
			return err
		case connect.CodeOf(err) == connect.CodeUnimplemented:
			// An older server: scans still work online, and offline with
			// whatever the store holds. Say so once, not every retry.
			if !saidUnimplemented {
				s.log.Info("the server does not offer Sync yet; offline decisions use the stored keys and state", "retry_every", SyncUnimplementedRetry)
				saidUnimplemented = true
			}
			d = SyncUnimplementedRetry
		case connect.CodeOf(err) == connect.CodeUnauthenticated || connect.CodeOf(err) == connect.CodePermissionDenied:
			d = bo.Next()
			s.log.Warn("the server refuses this device's credential", "err", err, "retry_in", d)
		default:
			d = bo.Next()
			if err != nil {
				s.log.Debug("sync interrupted, reconnecting", "err", err, "in", d)
			}
		}
		if !wait(ctx, d, nil) {
			return nil
		}
	}
	return nil
}

func (s *Scanner) saveLoop(ctx context.Context) {
	t := time.NewTicker(SaveInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.store.Save(); err != nil {
				s.log.Error("saving the local state", "err", err)
			}
		}
	}
}
