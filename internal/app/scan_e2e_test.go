package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/admission"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/store/sqlite"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// enrollGate creates and redeems an enrollment code for the demo tour.
func enrollGate(t testing.TB, b *bundle, organizer, name string, dir varcov1.GateDirection) string {
	t.Helper()
	ctx := context.Background()
	code, err := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL).CreateDeviceEnrollment(ctx,
		authBearer(&varcov1.CreateDeviceEnrollmentRequest{OrganizationId: demo.ComuneID, Name: name,
			ResourceIds: []string{demo.TourID}, Direction: dir}, organizer))
	require.NoError(t, err)
	res, err := varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL).Enroll(ctx,
		connect.NewRequest(&varcov1.EnrollRequest{EnrollmentCode: code.Msg.GetEnrollmentCode()}))
	require.NoError(t, err)
	return res.Msg.GetCredential()
}

type scanner struct {
	cred string
	gate varcov1connect.GateServiceClient
}

func (s scanner) scan(t *testing.T, id, payload string, dir varcov1.ScanDirection) *varcov1.Verdict {
	t.Helper()
	res, err := s.gate.Scan(context.Background(), authBearer(&varcov1.ScanRequest{ScanId: id, Payload: payload, Direction: dir}, s.cred))
	require.NoError(t, err)
	return res.Msg.GetVerdict()
}

const (
	entry = varcov1.ScanDirection_SCAN_DIRECTION_ENTRY
	exit  = varcov1.ScanDirection_SCAN_DIRECTION_EXIT
)

func TestOnlineScans(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	gateA := scanner{enrollGate(t, b, organizer, "Ingresso", varcov1.GateDirection_GATE_DIRECTION_ENTRY), varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)}
	gateB := scanner{enrollGate(t, b, organizer, "Cortile", varcov1.GateDirection_GATE_DIRECTION_BOTH), varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)}

	p := registerCitizens(t, b, "SCN", 1)[0]
	slot := tourSlot(t, b, clk.Now(), 0)
	h, err := p.hold(ctx, slot.GetStart(), 2)
	require.NoError(t, err)
	bk, err := p.confirm(ctx, h.GetId())
	require.NoError(t, err)
	tk, err := p.booking.GetTicket(ctx, authBearer(&varcov1.GetTicketRequest{BookingId: bk.GetId()}, p.token))
	require.NoError(t, err)
	payload := tk.Msg.GetTickets()[0].GetPayload()
	// A second booking, cancelled: its ticket is revoked.
	h2, err := p.hold(ctx, slot.GetStart(), 1)
	require.NoError(t, err)
	bk2, err := p.confirm(ctx, h2.GetId())
	require.NoError(t, err)
	tk2, err := p.booking.GetTicket(ctx, authBearer(&varcov1.GetTicketRequest{BookingId: bk2.GetId()}, p.token))
	require.NoError(t, err)
	clk.Set(slot.GetStart().AsTime().Add(-4 * time.Hour)) // before the 2-hour cancel cut-off
	_, err = p.booking.CancelBooking(ctx, authBearer(&varcov1.CancelBookingRequest{BookingId: bk2.GetId()}, p.token))
	require.NoError(t, err)

	clk.Set(slot.GetStart().AsTime().Add(-time.Hour))
	v := gateA.scan(t, uuid.NewString(), payload, entry)
	require.Equal(t, varcov1.ScanReason_SCAN_REASON_TOO_EARLY, v.GetReason())

	clk.Set(slot.GetStart().AsTime().Add(-10 * time.Minute))
	first := uuid.NewString()
	v = gateA.scan(t, first, payload, entry)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, v.GetVerdict(), v.GetMessage())
	require.Equal(t, int32(2), v.GetSeats())
	require.Equal(t, 90*time.Minute, v.GetTimeLeft().AsDuration(), "the 90-minute stay starts at the first entry")
	expires := v.GetExpiresAt().AsTime()

	// A retried upload of the same scan changes nothing.
	again := gateA.scan(t, first, payload, entry)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, again.GetVerdict())
	require.Equal(t, expires, again.GetExpiresAt().AsTime())

	// Anti-passback across gates.
	v = gateB.scan(t, uuid.NewString(), payload, entry)
	require.Equal(t, varcov1.ScanReason_SCAN_REASON_ALREADY_INSIDE, v.GetReason())
	require.Equal(t, "Già entrato: il titolare risulta dentro", v.GetMessage())

	db, err := sqlite.Open(ctx, b.dbPath, sqlite.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	defer db.Close()
	ticketID := tk.Msg.GetTickets()[0].GetId()
	pending, err := db.PendingForSubject(ctx, admission.TicketSubject(ticketID))
	require.NoError(t, err)
	require.Len(t, pending, 2)
	require.Equal(t, admission.KindExpiryWarning, pending[0].Kind)
	require.Equal(t, expires.Add(-10*time.Minute), pending[0].DueAt, "warned 10 minutes before the stay runs out")
	require.Equal(t, admission.KindExpired, pending[1].Kind)
	require.Equal(t, expires, pending[1].DueAt)

	v = gateA.scan(t, uuid.NewString(), payload, exit)
	require.Equal(t, varcov1.ScanReason_SCAN_REASON_WRONG_DIRECTION, v.GetReason(), "gate A only lets people in")
	clk.Advance(40 * time.Minute)
	v = gateB.scan(t, uuid.NewString(), payload, exit)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, v.GetVerdict())
	pending, err = db.PendingForSubject(ctx, admission.TicketSubject(ticketID))
	require.NoError(t, err)
	require.Empty(t, pending, "leaving early cancels the warning")
	v = gateA.scan(t, uuid.NewString(), payload, entry)
	require.Equal(t, varcov1.ScanReason_SCAN_REASON_ALREADY_USED, v.GetReason(), "the exit closed the ticket")

	// Forged, malformed, revoked.
	tampered := payload[:len(payload)-3] + "AAA"
	if tampered == payload {
		tampered = payload[:len(payload)-3] + "BBB"
	}
	v = gateA.scan(t, uuid.NewString(), tampered, entry)
	require.Contains(t, []varcov1.ScanReason{varcov1.ScanReason_SCAN_REASON_FORGED, varcov1.ScanReason_SCAN_REASON_MALFORMED}, v.GetReason())
	v = gateA.scan(t, uuid.NewString(), "https://example.org/not-a-ticket", entry)
	require.Equal(t, varcov1.ScanReason_SCAN_REASON_MALFORMED, v.GetReason())
	clk.Set(slot.GetStart().AsTime())
	v = gateA.scan(t, uuid.NewString(), tk2.Msg.GetTickets()[0].GetPayload(), entry)
	require.Equal(t, varcov1.ScanReason_SCAN_REASON_REVOKED, v.GetReason())

	_, err = gateA.gate.Scan(ctx, authBearer(&varcov1.ScanRequest{ScanId: "not-a-uuid", Payload: payload, Direction: entry}, gateA.cred))
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
}
