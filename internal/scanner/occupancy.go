package scanner

import (
	"context"
	"fmt"
	"io"
	"time"

	"connectrpc.com/connect"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// WatchOccupancy prints the gate's live occupancy — per slot of today:
// people inside, booked, entries, exits, overstays — each time it changes,
// until ctx ends or the stream fails.
func WatchOccupancy(ctx context.Context, hc connect.HTTPClient, server string, cred Secret, lang Lang, out io.Writer, loc *time.Location) error {
	return FollowOccupancy(ctx, hc, server, func() Secret { return cred }, lang, func(msg *varcov1.WatchOccupancyResponse) {
		fmt.Fprintln(out, lang.Text("scanner.occ.at", msg.GetAt().AsTime().In(loc).Format("15:04:05 MST")))
		if len(msg.GetOccupancy()) == 0 {
			fmt.Fprintln(out, "  "+lang.Text("scanner.occ.none"))
		}
		for _, o := range msg.GetOccupancy() {
			fmt.Fprintln(out, lang.OccupancyLine(o, loc))
		}
	})
}

// FollowOccupancy calls each with every message of one
// GateService.WatchOccupancy stream until ctx ends or the stream fails.
// cred is read at the call, so a credential forgotten after a revocation
// is not sent again.
func FollowOccupancy(ctx context.Context, hc connect.HTTPClient, server string, cred func() Secret, lang Lang, each func(*varcov1.WatchOccupancyResponse)) error {
	client := varcov1connect.NewGateServiceClient(hc, server)
	req := connect.NewRequest(&varcov1.WatchOccupancyRequest{})
	req.Header().Set("Authorization", "Bearer "+cred().Reveal())
	req.Header().Set("Accept-Language", string(lang))
	stream, err := client.WatchOccupancy(ctx, req)
	if err != nil {
		return err
	}
	defer stream.Close()
	for stream.Receive() {
		each(stream.Msg())
	}
	return stream.Err()
}

// OccupancyLine formats one slot's occupancy for the operator.
func (l Lang) OccupancyLine(o *varcov1.Occupancy, loc *time.Location) string {
	line := fmt.Sprintf("  %s  %s %d/%d  %s %d  %s %d", o.GetSlotStart().AsTime().In(loc).Format("15:04"),
		l.Text("scanner.occ.inside"), o.GetInside(), o.GetBooked(), l.Text("scanner.occ.entries"), o.GetEntries(),
		l.Text("scanner.occ.exits"), o.GetExits())
	if o.GetOverstays() > 0 {
		line += fmt.Sprintf("  %s %d", l.Text("scanner.occ.overstaying"), o.GetOverstays())
	}
	return line
}
