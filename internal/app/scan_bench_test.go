package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/grpchealth"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/clock"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// BenchmarkOnlineScan measures GateService.Scan end to end over loopback:
// authentication of the device, signature check, the gate rules in a
// durable write transaction, and the scan log. Read it against
// BenchmarkTransportCeiling, measured the same way on the same server.
func BenchmarkOnlineScan(b *testing.B) {
	clk := clock.NewFake(time.Now())
	srv := setupWith(b, clk)
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(b, srv)
	cred := enrollGate(b, srv, organizer, "Banco prova", varcov1.GateDirection_GATE_DIRECTION_BOTH)
	p := registerCitizens(b, srv, "BEN", 1)[0]
	slot := tourSlot(b, srv, clk.Now(), 0)
	h, err := p.hold(ctx, slot.GetStart(), 1)
	require.NoError(b, err)
	bk, err := p.confirm(ctx, h.GetId())
	require.NoError(b, err)
	tk, err := p.booking.GetTicket(ctx, authBearer(&varcov1.GetTicketRequest{BookingId: bk.GetId()}, p.token))
	require.NoError(b, err)
	payload := tk.Msg.GetTickets()[0].GetPayload()
	clk.Set(slot.GetStart().AsTime())
	gate := varcov1connect.NewGateServiceClient(http.DefaultClient, srv.baseURL)
	dirs := []varcov1.ScanDirection{varcov1.ScanDirection_SCAN_DIRECTION_ENTRY, varcov1.ScanDirection_SCAN_DIRECTION_EXIT}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		// Entry, exit, then refusals (ALREADY_USED / NOT_INSIDE): every
		// scan runs the full decision and writes its log row.
		res, err := gate.Scan(ctx, authBearer(&varcov1.ScanRequest{ScanId: uuid.NewString(), Payload: payload, Direction: dirs[i%2]}, cred))
		if err != nil {
			b.Fatal(err)
		}
		if res.Msg.GetVerdict().GetReason() == varcov1.ScanReason_SCAN_REASON_UNSPECIFIED {
			b.Fatal("no verdict")
		}
		i++
	}
}

// BenchmarkTransportCeiling is the same-run baseline: a health check (no
// storage) over the same kind of connection.
func BenchmarkTransportCeiling(b *testing.B) {
	srv := setup(b)
	health := grpchealth.NewClient(http.DefaultClient, srv.baseURL)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := health.Check(ctx, &grpchealth.CheckRequest{}); err != nil {
			b.Fatal(err)
		}
	}
}
