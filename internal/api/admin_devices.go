package api

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/admission"
	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/identity"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// Devices is what device management needs.
type Devices interface {
	CreateEnrollment(ctx context.Context, orgID, createdBy, name string, resourceIDs []string, dir identity.Direction) (string, time.Time, error)
	Enroll(ctx context.Context, code, hardware string) (identity.Device, string, error)
	List(ctx context.Context, orgID string) ([]identity.Device, error)
	Revoke(ctx context.Context, id string) (identity.Device, error)
}

// CreateDeviceEnrollment creates a one-time code for a gate scanner.
func (a *Admin) CreateDeviceEnrollment(ctx context.Context, req *connect.Request[varcov1.CreateDeviceEnrollmentRequest]) (*connect.Response[varcov1.CreateDeviceEnrollmentResponse], error) {
	m := req.Msg
	code, exp, err := a.deps.Devices.CreateEnrollment(ctx, m.GetOrganizationId(), authz.FromContext(ctx).AccountID, m.GetName(),
		m.GetResourceIds(), identity.Direction(m.GetDirection()))
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.CreateDeviceEnrollmentResponse{EnrollmentCode: code, ExpiresAt: timestamppb.New(exp)}), nil
}

// ListDevices lists the organization's scanners.
func (a *Admin) ListDevices(ctx context.Context, req *connect.Request[varcov1.ListDevicesRequest]) (*connect.Response[varcov1.ListDevicesResponse], error) {
	list, err := a.deps.Devices.List(ctx, req.Msg.GetOrganizationId())
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	res := &varcov1.ListDevicesResponse{}
	for _, d := range list {
		res.Devices = append(res.Devices, devicePB(d))
	}
	return connect.NewResponse(res), nil
}

// RevokeDevice revokes a scanner's credential.
func (a *Admin) RevokeDevice(ctx context.Context, req *connect.Request[varcov1.RevokeDeviceRequest]) (*connect.Response[varcov1.RevokeDeviceResponse], error) {
	d, err := a.deps.Devices.Revoke(ctx, req.Msg.GetDeviceId())
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.RevokeDeviceResponse{Device: devicePB(d)}), nil
}

// ScanConflicts lists conflicting offline scans.
type ScanConflicts interface {
	ListScanConflicts(ctx context.Context, orgID string, since time.Time) ([]admission.Record, error)
}

// ListScanConflicts reports offline scans the server disagreed with.
func (a *Admin) ListScanConflicts(ctx context.Context, req *connect.Request[varcov1.ListScanConflictsRequest]) (*connect.Response[varcov1.ListScanConflictsResponse], error) {
	list, err := a.deps.Conflicts.ListScanConflicts(ctx, req.Msg.GetOrganizationId(), timeOf(req.Msg.GetSince()))
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	lang := Language(req.Header())
	res := &varcov1.ListScanConflictsResponse{}
	for _, r := range list {
		local := r
		local.Verdict, local.Reason = r.LocalVerdict, r.LocalReason
		res.Conflicts = append(res.Conflicts, &varcov1.ScanConflict{
			ScanId: r.ID, DeviceId: r.DeviceID, TicketId: r.TicketID, Direction: varcov1.ScanDirection(r.Direction),
			ScannedAt: timestamppb.New(r.ScannedAt), ReceivedAt: timestamppb.New(r.ReceivedAt),
			LocalVerdict: verdictPB(local, lang, r.ScannedAt), ServerVerdict: verdictPB(r, lang, r.ScannedAt),
		})
	}
	return connect.NewResponse(res), nil
}
