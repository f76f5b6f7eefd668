package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// foreignGate creates a second organization with a ticketed event of its
// own and enrolls a gate for that event.
func foreignGate(t *testing.T, b *bundle, admin string) (orgID string, s scanner) {
	t.Helper()
	ctx := context.Background()
	back := newAdminClient(b)
	o, err := back.CreateOrganization(ctx, authBearer(&varcov1.CreateOrganizationRequest{Organization: &varcov1.Organization{
		Name: "Pro Loco Vicina", Kind: varcov1.OrganizationKind_ORGANIZATION_KIND_ASSOCIATION,
		Contacts: &varcov1.Contacts{Email: "info@proloco.example"},
	}}, admin))
	require.NoError(t, err)
	orgID = o.Msg.GetOrganization().GetId()
	pl, err := back.CreatePlace(ctx, authBearer(&varcov1.CreatePlaceRequest{Place: &varcov1.Place{
		OrganizationId: orgID, Name: "Piazza", Address: &varcov1.Address{Street: "Piazza Grande 1", PostalCode: "46010", City: "Borgo Varco"},
	}}, admin))
	require.NoError(t, err)
	r, err := back.CreateResource(ctx, authBearer(&varcov1.CreateResourceRequest{Resource: &varcov1.Resource{
		OrganizationId: orgID, PlaceId: pl.Msg.GetPlace().GetId(), Kind: varcov1.ResourceKind_RESOURCE_KIND_EVENT,
		Name: "Sagra", Ticketed: true, Policy: &varcov1.BookingPolicy{MaxSeatsPerBooking: 4},
	}}, admin))
	require.NoError(t, err)
	code, err := back.CreateDeviceEnrollment(ctx, authBearer(&varcov1.CreateDeviceEnrollmentRequest{OrganizationId: orgID,
		Name: "Ingresso sagra", ResourceIds: []string{r.Msg.GetResource().GetId()}, Direction: varcov1.GateDirection_GATE_DIRECTION_BOTH}, admin))
	require.NoError(t, err)
	g := varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)
	res, err := g.Enroll(ctx, connect.NewRequest(&varcov1.EnrollRequest{EnrollmentCode: code.Msg.GetEnrollmentCode()}))
	require.NoError(t, err)
	return orgID, scanner{cred: res.Msg.GetCredential(), gate: g}
}

// A gate of another organization uploads (and scans) a ticket of the
// Comune's guided tour as if it had let the holder in and out. None of it
// changes the ticket: the Comune's own gate still admits the holder and
// later lets them out. The attempts are conflicts both organizations see,
// the foreign gate learns nothing of the ticket's stay, and it cannot
// reuse another device's scan id to read that device's scan.
func TestForeignGateCannotChangeTickets(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	otherOrg, foreign := foreignGate(t, b, organizer)
	own := scanner{enrollGate(t, b, organizer, "Nord", varcov1.GateDirection_GATE_DIRECTION_BOTH), varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)}
	p := registerCitizens(t, b, "XOR", 1)[0]
	slot := tourSlot(t, b, clk.Now(), 0)
	bk, payload := bookTour(t, p, slot, 1)
	require.NotEmpty(t, bk.GetId())

	at := slot.GetStart().AsTime().Add(-5 * time.Minute)
	clk.Set(at)
	accepted := &varcov1.Verdict{Verdict: varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, Reason: varcov1.ScanReason_SCAN_REASON_OK}
	upload := func(s scanner, id string, dir varcov1.ScanDirection, scanned time.Time) *varcov1.UploadResult {
		t.Helper()
		res, err := s.gate.UploadScans(ctx, authBearer(&varcov1.UploadScansRequest{Scans: []*varcov1.OfflineScan{{
			ScanId: id, Payload: payload, Direction: dir, ScannedAt: timestamppb.New(scanned), LocalVerdict: accepted}}}, s.cred))
		require.NoError(t, err)
		return res.Msg.GetResults()[0]
	}

	// The foreign gate claims it let the holder in.
	in := uuid.NewString()
	r := upload(foreign, in, entry, at.Add(-time.Minute))
	require.Equal(t, varcov1.UploadOutcome_UPLOAD_OUTCOME_CONFLICT, r.GetOutcome())
	require.Equal(t, varcov1.ScanReason_SCAN_REASON_WRONG_RESOURCE, r.GetServerVerdict().GetReason())
	require.Nil(t, r.GetServerVerdict().GetEnteredAt())

	// The Comune's gate admits the rightful holder all the same.
	v := own.scan(t, uuid.NewString(), payload, entry)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, v.GetVerdict(), "%s", v.GetReason())

	// Online, the foreign gate is refused and learns nothing of the stay.
	clk.Advance(time.Minute)
	v = foreign.scan(t, uuid.NewString(), payload, entry)
	require.Equal(t, varcov1.ScanReason_SCAN_REASON_WRONG_RESOURCE, v.GetReason())
	require.Nil(t, v.GetEnteredAt())
	require.Nil(t, v.GetExpiresAt())

	// The foreign gate claims it let the holder out: the ticket stays
	// inside, and the Comune's gate lets them out later.
	out := uuid.NewString()
	r = upload(foreign, out, exit, clk.Now())
	require.Equal(t, varcov1.UploadOutcome_UPLOAD_OUTCOME_CONFLICT, r.GetOutcome())
	require.Nil(t, r.GetServerVerdict().GetEnteredAt())
	again := upload(foreign, out, exit, clk.Now())
	require.Equal(t, varcov1.UploadOutcome_UPLOAD_OUTCOME_DUPLICATE, again.GetOutcome())
	require.Nil(t, again.GetServerVerdict().GetEnteredAt(), "a duplicate shows no more than the original")
	clk.Advance(10 * time.Minute)
	ownExit := uuid.NewString()
	v = own.scan(t, ownExit, payload, exit)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, v.GetVerdict(), "%s", v.GetReason())

	// Another device's scan id reads nothing.
	_, err := foreign.gate.Scan(ctx, authBearer(&varcov1.ScanRequest{ScanId: ownExit, Payload: payload, Direction: exit}, foreign.cred))
	requireFieldViolation(t, err, "scan_id")
	r = upload(foreign, ownExit, exit, clk.Now())
	require.Equal(t, varcov1.UploadOutcome_UPLOAD_OUTCOME_REJECTED, r.GetOutcome())
	require.Nil(t, r.GetServerVerdict())

	// Both organizations see both conflicts.
	admin := newAdminClient(b)
	for _, org := range []string{demo.ComuneID, otherOrg} {
		list, err := admin.ListScanConflicts(ctx, authBearer(&varcov1.ListScanConflictsRequest{OrganizationId: org}, organizer))
		require.NoError(t, err)
		var ids []string
		for _, c := range list.Msg.GetConflicts() {
			ids = append(ids, c.GetScanId())
			require.Equal(t, varcov1.ScanReason_SCAN_REASON_WRONG_RESOURCE, c.GetServerVerdict().GetReason())
		}
		require.ElementsMatch(t, []string{in, out}, ids, org)
	}
}
