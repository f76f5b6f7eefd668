package gate

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/ticket"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC) // tour at 10:00 Rome
	claims := ticket.Claims{TicketID: "t", ResourceID: "tour", ValidFrom: start.Add(-15 * time.Minute),
		ValidUntil: start.Add(time.Hour), MaxStay: 90 * time.Minute, Seats: 2}
	both := Gate{ResourceIDs: []string{"tour"}, Direction: GateBoth}
	entered := start.Add(-5 * time.Minute)
	inside := Presence{State: Inside, EnteredAt: entered, ExpiresAt: entered.Add(90 * time.Minute)}
	exited := Presence{State: Exited, EnteredAt: entered, ExpiresAt: entered.Add(90 * time.Minute), ExitedAt: start.Add(30 * time.Minute)}
	tests := []struct {
		name        string
		p           Presence
		g           Gate
		dir         Direction
		now         time.Time
		wantVerdict Verdict
		wantReason  Reason
		wantState   State
	}{
		{"first entry starts the timer", Presence{State: Issued}, both, Entry, entered, Accepted, "OK", Inside},
		{"too early", Presence{State: Issued}, both, Entry, start.Add(-time.Hour), Refused, "TOO_EARLY", Issued},
		{"too late", Presence{State: Issued}, both, Entry, start.Add(2 * time.Hour), Refused, "TOO_LATE", Issued},
		{"revoked", Presence{State: Revoked}, both, Entry, entered, Refused, ReasonRevoked, Revoked},
		{"wrong resource", Presence{State: Issued}, Gate{ResourceIDs: []string{"boat"}, Direction: GateBoth}, Entry, entered, Refused, ReasonWrongResource, Issued},
		{"entry at an exit-only gate", Presence{State: Issued}, Gate{ResourceIDs: []string{"tour"}, Direction: GateExit}, Entry, entered, Refused, ReasonWrongDirection, Issued},
		{"exit at an entry-only gate", inside, Gate{ResourceIDs: []string{"tour"}, Direction: GateEntry}, Exit, start, Refused, ReasonWrongDirection, Inside},
		{"anti-passback: already inside", inside, both, Entry, start, Refused, ReasonAlreadyInside, Inside},
		{"exit closes the ticket", inside, both, Exit, start.Add(30 * time.Minute), Accepted, "OK", Exited},
		{"used ticket cannot enter again", exited, both, Entry, start.Add(40 * time.Minute), Refused, ReasonAlreadyUsed, Exited},
		{"exit without entry", Presence{State: Issued}, both, Exit, start, Refused, ReasonNotInside, Issued},
		{"second exit", exited, both, Exit, start.Add(40 * time.Minute), Refused, ReasonNotInside, Exited},
		{"overstay exit is let out but flagged", inside, both, Exit, entered.Add(2 * time.Hour), Flagged, ReasonStayExpired, Exited},
		{"entry attempt after the stay ran out", inside, both, Entry, entered.Add(2 * time.Hour), Refused, ReasonStayExpired, Inside},
		{"expired ticket", Presence{State: Expired}, both, Entry, start, Refused, ReasonStayExpired, Expired},
		{"re-entry where allowed keeps the first timer", exited, Gate{ResourceIDs: []string{"tour"}, Direction: GateBoth, ReentryResourceIDs: []string{"tour"}},
			Entry, start.Add(40 * time.Minute), Accepted, "OK", Inside},
		{"venue full: the party would pass the cap", Presence{State: Issued}, Gate{ResourceIDs: []string{"tour"}, Direction: GateBoth,
			MaxInside: map[string]int{"tour": 10}, Inside: map[string]int{"tour": 9}}, Entry, entered, Refused, ReasonVenueFull, Issued},
		{"venue full: the party fills the cap exactly", Presence{State: Issued}, Gate{ResourceIDs: []string{"tour"}, Direction: GateBoth,
			MaxInside: map[string]int{"tour": 10}, Inside: map[string]int{"tour": 8}}, Entry, entered, Accepted, "OK", Inside},
		{"venue full: another resource's cap does not apply", Presence{State: Issued}, Gate{ResourceIDs: []string{"tour"}, Direction: GateBoth,
			MaxInside: map[string]int{"boat": 1}, Inside: map[string]int{"boat": 5}}, Entry, entered, Accepted, "OK", Inside},
		{"venue full: an exit is always let out", inside, Gate{ResourceIDs: []string{"tour"}, Direction: GateBoth,
			MaxInside: map[string]int{"tour": 1}, Inside: map[string]int{"tour": 5}}, Exit, start, Accepted, "OK", Exited},
		{"venue full: anti-passback first", inside, Gate{ResourceIDs: []string{"tour"}, Direction: GateBoth,
			MaxInside: map[string]int{"tour": 1}, Inside: map[string]int{"tour": 5}}, Entry, start, Refused, ReasonAlreadyInside, Inside},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := Decide(claims, tt.p, tt.g, tt.dir, tt.now)
			require.Equal(t, tt.wantVerdict, d.Verdict)
			require.Equal(t, tt.wantReason, d.Reason)
			require.Equal(t, tt.wantState, d.Next.State)
			require.Equal(t, d.Verdict != Refused, d.Changed, "only accepted or flagged scans change state")
		})
	}
	first := Decide(claims, Presence{State: Issued}, both, Entry, entered)
	require.Equal(t, entered.Add(90*time.Minute), first.Next.ExpiresAt, "expires_at = entered_at + max stay")
	re := Decide(claims, exited, Gate{ResourceIDs: []string{"tour"}, Direction: GateBoth, ReentryResourceIDs: []string{"tour"}}, Entry, start.Add(40*time.Minute))
	require.Equal(t, entered, re.Next.EnteredAt)
	require.Equal(t, exited.ExpiresAt, re.Next.ExpiresAt)
}

// BenchmarkOfflineScan is a scanner's whole offline decision: signature
// verification plus the gate rules, against the raw verify in the same run
// (BenchmarkVerify in package ticket).
func BenchmarkOfflineScan(b *testing.B) {
	key, err := ticket.NewKey(nil, time.Unix(0, 0))
	require.NoError(b, err)
	ring, err := ticket.NewKeyRing(key)
	require.NoError(b, err)
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	payload, err := ring.Sign(ticket.Claims{TicketID: "0f8c2a60-4b2c-4e63-9c73-2b0e8b7d2a11", ResourceID: "5adb7f79-f5d3-5abf-b860-a5f9b3dce0ee",
		ValidFrom: now.Add(-time.Hour), ValidUntil: now.Add(time.Hour), MaxStay: 90 * time.Minute, Seats: 2})
	require.NoError(b, err)
	g := Gate{ResourceIDs: []string{"5adb7f79-f5d3-5abf-b860-a5f9b3dce0ee"}, Direction: GateBoth}
	b.ReportAllocs()
	for b.Loop() {
		c, err := ticket.Verify(payload, ring, now)
		if err != nil {
			b.Fatal(err)
		}
		if d := Decide(c, Presence{State: Issued}, g, Entry, now); d.Verdict != Accepted {
			b.Fatal(d.Reason)
		}
	}
}
