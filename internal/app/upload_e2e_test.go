package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// Two gates lose the network; the same ticket enters at both. On reconnect
// both uploads are kept: the first is recorded, the second is a conflict
// the organizers can see; a repeated upload is a duplicate.
func TestOfflineUploadsAndConflicts(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	gateA := scanner{enrollGate(t, b, organizer, "Nord", varcov1.GateDirection_GATE_DIRECTION_BOTH), varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)}
	gateB := scanner{enrollGate(t, b, organizer, "Sud", varcov1.GateDirection_GATE_DIRECTION_BOTH), varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)}
	p := registerCitizens(t, b, "OFF", 1)[0]
	slot := tourSlot(t, b, clk.Now(), 0)
	_, payload := bookTour(t, p, slot, 1)

	at := slot.GetStart().AsTime().Add(-5 * time.Minute)
	clk.Set(at.Add(30 * time.Minute)) // uploads arrive later than the scans
	offline := func(id string, scanned time.Time) *varcov1.OfflineScan {
		return &varcov1.OfflineScan{ScanId: id, Payload: payload, Direction: entry, ScannedAt: timestamppb.New(scanned),
			LocalVerdict: &varcov1.Verdict{Verdict: varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, Reason: varcov1.ScanReason_SCAN_REASON_OK}}
	}
	upload := func(s scanner, scans ...*varcov1.OfflineScan) []*varcov1.UploadResult {
		res, err := s.gate.UploadScans(ctx, authBearer(&varcov1.UploadScansRequest{Scans: scans}, s.cred))
		require.NoError(t, err)
		return res.Msg.GetResults()
	}
	a, bScan := uuid.NewString(), uuid.NewString()
	resA := upload(gateA, offline(a, at))
	require.Equal(t, varcov1.UploadOutcome_UPLOAD_OUTCOME_RECORDED, resA[0].GetOutcome())
	resB := upload(gateB, offline(bScan, at.Add(time.Minute)))
	require.Equal(t, varcov1.UploadOutcome_UPLOAD_OUTCOME_CONFLICT, resB[0].GetOutcome())
	require.Equal(t, varcov1.ScanReason_SCAN_REASON_ALREADY_INSIDE, resB[0].GetServerVerdict().GetReason())
	again := upload(gateA, offline(a, at), &varcov1.OfflineScan{ScanId: "garbage"})
	require.Equal(t, varcov1.UploadOutcome_UPLOAD_OUTCOME_DUPLICATE, again[0].GetOutcome())
	require.Equal(t, varcov1.UploadOutcome_UPLOAD_OUTCOME_REJECTED, again[1].GetOutcome())

	// The stay timer started at the offline entry, not at the upload.
	v := gateA.scan(t, uuid.NewString(), payload, entry)
	require.Equal(t, varcov1.ScanReason_SCAN_REASON_ALREADY_INSIDE, v.GetReason())
	require.Equal(t, at.Add(90*time.Minute).Truncate(time.Millisecond), v.GetExpiresAt().AsTime())

	conflicts, err := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL).ListScanConflicts(ctx,
		authBearer(&varcov1.ListScanConflictsRequest{OrganizationId: demo.ComuneID}, organizer))
	require.NoError(t, err)
	require.Len(t, conflicts.Msg.GetConflicts(), 1)
	c := conflicts.Msg.GetConflicts()[0]
	require.Equal(t, bScan, c.GetScanId())
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, c.GetLocalVerdict().GetVerdict())
	require.Equal(t, varcov1.ScanReason_SCAN_REASON_ALREADY_INSIDE, c.GetServerVerdict().GetReason())
}
