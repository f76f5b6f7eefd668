// Package admission decides scans online: the server is the one source of
// truth across gates. It verifies the QR's signature, applies the gate
// rules (package gate) to the ticket's stored presence, records the scan
// idempotently by its client-generated id, and schedules the warning before
// a timed ticket's stay runs out (cancelled again by the exit), all in one
// transaction.
package admission

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/store"
	"github.com/varco-gate/varco/internal/ticket"
)

// Message kinds for timed tickets.
const (
	KindExpiryWarning = outbox.KindTicketExpiryWarning
	KindExpired       = outbox.KindTicketExpired
)

// TicketSubject groups a ticket's scheduled messages.
func TicketSubject(ticketID string) string { return "ticket:" + ticketID }

// Scan is one scan to decide.
type Scan struct {
	ID        string
	Payload   string
	Direction gate.Direction
	ScannedAt time.Time // device clock
}

// Record is a decided scan as stored.
type Record struct {
	ID, DeviceID, OrganizationID string
	TicketID, ResourceID         string
	Direction                    gate.Direction
	ScannedAt, ReceivedAt        time.Time
	Offline                      bool
	Verdict                      gate.Verdict
	Reason                       gate.Reason
	Seats                        int
	EnteredAt, ExpiresAt         time.Time
	// For offline scans: what the scanner decided, and whether the server
	// disagrees (a conflict, reported to organizers).
	LocalVerdict gate.Verdict
	LocalReason  gate.Reason
	Conflict     bool
	// TicketOrganizationID is the organization whose ticket was scanned,
	// known only when the QR verified. It differs from OrganizationID
	// (the scanning device's) when a gate scans another organization's
	// ticket: such a scan never changes the ticket, and its conflicts are
	// listed to both organizations.
	TicketOrganizationID string
}

// Tx is what deciding a scan may do inside its transaction.
type Tx interface {
	GetScan(ctx context.Context, id string) (Record, bool, error)
	// GetPresence returns a ticket's gate state; found is false for a
	// ticket the server never issued.
	GetPresence(ctx context.Context, ticketID string) (p gate.Presence, found bool, err error)
	SetPresence(ctx context.Context, ticketID string, p gate.Presence, at time.Time) error
	// CountInside returns the people (seats of unrevoked tickets inside)
	// inside a resource now, read in the scan's transaction so that the
	// occupancy cap holds across gates.
	CountInside(ctx context.Context, resourceID string) (int, error)
	InsertScan(ctx context.Context, r Record) error
	Enqueue(ctx context.Context, m outbox.Message) error
	CancelMessages(ctx context.Context, subject string, at time.Time) error
}

// Store runs scan transactions.
type Store interface {
	ScanTx(ctx context.Context, fn func(Tx) error) error
	GetResource(ctx context.Context, id string) (catalog.Resource, error)
}

// Service decides scans.
type Service struct {
	store Store
	keys  ticket.KeyLookup
	clk   clock.Clock
	// observe is told of every scan recorded for the first time.
	observe func(Record)
}

// New returns the admission service.
func New(s Store, keys ticket.KeyLookup, clk clock.Clock) *Service {
	return &Service{store: s, keys: keys, clk: clk}
}

// WithObserver makes s tell f of every scan it records, online or
// uploaded, once it is committed (metrics). Repeats of a scan already
// recorded (a retried request, an upload sent again) are not told again.
func (s *Service) WithObserver(f func(Record)) *Service {
	s.observe = f
	return s
}

func (s *Service) observed(r Record) {
	if s.observe != nil {
		s.observe(r)
	}
}

// Validate checks a scan request's fields.
func Validate(s Scan) error {
	if _, err := uuid.Parse(s.ID); err != nil {
		return fault.InvalidField("scan_id", "scan_id")
	}
	if s.Direction != gate.Entry && s.Direction != gate.Exit {
		return fault.InvalidField("direction", "required").Text("error.required.direction")
	}
	if s.Payload == "" || len(s.Payload) > ticket.MaxPayloadLen {
		return fault.InvalidField("payload", "payload")
	}
	return nil
}

// Decide decides a scan made by device p.
func (s *Service) Decide(ctx context.Context, p authz.Principal, sc Scan) (Record, error) {
	if err := Validate(sc); err != nil {
		return Record{}, err
	}
	now := s.clk.Now()
	rec := Record{ID: sc.ID, DeviceID: p.DeviceID, OrganizationID: p.DeviceOrgID, Direction: sc.Direction,
		ScannedAt: sc.ScannedAt, ReceivedAt: now}
	if rec.ScannedAt.IsZero() {
		rec.ScannedAt = now
	}
	claims, verr := ticket.Verify(sc.Payload, s.keys, now)
	// Claims come back (untrusted) with some errors: show the id anyway.
	rec.TicketID, rec.ResourceID, rec.Seats = claims.TicketID, claims.ResourceID, claims.Seats
	g := gate.Gate{ResourceIDs: p.DeviceResourceIDs, Direction: gate.GateDirection(p.DeviceDirection)}
	var res resourceInfo
	if verr == nil {
		var err error
		if res, err = s.resource(ctx, claims.ResourceID, nil); err != nil {
			return Record{}, fmt.Errorf("decide scan: %w", err)
		}
		rec.TicketOrganizationID = res.orgID
		if res.policy.AllowReentry {
			g.ReentryResourceIDs = []string{claims.ResourceID}
		}
	}
	policy := res.policy
	// recorded is set by the run of the transaction that commits (on
	// PostgreSQL a run may be repeated after a serialization conflict).
	recorded := false
	err := s.store.ScanTx(ctx, func(tx Tx) error {
		recorded = false
		if prev, ok, err := tx.GetScan(ctx, sc.ID); err != nil || ok {
			if err == nil && prev.DeviceID != p.DeviceID {
				return errScanIDTaken
			}
			rec = shown(p, prev)
			return err
		}
		recorded = true
		if verr != nil {
			rec.Verdict, rec.Reason = gate.Refused, gate.Reason(ticket.ReasonOf(verr))
			return tx.InsertScan(ctx, rec)
		}
		if !serves(p, claims.ResourceID, res.orgID) {
			// Another organization's ticket (or a resource this gate does
			// not serve): refused without reading or touching its state,
			// which is none of this gate's business.
			rec.Verdict, rec.Reason = gate.Refused, gate.ReasonWrongResource
			return tx.InsertScan(ctx, rec)
		}
		presence, found, err := tx.GetPresence(ctx, claims.TicketID)
		if err != nil {
			return err
		}
		if !found {
			// Signed by us but unknown here (e.g. a restored database):
			// not a valid ticket any more.
			presence.State = gate.Revoked
		}
		if err := capped(ctx, tx, &g, claims, policy, sc.Direction); err != nil {
			return err
		}
		d := gate.Decide(claims, presence, g, sc.Direction, now)
		rec.Verdict, rec.Reason = d.Verdict, d.Reason
		rec.EnteredAt, rec.ExpiresAt = d.Next.EnteredAt, d.Next.ExpiresAt
		if d.Changed {
			if err := tx.SetPresence(ctx, claims.TicketID, d.Next, now); err != nil {
				return err
			}
			if err := schedule(ctx, tx, claims.TicketID, presence, d.Next, policy, now); err != nil {
				return err
			}
		}
		return tx.InsertScan(ctx, rec)
	})
	if err != nil {
		if errors.Is(err, errScanIDTaken) {
			return Record{}, errScanIDTaken
		}
		return Record{}, fmt.Errorf("decide scan: %w", err)
	}
	if recorded {
		s.observed(rec)
	}
	return rec, nil
}

// errScanIDTaken answers a scan id another device already used: scan ids
// are client UUIDs, so this is a bug or a probe, and the other device's
// scan is not the caller's to see.
var errScanIDTaken = fault.InvalidField("scan_id", "scan_id_taken")

// resourceInfo is what deciding needs of a verified ticket's resource.
type resourceInfo struct {
	orgID  string
	policy catalog.TicketPolicy
}

// resource looks up a verified ticket's resource, through cache when
// given. A resource that does not exist (any more) has no organization,
// so no gate serves it.
func (s *Service) resource(ctx context.Context, id string, cache map[string]resourceInfo) (resourceInfo, error) {
	if info, ok := cache[id]; ok {
		return info, nil
	}
	r, err := s.store.GetResource(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return resourceInfo{}, err
	}
	info := resourceInfo{orgID: r.OrganizationID, policy: r.Policy.Tickets}
	if cache != nil {
		cache[id] = info
	}
	return info, nil
}

// capped gives g the ticket resource's occupancy cap and the people inside
// it now, when the resource has a cap and the scan is an entry (an exit is
// never held back).
func capped(ctx context.Context, tx Tx, g *gate.Gate, c ticket.Claims, policy catalog.TicketPolicy, dir gate.Direction) error {
	if policy.MaxInside <= 0 || dir != gate.Entry {
		return nil
	}
	n, err := tx.CountInside(ctx, c.ResourceID)
	if err != nil {
		return err
	}
	g.MaxInside = map[string]int{c.ResourceID: policy.MaxInside}
	g.Inside = map[string]int{c.ResourceID: n}
	return nil
}

// serves reports whether device p may decide on (and so change) tickets of
// resourceID, owned by orgID: only of the resources its gate serves, which
// enrollment took from its own organization.
func serves(p authz.Principal, resourceID, orgID string) bool {
	return orgID != "" && orgID == p.DeviceOrgID && slices.Contains(p.DeviceResourceIDs, resourceID)
}

// shown is a stored scan as its device may see it again: the current stay
// of a ticket its gate does not serve is another organization's business.
func shown(p authz.Principal, r Record) Record {
	if !slices.Contains(p.DeviceResourceIDs, r.ResourceID) {
		r.EnteredAt, r.ExpiresAt = time.Time{}, time.Time{}
	}
	return r
}

// schedule keeps a timed ticket's messages in step with its presence: an
// entry schedules the warning (expires_at - lead) and the expiry notice; an
// exit cancels whatever is still pending. A re-entry schedules them again
// for the end of the stay the first entry started, which a re-entry does
// not reset.
func schedule(ctx context.Context, tx Tx, ticketID string, before, after gate.Presence, p catalog.TicketPolicy, now time.Time) error {
	subject := TicketSubject(ticketID)
	if after.State == gate.Exited {
		return tx.CancelMessages(ctx, subject, now)
	}
	if after.State != gate.Inside || before.State == gate.Inside || after.ExpiresAt.IsZero() || !after.ExpiresAt.After(now) {
		return nil // no timer, already scheduled while inside, or already over
	}
	payload := outbox.Encode(outbox.TicketPayload{TicketID: ticketID, ExpiresAt: after.ExpiresAt.UTC().Format(time.RFC3339)})
	msgs := []outbox.Message{{Kind: KindExpired, DueAt: after.ExpiresAt}}
	if warn := after.ExpiresAt.Add(-p.WarningLead); p.WarningLead > 0 && warn.After(now) {
		msgs = append(msgs, outbox.Message{Kind: KindExpiryWarning, DueAt: warn})
	}
	for _, m := range msgs {
		m.ID, m.SubjectKey, m.Payload, m.CreatedAt = uuid.NewString(), subject, payload, now
		if err := tx.Enqueue(ctx, m); err != nil {
			return err
		}
	}
	return nil
}
