package admission

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/ticket"
)

// MaxUpload is the most scans one upload may carry.
const MaxUpload = 500

var errTooMany = fault.InvalidField("scans", "too_many_scans")

// Outcome is what happened to an uploaded scan; values match
// varco.v1.UploadOutcome.
type Outcome int

// Outcomes.
const (
	Recorded  Outcome = 1
	Duplicate Outcome = 2
	Conflict  Outcome = 3
	Rejected  Outcome = 4
)

// OfflineScan is a scan a scanner decided while offline.
type OfflineScan struct {
	Scan
	LocalVerdict gate.Verdict
	LocalReason  gate.Reason
}

// UploadResult is the outcome of one uploaded scan.
type UploadResult struct {
	ScanID  string
	Outcome Outcome
	Server  Record
}

// Upload records scans decided offline, in device-time order, in one
// transaction. What happened at the gate happened: a scan the scanner
// accepted is applied even when the server would have refused it (for
// example the same ticket entering at two offline gates), and recorded as a
// conflict for the organizers instead of being dropped. The exception is a
// ticket of a resource the gate does not serve (another organization's, in
// particular): it is recorded as refused (WRONG_RESOURCE), a conflict when
// the device let it through, and never changes the ticket. Scan ids make a
// repeated upload harmless.
func (s *Service) Upload(ctx context.Context, p authz.Principal, scans []OfflineScan) ([]UploadResult, error) {
	if len(scans) > MaxUpload {
		return nil, errTooMany
	}
	order := make([]int, len(scans))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return scans[order[a]].ScannedAt.Before(scans[order[b]].ScannedAt) })
	results := make([]UploadResult, len(scans))
	resources := map[string]resourceInfo{}
	now := s.clk.Now()
	err := s.store.ScanTx(ctx, func(tx Tx) error {
		for _, i := range order {
			r, err := s.uploadOne(ctx, tx, p, scans[i], resources, now)
			if err != nil {
				return err
			}
			results[i] = r
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("upload scans: %w", err)
	}
	for _, r := range results {
		if r.Outcome == Recorded || r.Outcome == Conflict {
			s.observed(r.Server)
		}
	}
	return results, nil
}

func (s *Service) uploadOne(ctx context.Context, tx Tx, p authz.Principal, sc OfflineScan, resources map[string]resourceInfo, now time.Time) (UploadResult, error) {
	res := UploadResult{ScanID: sc.ID}
	if Validate(sc.Scan) != nil || sc.ScannedAt.IsZero() {
		res.Outcome = Rejected
		return res, nil
	}
	if prev, ok, err := tx.GetScan(ctx, sc.ID); err != nil || ok {
		if err == nil && prev.DeviceID != p.DeviceID {
			// Another device's scan id: not this device's to see or repeat.
			res.Outcome = Rejected
			return res, nil
		}
		res.Outcome, res.Server = Duplicate, shown(p, prev)
		return res, err
	}
	rec := Record{ID: sc.ID, DeviceID: p.DeviceID, OrganizationID: p.DeviceOrgID, Direction: sc.Direction,
		ScannedAt: sc.ScannedAt, ReceivedAt: now, Offline: true, LocalVerdict: sc.LocalVerdict, LocalReason: sc.LocalReason}
	locallyLetThrough := sc.LocalVerdict == gate.Accepted || sc.LocalVerdict == gate.Flagged
	// Decided as of the scan: windows and stays are judged at device time.
	claims, verr := ticket.Verify(sc.Payload, s.keys, sc.ScannedAt)
	rec.TicketID, rec.ResourceID, rec.Seats = claims.TicketID, claims.ResourceID, claims.Seats
	if verr != nil {
		rec.Verdict, rec.Reason = gate.Refused, gate.Reason(ticket.ReasonOf(verr))
		rec.Conflict = locallyLetThrough
		res.Outcome, res.Server = outcome(rec.Conflict), rec
		return res, tx.InsertScan(ctx, rec)
	}
	info, err := s.resource(ctx, claims.ResourceID, resources)
	if err != nil {
		return res, err
	}
	rec.TicketOrganizationID = info.orgID
	if !serves(p, claims.ResourceID, info.orgID) {
		// Another organization's ticket: whatever this gate did, the
		// ticket's own gates keep deciding on it. A scan the device let
		// through is a conflict, listed to both organizations.
		rec.Verdict, rec.Reason = gate.Refused, gate.ReasonWrongResource
		rec.Conflict = locallyLetThrough
		res.Outcome, res.Server = outcome(rec.Conflict), rec
		return res, tx.InsertScan(ctx, rec)
	}
	policy := info.policy
	g := gate.Gate{ResourceIDs: p.DeviceResourceIDs, Direction: gate.GateDirection(p.DeviceDirection)}
	if policy.AllowReentry {
		g.ReentryResourceIDs = []string{claims.ResourceID}
	}
	presence, found, err := tx.GetPresence(ctx, claims.TicketID)
	if err != nil {
		return res, err
	}
	if !found {
		presence.State = gate.Revoked
	}
	// The cap is judged against the people inside now, as the server knows
	// them: a device's offline count may have missed other gates' entries.
	if err := capped(ctx, tx, &g, claims, policy, sc.Direction); err != nil {
		return res, err
	}
	d := gate.Decide(claims, presence, g, sc.Direction, sc.ScannedAt)
	rec.Verdict, rec.Reason = d.Verdict, d.Reason
	serverLetsThrough := d.Verdict == gate.Accepted || d.Verdict == gate.Flagged
	rec.Conflict = serverLetsThrough != locallyLetThrough
	next, apply := d.Next, d.Changed && locallyLetThrough
	if locallyLetThrough && !serverLetsThrough && presence.State != gate.Revoked {
		// The person went through anyway: make the presence say so.
		next, apply = physical(claims, presence, sc)
	}
	if apply {
		if err := tx.SetPresence(ctx, claims.TicketID, next, now); err != nil {
			return res, err
		}
		if err := schedule(ctx, tx, claims.TicketID, presence, next, policy, now); err != nil {
			return res, err
		}
	}
	rec.EnteredAt, rec.ExpiresAt = next.EnteredAt, next.ExpiresAt
	res.Outcome, res.Server = outcome(rec.Conflict), rec
	return res, tx.InsertScan(ctx, rec)
}

// physical is the presence after a scan the gate let through although the
// rules (with knowledge the offline scanner lacked) would not have.
func physical(c ticket.Claims, p gate.Presence, sc OfflineScan) (gate.Presence, bool) {
	switch {
	case sc.Direction == gate.Entry && p.State != gate.Inside:
		p.State = gate.Inside
		if p.EnteredAt.IsZero() {
			p.EnteredAt = sc.ScannedAt
			if end, ok := c.ExpiresAt(sc.ScannedAt); ok {
				p.ExpiresAt = end
			}
		}
		return p, true
	case sc.Direction == gate.Exit && p.State != gate.Exited:
		p.State, p.ExitedAt = gate.Exited, sc.ScannedAt
		return p, true
	}
	return p, false
}

func outcome(conflict bool) Outcome {
	if conflict {
		return Conflict
	}
	return Recorded
}
