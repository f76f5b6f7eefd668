package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// The occupancy cap holds across gates: two gates online share one count
// of the people inside, an entry that would pass the cap is refused as
// VENUE_FULL at either gate until an exit frees room, and an offline entry
// let through past the cap is recorded as a conflict. Sync carries the cap
// to the devices.
func TestOccupancyCapAcrossGates(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	cat := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL)
	res, err := cat.GetResource(ctx, authBearer(&varcov1.GetResourceRequest{ResourceId: demo.TourID}, organizer))
	require.NoError(t, err)
	tour := res.Msg.GetResource()
	tour.GetPolicy().GetTickets().MaxInside = 3
	tour.GetPolicy().GetTickets().OfflineMaxAge = durationpb.New(2 * time.Hour)
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	_, err = admin.UpdateResource(ctx, authBearer(&varcov1.UpdateResourceRequest{Resource: tour}, organizer))
	require.NoError(t, err)
	res, err = cat.GetResource(ctx, authBearer(&varcov1.GetResourceRequest{ResourceId: demo.TourID}, organizer))
	require.NoError(t, err)
	require.EqualValues(t, 3, res.Msg.GetResource().GetPolicy().GetTickets().GetMaxInside(), "the cap is stored")

	north := scanner{enrollGate(t, b, organizer, "Nord", varcov1.GateDirection_GATE_DIRECTION_BOTH), varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)}
	south := scanner{enrollGate(t, b, organizer, "Sud", varcov1.GateDirection_GATE_DIRECTION_BOTH), varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)}
	offline := scanner{enrollGate(t, b, organizer, "Ovest", varcov1.GateDirection_GATE_DIRECTION_BOTH), varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)}

	sync, err := north.gate.Sync(ctx, authBearer(&varcov1.SyncRequest{}, north.cred))
	require.NoError(t, err)
	first := receiveUntil(t, sync, func(*varcov1.SyncResponse) bool { return true })
	require.Equal(t, map[string]int32{demo.TourID: 3}, first.GetSettings().GetMaxInside(), "sync carries the cap")
	require.Equal(t, 2*time.Hour, first.GetSettings().GetMaxDataAge().AsDuration(), "and the data age bound")
	require.Equal(t, clk.Now().UnixMilli(), first.GetServerTime().AsTime().UnixMilli(), "and the server's clock")
	require.NoError(t, sync.Close())

	people := registerCitizens(t, b, "CAP", 4)
	slot := tourSlot(t, b, clk.Now(), 0)
	_, pairA := bookTour(t, people[0], slot, 2)
	_, pairB := bookTour(t, people[1], slot, 2)
	_, single := bookTour(t, people[2], slot, 1)
	_, late := bookTour(t, people[3], slot, 1)
	clk.Set(slot.GetStart().AsTime())

	reason := func(v *varcov1.Verdict) varcov1.ScanReason { return v.GetReason() }
	const ok, full = varcov1.ScanReason_SCAN_REASON_OK, varcov1.ScanReason_SCAN_REASON_VENUE_FULL
	require.Equal(t, ok, reason(north.scan(t, uuid.NewString(), pairA, entry)), "2 of 3 inside")
	require.Equal(t, full, reason(south.scan(t, uuid.NewString(), pairB, entry)), "2+2 > 3, seen from the other gate")
	require.Equal(t, ok, reason(south.scan(t, uuid.NewString(), single, entry)), "2+1 = 3 fits")
	v := north.scan(t, uuid.NewString(), pairB, entry)
	require.Equal(t, full, v.GetReason())
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_REFUSED, v.GetVerdict())
	require.Equal(t, "Capienza raggiunta, attendere un'uscita", v.GetMessage())
	require.Equal(t, ok, reason(south.scan(t, uuid.NewString(), pairA, exit)), "an exit frees room")
	require.Equal(t, ok, reason(north.scan(t, uuid.NewString(), pairB, entry)), "1+2 = 3 fits again")

	// A third gate, offline, let one more person in: the server, which
	// counts 3 inside, records the entry as a conflict and the person as
	// inside (they did go through).
	scanID := uuid.NewString()
	up, err := offline.gate.UploadScans(ctx, authBearer(&varcov1.UploadScansRequest{Scans: []*varcov1.OfflineScan{{
		ScanId: scanID, Payload: late, Direction: entry, ScannedAt: timestamppb.New(clk.Now()),
		LocalVerdict: &varcov1.Verdict{Verdict: varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, Reason: ok},
	}}}, offline.cred))
	require.NoError(t, err)
	require.Equal(t, varcov1.UploadOutcome_UPLOAD_OUTCOME_CONFLICT, up.Msg.GetResults()[0].GetOutcome())
	require.Equal(t, full, up.Msg.GetResults()[0].GetServerVerdict().GetReason())
	require.Equal(t, varcov1.ScanReason_SCAN_REASON_ALREADY_INSIDE, reason(north.scan(t, uuid.NewString(), late, entry)))
	conflicts, err := admin.ListScanConflicts(ctx, authBearer(&varcov1.ListScanConflictsRequest{OrganizationId: demo.ComuneID}, organizer))
	require.NoError(t, err)
	require.Len(t, conflicts.Msg.GetConflicts(), 1)
	require.Equal(t, scanID, conflicts.Msg.GetConflicts()[0].GetScanId())
}
