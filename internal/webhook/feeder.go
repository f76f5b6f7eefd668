package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/periodic"
)

// FeederConfig tunes the feeder. Zero values take the defaults.
type FeederConfig struct {
	// Interval between passes. Default 500ms.
	Interval time.Duration
	// Batch is the most records read per transaction. Default 500.
	Batch int
	// MaxBatches bounds the batches of one source per pass, so a backlog
	// is worked off in steps that leave the single writer to bookings in
	// between. Default 20.
	MaxBatches int
}

func (c FeederConfig) withDefaults() FeederConfig {
	if c.Interval <= 0 {
		c.Interval = 500 * time.Millisecond
	}
	if c.Batch <= 0 {
		c.Batch = 500
	}
	if c.MaxBatches <= 0 {
		c.MaxBatches = 20
	}
	return c
}

// Feeder turns committed booking history and scans into webhook
// deliveries. Each pass reads a snapshot on a reader (cursor, webhooks,
// records) and writes the deliveries and the new cursor in one short write
// transaction: a crash before the commit redoes the pass, one after it
// finds the cursor moved on, so every record is fed exactly once. Only
// records after a webhook's creation are delivered to it.
type Feeder struct {
	cfg   FeederConfig
	store FeedStore
	clk   clock.Clock
	log   *slog.Logger
	loop  periodic.Loop
}

// NewFeeder returns a feeder; Start runs it.
func NewFeeder(cfg FeederConfig, s FeedStore, clk clock.Clock, log *slog.Logger) *Feeder {
	return &Feeder{cfg: cfg.withDefaults(), store: s, clk: clk, log: log}
}

// Start feeds every Interval until Stop or ctx ends.
func (f *Feeder) Start(ctx context.Context) {
	f.loop.Start(ctx, f.cfg.Interval, f.log, "webhook feed failed", func(ctx context.Context) error {
		_, err := f.RunOnce(ctx)
		return err
	})
}

// Stop ends the feeder and waits for the pass in flight.
func (f *Feeder) Stop() { f.loop.Stop() }

// RunOnce feeds what is new: booking history, then scans (which set and
// stop expiry timers), then the timers due now. It returns how many
// deliveries it created.
func (f *Feeder) RunOnce(ctx context.Context) (int, error) {
	total := 0
	for _, step := range []func(context.Context) (int, bool, error){f.history, f.scans, f.timers} {
		for range f.cfg.MaxBatches {
			n, more, err := step(ctx)
			total += n
			if err != nil {
				return total, err
			}
			if !more {
				break
			}
		}
	}
	return total, nil
}

func (f *Feeder) history(ctx context.Context) (int, bool, error) {
	snap, err := f.store.HistorySnapshot(ctx, f.cfg.Batch)
	if err != nil || len(snap.Records) == 0 {
		return 0, false, err
	}
	now := f.clk.Now()
	c := Commit{Source: SourceHistory, From: snap.Position, Generation: snap.Generation}
	byOrg := webhooksByOrg(snap.Webhooks)
	for _, r := range snap.Records {
		c.To = r.ID
		p, ok := historyPayload(r)
		if !ok {
			continue
		}
		for _, w := range byOrg[r.OrganizationID] {
			if w.FromHistoryID >= r.ID || !w.Wants(p.Type) {
				continue
			}
			if err := c.add(w, p, now); err != nil {
				return 0, false, err
			}
		}
	}
	return f.commit(ctx, c, len(snap.Records))
}

func (f *Feeder) scans(ctx context.Context) (int, bool, error) {
	snap, err := f.store.ScanSnapshot(ctx, f.cfg.Batch)
	if err != nil || len(snap.Records) == 0 {
		return 0, false, err
	}
	now := f.clk.Now()
	c := Commit{Source: SourceScans, From: snap.Position, Generation: snap.Generation}
	byOrg := webhooksByOrg(snap.Webhooks)
	for _, r := range snap.Records {
		c.To = r.Seq
		p, ok := scanPayload(r)
		if !ok {
			continue
		}
		hooks := byOrg[r.OrganizationID]
		for _, w := range hooks {
			if w.FromScanSeq >= r.Seq || !w.Wants(p.Type) {
				continue
			}
			if err := c.add(w, p, now); err != nil {
				return 0, false, err
			}
		}
		switch p.Type {
		case TicketEntered:
			exp := p.Ticket.ExpiresAt
			if exp != nil && exp.After(p.OccurredAt) && anyExpiryHook(hooks, r.Seq) {
				c.Timers = append(c.Timers, TimerOp{Set: &Timer{TicketID: r.TicketID, OrganizationID: r.OrganizationID,
					EntrySeq: r.Seq, ExpiresAt: *exp}})
			}
		case TicketExited:
			c.Timers = append(c.Timers, TimerOp{StopID: r.TicketID, StopAt: p.OccurredAt})
		}
	}
	return f.commit(ctx, c, len(snap.Records))
}

func (f *Feeder) timers(ctx context.Context) (int, bool, error) {
	now := f.clk.Now()
	snap, err := f.store.DueTimers(ctx, now, f.cfg.Batch)
	if err != nil || len(snap.Records) == 0 {
		return 0, false, err
	}
	byOrg := webhooksByOrg(snap.Webhooks)
	fired := make([]Fired, 0, len(snap.Records))
	n := 0
	for _, r := range snap.Records {
		fd := Fired{Timer: r.Timer}
		if r.Booking != nil {
			p := Payload{
				ID:         EventID("ticket.expired/" + r.TicketID + "/" + strconv.FormatInt(r.ExpiresAt.UnixMilli(), 10)),
				Type:       TicketExpired,
				OccurredAt: utc(r.ExpiresAt), OrganizationID: r.OrganizationID,
				Booking: r.Booking, Ticket: &r.Ticket,
			}
			var c Commit
			for _, w := range byOrg[r.OrganizationID] {
				if w.FromScanSeq >= r.EntrySeq || !w.Wants(TicketExpired) {
					continue
				}
				if err := c.add(w, p, now); err != nil {
					return 0, false, err
				}
			}
			fd.Deliveries = c.Deliveries
			n += len(c.Deliveries)
		}
		fired = append(fired, fd)
	}
	if err := f.store.CommitFired(ctx, fired); err != nil {
		return 0, false, fmt.Errorf("fire webhook timers: %w", err)
	}
	return n, len(snap.Records) == f.cfg.Batch, nil
}

func (f *Feeder) commit(ctx context.Context, c Commit, read int) (int, bool, error) {
	err := f.store.CommitFeed(ctx, c)
	if errors.Is(err, ErrCursorMoved) {
		return 0, false, nil // another pass got there first; the next one resumes
	}
	if err != nil {
		return 0, false, fmt.Errorf("feed webhooks from %s: %w", c.Source, err)
	}
	return len(c.Deliveries), read == f.cfg.Batch, nil
}

// add queues the delivery of p to w.
func (c *Commit) add(w Webhook, p Payload, now time.Time) error {
	p.OrganizationID = w.OrganizationID
	body, err := p.Encode()
	if err != nil {
		return err
	}
	c.Deliveries = append(c.Deliveries, NewDelivery{ID: uuid.NewString(), WebhookID: w.ID, Event: p.Type, EventID: p.ID,
		Payload: body, DueAt: now, CreatedAt: now})
	return nil
}

func webhooksByOrg(list []Webhook) map[string][]Webhook {
	out := make(map[string][]Webhook)
	for _, w := range list {
		out[w.OrganizationID] = append(out[w.OrganizationID], w)
	}
	return out
}

func anyExpiryHook(hooks []Webhook, seq int64) bool {
	for _, w := range hooks {
		if w.FromScanSeq < seq && w.Wants(TicketExpired) {
			return true
		}
	}
	return false
}

// historyPayload maps a history line to its event; false for lines that
// are not events of their own (the "confirmed" line of a booking made by a
// reschedule is part of the booking.rescheduled event).
func historyPayload(r HistoryRecord) (Payload, bool) {
	p := Payload{
		ID:         EventID("booking_history/" + strconv.FormatInt(r.ID, 10) + "/" + r.BookingID + "/" + strconv.FormatInt(r.At.UnixMilli(), 10)),
		OccurredAt: utc(r.At), OrganizationID: r.OrganizationID,
		Change: &ChangeData{Actor: actorName(r.ActorKind)},
	}
	b := r.Booking
	b.Status = StatusName(booking.Status(r.Status))
	p.Booking = &b
	switch booking.Status(r.Status) {
	case booking.Confirmed:
		if r.RescheduledFrom != "" {
			return p, false
		}
		p.Type = BookingCreated
	case booking.CancelledByUser, booking.CancelledByOperator:
		p.Type = BookingCancelled
	case booking.Done, booking.NoShow:
		p.Type = BookingAttendance
	case booking.Rescheduled:
		if r.Next == nil {
			return p, false
		}
		p.Type = BookingRescheduled
		next := *r.Next
		next.Status = StatusName(booking.Confirmed)
		p.PreviousBooking, p.Booking = &b, &next
	default:
		return p, false
	}
	return p, true
}

// scanPayload maps a scan that let its holder through to its event;
// refused scans and unknown tickets are not events.
func scanPayload(r ScanRecord) (Payload, bool) {
	verdict := r.Verdict
	at := r.ReceivedAt // online scans are decided at the server's time
	if r.Offline {
		verdict, at = r.LocalVerdict, r.ScannedAt // what happened at the gate happened
	}
	if (verdict != 1 && verdict != 3) || r.TicketID == "" || r.Booking == nil {
		return Payload{}, false
	}
	p := Payload{
		ID:         EventID("scan/" + r.ID),
		OccurredAt: utc(at), OrganizationID: r.OrganizationID,
		Booking: r.Booking, Ticket: &r.Ticket,
		Scan: &ScanData{ID: r.ID, DeviceID: r.DeviceID, Verdict: verdictName(verdict), Reason: r.Reason,
			ScannedAt: utc(r.ScannedAt), ReceivedAt: utc(r.ReceivedAt), Offline: r.Offline, Conflict: r.Conflict},
	}
	switch r.Direction {
	case 1:
		p.Type = TicketEntered
	case 2:
		p.Type = TicketExited
	default:
		return p, false
	}
	return p, true
}

// StatusName is the payload name of a booking status.
func StatusName(s booking.Status) string {
	switch s {
	case booking.Confirmed:
		return "confirmed"
	case booking.CancelledByUser:
		return "cancelled_by_user"
	case booking.CancelledByOperator:
		return "cancelled_by_operator"
	case booking.Done:
		return "done"
	case booking.NoShow:
		return "no_show"
	case booking.Rescheduled:
		return "rescheduled"
	}
	return "unknown"
}

func actorName(k int) string {
	switch booking.ActorKind(k) {
	case booking.ActorAnonymous:
		return "cancel_link"
	case booking.ActorCitizen:
		return "citizen"
	case booking.ActorStaff:
		return "staff"
	case booking.ActorDevice:
		return "device"
	}
	return "system"
}

func verdictName(v int) string {
	if v == 3 {
		return "flagged"
	}
	return "accepted"
}
