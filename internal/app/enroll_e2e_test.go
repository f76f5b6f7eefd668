package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

func TestDeviceEnrollment(t *testing.T) {
	t.Parallel()
	b, organizer := setupWithOrganizer(t)
	ctx := context.Background()
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	gate := varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)

	_, err := admin.CreateDeviceEnrollment(ctx, authBearer(&varcov1.CreateDeviceEnrollmentRequest{OrganizationId: demo.ComuneID,
		Name: "Sportello", ResourceIds: []string{demo.CIEID}, Direction: varcov1.GateDirection_GATE_DIRECTION_BOTH}, organizer))
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "appointments have no gate")
	requireFieldViolation(t, err, "resource_ids")

	code, err := admin.CreateDeviceEnrollment(ctx, authBearer(&varcov1.CreateDeviceEnrollmentRequest{OrganizationId: demo.ComuneID,
		Name: "Ingresso nord", ResourceIds: []string{demo.TourID}, Direction: varcov1.GateDirection_GATE_DIRECTION_ENTRY}, organizer))
	require.NoError(t, err)
	require.WithinDuration(t, time.Now().Add(15*time.Minute), code.Msg.GetExpiresAt().AsTime(), time.Minute)

	enrolled, err := gate.Enroll(ctx, connect.NewRequest(&varcov1.EnrollRequest{EnrollmentCode: code.Msg.GetEnrollmentCode(), Hardware: "Zebra TC21"}))
	require.NoError(t, err)
	cred := enrolled.Msg.GetCredential()
	require.Equal(t, "Ingresso nord", enrolled.Msg.GetSettings().GetName())
	require.Equal(t, []string{demo.TourID}, enrolled.Msg.GetSettings().GetResourceIds())

	_, err = gate.Enroll(ctx, connect.NewRequest(&varcov1.EnrollRequest{EnrollmentCode: code.Msg.GetEnrollmentCode()}))
	requireReason(t, err, connect.CodeNotFound, "enrollment_code_invalid")

	// The credential opens the gate API only.
	_, err = varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL).WhoAmI(ctx, authBearer(&varcov1.WhoAmIRequest{}, cred))
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err))
	scan := func() connect.Code {
		_, err := gate.Scan(ctx, authBearer(&varcov1.ScanRequest{ScanId: "00000000-0000-4000-8000-000000000001", Payload: "VT1:X",
			Direction: varcov1.ScanDirection_SCAN_DIRECTION_ENTRY}, cred))
		return connect.CodeOf(err)
	}
	require.NotEqual(t, connect.CodeUnauthenticated, scan())
	require.NotEqual(t, connect.CodePermissionDenied, scan())

	list, err := admin.ListDevices(ctx, authBearer(&varcov1.ListDevicesRequest{OrganizationId: demo.ComuneID}, organizer))
	require.NoError(t, err)
	require.Len(t, list.Msg.GetDevices(), 1)
	require.Equal(t, enrolled.Msg.GetSettings().GetDeviceId(), list.Msg.GetDevices()[0].GetId())

	_, err = admin.RevokeDevice(ctx, authBearer(&varcov1.RevokeDeviceRequest{DeviceId: enrolled.Msg.GetSettings().GetDeviceId()}, organizer))
	require.NoError(t, err)
	require.Equal(t, connect.CodeUnauthenticated, scan(), "a revoked scanner is refused at once")
}
