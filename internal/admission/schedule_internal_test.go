package admission

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/outbox"
)

// recordingTx records the messages a scan schedules and cancels; the other
// Tx methods are not used by schedule.
type recordingTx struct {
	Tx
	queued    []outbox.Message
	cancelled int
}

func (r *recordingTx) Enqueue(_ context.Context, m outbox.Message) error {
	r.queued = append(r.queued, m)
	return nil
}

func (r *recordingTx) CancelMessages(context.Context, string, time.Time) error {
	r.cancelled++
	return nil
}

// The expiry messages follow the person: scheduled at the first entry,
// cancelled by an exit, scheduled again by a re-entry for the same end of
// stay, never for a stay already over or twice while inside.
func TestScheduleFollowsPresence(t *testing.T) {
	t.Parallel()
	entered := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	expires := entered.Add(90 * time.Minute)
	policy := catalog.TicketPolicy{MaxStay: 90 * time.Minute, WarningLead: 10 * time.Minute}
	outside := gate.Presence{}
	inside := gate.Presence{State: gate.Inside, EnteredAt: entered, ExpiresAt: expires}
	exited := gate.Presence{State: gate.Exited, EnteredAt: entered, ExpiresAt: expires, ExitedAt: entered.Add(20 * time.Minute)}
	for _, tc := range []struct {
		name          string
		before, after gate.Presence
		now           time.Time
		wantDue       []time.Time
		wantCancel    int
	}{
		{"first entry", outside, inside, entered, []time.Time{expires, expires.Add(-10 * time.Minute)}, 0},
		{"exit", inside, exited, entered.Add(20 * time.Minute), nil, 1},
		{"re-entry", exited, inside, entered.Add(30 * time.Minute), []time.Time{expires, expires.Add(-10 * time.Minute)}, 0},
		{"re-entry after the warning time", exited, inside, expires.Add(-5 * time.Minute), []time.Time{expires}, 0},
		{"still inside", inside, inside, entered.Add(time.Minute), nil, 0},
		{"stay already over", exited, inside, expires.Add(time.Minute), nil, 0},
		{"no maximum stay", outside, gate.Presence{State: gate.Inside, EnteredAt: entered}, entered, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tx := &recordingTx{}
			require.NoError(t, schedule(t.Context(), tx, "t1", tc.before, tc.after, policy, tc.now))
			var due []time.Time
			for _, m := range tx.queued {
				require.Equal(t, TicketSubject("t1"), m.SubjectKey)
				due = append(due, m.DueAt)
			}
			require.Equal(t, tc.wantDue, due)
			require.Equal(t, tc.wantCancel, tx.cancelled)
		})
	}
}
