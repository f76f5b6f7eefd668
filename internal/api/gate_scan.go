package api

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/admission"
	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/i18n"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// Admission decides scans online and records those decided offline.
type Admission interface {
	Decide(ctx context.Context, p authz.Principal, s admission.Scan) (admission.Record, error)
	Uploads
}

// ScanReasonText is the operator's text for a scan reason code ("OK",
// "ALREADY_INSIDE"…) in lang, from the catalog (scan.reason.*); exports
// label their rows with it. An unknown code has none.
func ScanReasonText(reason, lang string) string {
	key := "scan.reason." + reason
	if !i18n.Has(key) {
		return ""
	}
	return i18n.T(lang, key)
}

func verdictPB(r admission.Record, lang string, now time.Time) *varcov1.Verdict {
	text := ScanReasonText(string(r.Reason), lang)
	v := &varcov1.Verdict{
		Verdict: varcov1.ScanVerdict(r.Verdict), Reason: varcov1.ScanReason(varcov1.ScanReason_value["SCAN_REASON_"+string(r.Reason)]),
		Message: text, TicketId: r.TicketID, Seats: int32(r.Seats),
	}
	if !r.EnteredAt.IsZero() {
		v.EnteredAt = timestamppb.New(r.EnteredAt)
	}
	if !r.ExpiresAt.IsZero() {
		v.ExpiresAt = timestamppb.New(r.ExpiresAt)
		v.TimeLeft = durationpb.New(max(r.ExpiresAt.Sub(now), 0))
	}
	return v
}

// Scan decides one scan online.
func (g *Gate) Scan(ctx context.Context, req *connect.Request[varcov1.ScanRequest]) (*connect.Response[varcov1.ScanResponse], error) {
	m := req.Msg
	rec, err := g.admission.Decide(ctx, authz.FromContext(ctx), admission.Scan{
		ID: m.GetScanId(), Payload: m.GetPayload(), Direction: gate.Direction(m.GetDirection()), ScannedAt: timeOf(m.GetScannedAt()),
	})
	if err != nil {
		return nil, ToConnect(ctx, g.log, Language(req.Header()), err)
	}
	return connect.NewResponse(&varcov1.ScanResponse{Verdict: verdictPB(rec, Language(req.Header()), rec.ReceivedAt)}), nil
}

// Uploads records scans decided offline.
type Uploads interface {
	Upload(ctx context.Context, p authz.Principal, scans []admission.OfflineScan) ([]admission.UploadResult, error)
}

// UploadScans records the scanner's offline queue.
func (g *Gate) UploadScans(ctx context.Context, req *connect.Request[varcov1.UploadScansRequest]) (*connect.Response[varcov1.UploadScansResponse], error) {
	in := make([]admission.OfflineScan, len(req.Msg.GetScans()))
	for i, s := range req.Msg.GetScans() {
		in[i] = admission.OfflineScan{
			Scan:         admission.Scan{ID: s.GetScanId(), Payload: s.GetPayload(), Direction: gate.Direction(s.GetDirection()), ScannedAt: timeOf(s.GetScannedAt())},
			LocalVerdict: gate.Verdict(s.GetLocalVerdict().GetVerdict()),
			LocalReason:  gate.Reason(trimReason(s.GetLocalVerdict().GetReason())),
		}
	}
	results, err := g.admission.Upload(ctx, authz.FromContext(ctx), in)
	if err != nil {
		return nil, ToConnect(ctx, g.log, Language(req.Header()), err)
	}
	res := &varcov1.UploadScansResponse{}
	lang := Language(req.Header())
	for _, r := range results {
		out := &varcov1.UploadResult{ScanId: r.ScanID, Outcome: varcov1.UploadOutcome(r.Outcome)}
		if r.Outcome != admission.Rejected {
			out.ServerVerdict = verdictPB(r.Server, lang, r.Server.ReceivedAt)
		}
		res.Results = append(res.Results, out)
	}
	return connect.NewResponse(res), nil
}

// trimReason turns SCAN_REASON_ALREADY_INSIDE into ALREADY_INSIDE.
func trimReason(r varcov1.ScanReason) string {
	const prefix = "SCAN_REASON_"
	name := r.String()
	if len(name) > len(prefix) && name[:len(prefix)] == prefix {
		return name[len(prefix):]
	}
	return ""
}
