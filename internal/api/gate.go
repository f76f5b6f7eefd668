package api

import (
	"context"
	"log/slog"

	"connectrpc.com/connect"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// Gate serves varco.v1.GateService.
type Gate struct {
	varcov1connect.UnimplementedGateServiceHandler
	devices   Devices
	admission Admission
	streams   GateStreams
	log       *slog.Logger
}

// NewGate returns the GateService handler.
func NewGate(d Devices, a Admission, s GateStreams, log *slog.Logger) *Gate {
	return &Gate{devices: d, admission: a, streams: s, log: log}
}

// Enroll trades a one-time code for the scanner's credential.
func (g *Gate) Enroll(ctx context.Context, req *connect.Request[varcov1.EnrollRequest]) (*connect.Response[varcov1.EnrollResponse], error) {
	if err := required("enrollment_code", req.Msg.GetEnrollmentCode()); err != nil {
		return nil, ToConnect(ctx, g.log, Language(req.Header()), err)
	}
	d, cred, err := g.devices.Enroll(ctx, req.Msg.GetEnrollmentCode(), req.Msg.GetHardware())
	if err != nil {
		return nil, ToConnect(ctx, g.log, Language(req.Header()), err)
	}
	return connect.NewResponse(&varcov1.EnrollResponse{Credential: cred, Settings: g.settingsPB(ctx, d)}), nil
}
