// Package gate decides scans at the entrance and exit of ticketed events.
// The decision is a pure function of the verified ticket, its gate state,
// the scanning gate and the time, so the server (online, one source of
// truth across gates) and the scanner (offline, from its local copy)
// apply exactly the same rules.
package gate

import (
	"slices"
	"time"

	"github.com/varco-gate/varco/internal/ticket"
)

// Direction is where a scanned person goes; values match varco.v1.ScanDirection.
type Direction int

// Directions.
const (
	Entry Direction = 1
	Exit  Direction = 2
)

// GateDirection is what a gate scans; values match varco.v1.GateDirection.
type GateDirection int

// Gate directions.
const (
	GateEntry GateDirection = 1
	GateExit  GateDirection = 2
	GateBoth  GateDirection = 3
)

// State is a ticket's gate state; values match varco.v1.TicketState.
type State int

// Ticket states.
const (
	Issued  State = 1
	Inside  State = 2
	Exited  State = 3
	Expired State = 4
	Revoked State = 5
)

// Verdict is the decision; values match varco.v1.ScanVerdict.
type Verdict int

// Verdicts.
const (
	Accepted Verdict = 1
	Refused  Verdict = 2
	// Flagged lets the person through but warns the operator: an exit
	// after the stay ran out (the overstay is recorded).
	Flagged Verdict = 3
)

// Reason explains a verdict; the names match varco.v1.ScanReason.
type Reason string

// Reasons beyond those of package ticket (OK, MALFORMED, FORGED,
// UNKNOWN_KEY, TOO_EARLY, TOO_LATE).
const (
	ReasonRevoked        Reason = "REVOKED"
	ReasonWrongResource  Reason = "WRONG_RESOURCE"
	ReasonWrongDirection Reason = "WRONG_DIRECTION"
	ReasonAlreadyInside  Reason = "ALREADY_INSIDE"
	ReasonAlreadyUsed    Reason = "ALREADY_USED"
	ReasonStayExpired    Reason = "STAY_EXPIRED"
	ReasonNotInside      Reason = "NOT_INSIDE"
	ReasonVenueFull      Reason = "VENUE_FULL"
)

// Gate is the scanning device's configuration.
type Gate struct {
	ResourceIDs []string
	Direction   GateDirection
	// ReentryResourceIDs lists resources whose tickets may enter again
	// after an exit.
	ReentryResourceIDs []string
	// MaxInside caps the people inside a resource at once, whatever the
	// seats sold (resource id → cap; absent or 0: no cap).
	MaxInside map[string]int
	// Inside counts the people (seats of inside tickets) inside each
	// resource now, as known to the decider: exact across gates on the
	// server, the device's own synced state offline. Only read where a
	// cap is set.
	Inside map[string]int
}

// Presence is a ticket's gate state as known to the decider.
type Presence struct {
	State     State
	EnteredAt time.Time // first entry
	ExpiresAt time.Time // end of the stay, when the ticket has a maximum stay
	ExitedAt  time.Time
}

// Decision is the outcome of a scan: the verdict, and the presence to store
// when the verdict changes it.
type Decision struct {
	Verdict Verdict
	Reason  Reason
	Next    Presence
	Changed bool
}

func refuse(r Reason, p Presence) Decision { return Decision{Verdict: Refused, Reason: r, Next: p} }

// Decide applies the gate rules to a ticket whose signature was verified.
func Decide(c ticket.Claims, p Presence, g Gate, dir Direction, now time.Time) Decision {
	if p.State == Revoked {
		return refuse(ReasonRevoked, p)
	}
	if !slices.Contains(g.ResourceIDs, c.ResourceID) {
		return refuse(ReasonWrongResource, p)
	}
	if (dir == Entry && g.Direction == GateExit) || (dir == Exit && g.Direction == GateEntry) || (dir != Entry && dir != Exit) {
		return refuse(ReasonWrongDirection, p)
	}
	if dir == Exit {
		return decideExit(p, now)
	}
	if p.State == Inside {
		if !p.ExpiresAt.IsZero() && now.After(p.ExpiresAt) {
			return refuse(ReasonStayExpired, p)
		}
		return refuse(ReasonAlreadyInside, p)
	}
	if p.State == Expired {
		return refuse(ReasonStayExpired, p)
	}
	if p.State == Exited && !slices.Contains(g.ReentryResourceIDs, c.ResourceID) {
		return refuse(ReasonAlreadyUsed, p)
	}
	if r := c.Window(now); r != ticket.ReasonOK {
		return refuse(Reason(r), p)
	}
	if limit := g.MaxInside[c.ResourceID]; limit > 0 && g.Inside[c.ResourceID]+c.Seats > limit {
		// The whole party enters together or waits: an exit frees room.
		return refuse(ReasonVenueFull, p)
	}
	next := p
	next.State = Inside
	if next.EnteredAt.IsZero() {
		// The timer starts at the first entry and is not reset by a
		// re-entry: the maximum stay bounds the whole visit.
		next.EnteredAt = now
		if end, ok := c.ExpiresAt(now); ok {
			next.ExpiresAt = end
		}
	}
	if !next.ExpiresAt.IsZero() && now.After(next.ExpiresAt) {
		return refuse(ReasonStayExpired, p)
	}
	return Decision{Verdict: Accepted, Reason: Reason(ticket.ReasonOK), Next: next, Changed: true}
}

func decideExit(p Presence, now time.Time) Decision {
	if p.State != Inside {
		return refuse(ReasonNotInside, p)
	}
	next := p
	next.State, next.ExitedAt = Exited, now
	d := Decision{Verdict: Accepted, Reason: Reason(ticket.ReasonOK), Next: next, Changed: true}
	if !p.ExpiresAt.IsZero() && now.After(p.ExpiresAt) {
		// Let them out, but the overstay is flagged for the operator.
		d.Verdict, d.Reason = Flagged, ReasonStayExpired
	}
	return d
}
