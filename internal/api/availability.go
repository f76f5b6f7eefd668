package api

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/availability"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// Availability is what GetAvailability needs.
type Availability interface {
	Grid(ctx context.Context, q availability.Query) (availability.Grid, error)
}

// GetAvailability returns the slot grid of a resource.
func (c *Catalog) GetAvailability(ctx context.Context, req *connect.Request[varcov1.GetAvailabilityRequest]) (*connect.Response[varcov1.GetAvailabilityResponse], error) {
	m := req.Msg
	q := availability.Query{
		ResourceID: m.GetResourceId(), From: m.GetFromDate(), To: m.GetToDate(),
		OperatorID: m.GetOperatorId(), Seats: int(m.GetSeats()),
	}
	g, err := c.avail.Grid(ctx, q)
	if err != nil {
		return nil, ToConnect(ctx, c.log, Language(req.Header()), err)
	}
	return connect.NewResponse(c.grids.message(q, g)), nil
}

func gridPB(g availability.Grid) *varcov1.GetAvailabilityResponse {
	res := &varcov1.GetAvailabilityResponse{
		ResourceId: g.ResourceID, TimeZone: g.TimeZone, ComputedAt: timestamppb.New(g.ComputedAt),
		Days: make([]*varcov1.Day, len(g.Days)),
	}
	for i, d := range g.Days {
		day := &varcov1.Day{Date: d.Date.String(), ClosedReason: d.ClosedReason, Slots: make([]*varcov1.Slot, len(d.Slots))}
		for j, s := range d.Slots {
			day.Slots[j] = &varcov1.Slot{
				Start: timestamppb.New(s.Start), End: timestamppb.New(s.End),
				LocalStart: s.LocalStart.String(), LocalEnd: s.LocalEnd.String(),
				State: varcov1.SlotState(s.State), SeatsTotal: int32(s.SeatsTotal), SeatsLeft: int32(s.SeatsLeft),
				FreeOperatorIds: s.FreeOperatorIDs,
			}
		}
		res.Days[i] = day
	}
	return res
}
