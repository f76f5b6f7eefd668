package api

import (
	"context"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/internal/stats"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// Statistics computes the back-office figures (implemented by
// *stats.Service). The interceptor has already checked that the caller is
// organizer of the organization and that the resource, when named,
// belongs to it.
type Statistics interface {
	Get(ctx context.Context, q stats.Query) (stats.Result, error)
}

// GetStats answers the figures of a period and of the one just before it.
func (a *Admin) GetStats(ctx context.Context, req *connect.Request[varcov1.GetStatsRequest]) (*connect.Response[varcov1.GetStatsResponse], error) {
	m := req.Msg
	res, err := a.deps.Stats.Get(ctx, stats.Query{
		OrganizationID: m.GetOrganizationId(), ResourceID: m.GetResourceId(), From: m.GetFromDate(), To: m.GetToDate(),
	})
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.GetStatsResponse{Current: statsPB(res.Current), Previous: statsPB(res.Previous)}), nil
}

func statsPB(f stats.Figures) *varcov1.Stats {
	out := totalsPB(f)
	for _, d := range f.Days {
		out.Days = append(out.Days, &varcov1.StatsDay{Date: d.Date.String(), Bookings: int32(d.Bookings),
			CancelledByUser: int32(d.CancelledByUser), CancelledByOperator: int32(d.CancelledByOperator),
			Rescheduled: int32(d.Rescheduled), Done: int32(d.Done), NoShow: int32(d.NoShow),
			Entries: int32(d.Entries), Exits: int32(d.Exits), PeakOccupancy: int32(d.PeakOccupancy)})
	}
	for _, s := range f.Services {
		out.Services = append(out.Services, &varcov1.ServiceStats{ResourceId: s.ID, Name: s.Name,
			Kind: varcov1.ResourceKind(s.Kind), Stats: totalsPB(s.Figures)})
	}
	return out
}

func totalsPB(f stats.Figures) *varcov1.Stats {
	return &varcov1.Stats{
		FromDate: f.Period.From.String(), ToDate: f.Period.To.String(),
		Bookings: int32(f.Bookings), CancelledByUser: int32(f.CancelledByUser), CancelledByOperator: int32(f.CancelledByOperator),
		Rescheduled: int32(f.Rescheduled), Done: int32(f.Done), NoShow: int32(f.NoShow),
		CancelledByUserPercent: f.CancelledByUserPercent, CancelledByOperatorPercent: f.CancelledByOperatorPercent,
		RescheduledPercent: f.RescheduledPercent, NoShowPercent: f.NoShowPercent,
		AvgDaysToFirstAvailability: f.AvgDaysToFirstAvailability, SaturationPercent: f.SaturationPercent,
		CapacityHours: f.CapacityHours, SlotsOffered: int32(f.SlotsOffered), AvgSlotMinutes: f.AvgSlotMinutes,
		Entries: int32(f.Entries), Exits: int32(f.Exits), PeakOccupancy: int32(f.PeakOccupancy), Overstays: int32(f.Overstays),
		WaitlistJoined: int32(f.Waitlist.Joined), WaitlistOffered: int32(f.Waitlist.Offered),
		WaitlistConverted: int32(f.Waitlist.Converted), WaitlistLapsed: int32(f.Waitlist.Lapsed),
	}
}
