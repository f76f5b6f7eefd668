package scanner

import (
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/webapp"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

func TestUUIDKey(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		id string
		ok bool
	}{
		{"5adb7f79-f5d3-5abf-b860-a5f9b3dce0ee", true},
		{"00000000-0000-0000-0000-000000000000", true},
		{"5ADB7F79-F5D3-5ABF-B860-A5F9B3DCE0EE", false}, // would come back lowercase
		{"5adb7f79f5d35abfb860a5f9b3dce0ee", false},
		{"urn:uuid:5adb7f79-f5d3-5abf-b860-a5f9b3dce0ee", false},
		{"5adb7f79-f5d3-5abf-b860-a5f9b3dce0eg", false},
		{"5adb7f79+f5d3-5abf-b860-a5f9b3dce0ee", false},
		{"t-a", false},
		{"", false},
	} {
		k, ok := uuidKey(tc.id)
		require.Equal(t, tc.ok, ok, tc.id)
		if ok {
			require.Equal(t, tc.id, uuidString(k))
		}
	}
}

// Whatever goes in comes out the same, compact or not.
func TestPresenceMapRoundTrip(t *testing.T) {
	t.Parallel()
	rome := time.FixedZone("CET", 3600)
	id := "5adb7f79-f5d3-5abf-b860-a5f9b3dce0ee"
	for _, tc := range []struct {
		name, id string
		p        Presence
		compact  bool
	}{
		{"inside", id, Presence{ResourceID: tourID, State: gate.Inside, EnteredAt: t0, ExpiresAt: t0.Add(time.Hour), Seats: 3}, true},
		{"exited, nanoseconds", id, Presence{ResourceID: boatID, State: gate.Exited, EnteredAt: t0.Add(time.Nanosecond),
			ExpiresAt: t0.Add(time.Hour), ExitedAt: t0.Add(time.Minute), Seats: 1}, true},
		{"no resource", id, Presence{State: gate.Inside}, true},
		{"not a uuid", "t-a", Presence{ResourceID: tourID, State: gate.Inside, EnteredAt: t0}, false},
		{"at the epoch", id, Presence{State: gate.Inside, EnteredAt: time.Unix(0, 0).UTC()}, false},
		{"beyond 2262", id, Presence{State: gate.Inside, ExpiresAt: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}, false},
		{"a zone", id, Presence{State: gate.Inside, EnteredAt: t0.In(rome)}, true},
		{"many seats", id, Presence{State: gate.Inside, Seats: 1 << 40}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newPresenceMap(0)
			m.set(tc.id, Presence{State: gate.Exited, Seats: 1 << 40}) // replaced, compact or not
			m.set(tc.id, tc.p)
			got, ok := m.get(tc.id)
			require.True(t, ok)
			require.True(t, got.EnteredAt.Equal(tc.p.EnteredAt) && got.ExpiresAt.Equal(tc.p.ExpiresAt) && got.ExitedAt.Equal(tc.p.ExitedAt))
			got.EnteredAt, got.ExpiresAt, got.ExitedAt = tc.p.EnteredAt, tc.p.ExpiresAt, tc.p.ExitedAt
			require.Equal(t, tc.p, got)
			require.Equal(t, 1, m.len())
			require.Equal(t, tc.compact, len(m.byUUID) == 1)
			require.Equal(t, []string{tc.id}, m.ids())
			m.delete(tc.id)
			_, ok = m.get(tc.id)
			require.False(t, ok)
			require.Zero(t, m.len())
		})
	}
}

func TestRevokedMapAndInside(t *testing.T) {
	t.Parallel()
	ids := []string{uuid.NewString(), uuid.NewString(), uuid.NewString(), "t-legacy", "t-revoked"}
	pres, rev := newPresenceMap(0), newRevokedMap(0)
	for i, id := range ids {
		pres.set(id, Presence{ResourceID: tourID, State: gate.Inside, EnteredAt: t0, Seats: i + 1})
	}
	pres.set(uuid.NewString(), Presence{ResourceID: boatID, State: gate.Inside, Seats: 10})
	pres.set(uuid.NewString(), Presence{ResourceID: tourID, State: gate.Exited, Seats: 10})
	require.Equal(t, 1+2+3+4+5, pres.inside(tourID, &rev))
	rev.set(ids[1], t0)
	rev.set("t-revoked", time.Time{})
	require.Equal(t, 1+3+4, pres.inside(tourID, &rev))
	require.Equal(t, 10, pres.inside(boatID, &rev))
	require.Zero(t, pres.inside("another", &rev))
	at, ok := rev.get(ids[1])
	require.True(t, ok)
	require.True(t, at.Equal(t0))
	require.True(t, rev.has("t-revoked"))
	require.False(t, rev.has(ids[0]))
	require.Equal(t, map[string]time.Time{ids[1]: t0, "t-revoked": {}}, rev.all())
	require.Len(t, pres.all(), 7)
}

// 50,000 synced tickets (issue 19) are kept in memory in well under 100
// bytes each (91 measured); a map[string]Presence took about 250
// (247 measured). Not parallel: it
// reads the heap's size, which other tests would disturb.
func TestStoreMemoryPerSyncedTicket(t *testing.T) {
	const n = 50_000
	heap := func() uint64 {
		runtime.GC()
		runtime.GC() // the second empties sync.Pools (bbolt's pages)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	st := newStore(t, gate.GateBoth)
	before := heap()
	msg := &varcov1.SyncResponse{Reset_: true}
	for i := range n {
		id := uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "ticket-%d", i)).String()
		if i%3 == 2 {
			msg.Revocations = append(msg.Revocations, &varcov1.Revocation{TicketId: id, RevokedAt: timestamppb.New(t0)})
			continue
		}
		p := &varcov1.TicketPresence{TicketId: id, ResourceId: tourID, State: varcov1.TicketState_TICKET_STATE_INSIDE,
			EnteredAt: timestamppb.New(t0), ExpiresAt: timestamppb.New(t0.Add(2 * time.Hour)), Seats: 2}
		if i%3 == 1 {
			p.State, p.ExitedAt = varcov1.TicketState_TICKET_STATE_EXITED, timestamppb.New(t0.Add(time.Hour))
		}
		msg.Presences = append(msg.Presences, p)
	}
	require.NoError(t, st.ApplySync(msg, t0))
	msg = nil
	after := heap()
	perTicket := float64(after-before) / n
	t.Logf("%.0f bytes of heap per synced ticket", perTicket)
	require.Less(t, perTicket, 100.0)
	require.Equal(t, 2*((n+2)/3), st.Inside(tourID))
	runtime.KeepAlive(st)
}

// The gate page asks for /status every few seconds: its answer must not
// copy the store's tickets (State did, 50,000 of them, each time). Not
// parallel: it counts the process's allocations.
func TestStatusDoesNotCopyTickets(t *testing.T) {
	const n = 20_000
	st := newStore(t, gate.GateBoth)
	msg := &varcov1.SyncResponse{Reset_: true, Cursor: "c"}
	for i := range n {
		msg.Presences = append(msg.Presences, &varcov1.TicketPresence{TicketId: uuid.NewString(), ResourceId: tourID,
			State: varcov1.TicketState_TICKET_STATE_EXITED, EnteredAt: timestamppb.New(t0), Seats: int32(1 + i%2)})
	}
	require.NoError(t, st.ApplySync(msg, t0))
	s := newTestScanner(st, &fakeGate{}, clock.NewFake(t0))
	gateApp, err := fs.Sub(webapp.Dist(), "gate")
	require.NoError(t, err)
	page, err := s.NewPage(PageOptions{Lang: Italian, Location: time.UTC, App: gateApp})
	require.NoError(t, err)
	allocs := testing.AllocsPerRun(5, func() {
		w := httptest.NewRecorder()
		page.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "http://127.0.0.1/status", nil))
		require.Equal(t, http.StatusOK, w.Code)
	})
	require.Less(t, allocs, 1000.0, "allocations per /status with %d tickets", n)
}

// Meta is State without the tickets, for callers at start that need the
// identity and settings only.
func TestMetaIsStateWithoutTickets(t *testing.T) {
	t.Parallel()
	st := newStore(t, gate.GateBoth)
	st.Learn(uuid.NewString(), &Presence{ResourceID: tourID, State: gate.Inside, EnteredAt: t0}, t0)
	full, meta := st.State(), st.Meta()
	require.Len(t, full.Presences, 1)
	require.Len(t, full.Revoked, 1)
	require.Nil(t, meta.Presences)
	require.Nil(t, meta.Revoked)
	full.Presences, full.Revoked = nil, nil
	require.Equal(t, full, meta)
}
