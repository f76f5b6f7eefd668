package main

import (
	"context"
	"errors"
	"fmt"

	"connectrpc.com/connect"

	"github.com/varco-gate/varco/client"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

func (c *cli) occupancy(ctx context.Context, args []string) error {
	fs := c.flagSet("occupancy")
	var resources listFlag
	fs.Var(&resources, "resource", "resource to watch (repeat, or comma-separate)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"resource": resources.String()}); err != nil {
		return err
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	names := c.resourceNames(ctx, api, resources)
	stream, err := api.Gate.WatchOccupancy(ctx, connect.NewRequest(&varcov1.WatchOccupancyRequest{ResourceIds: resources}))
	if err != nil {
		return callErr("occupancy", err)
	}
	defer stream.Close()
	for stream.Receive() {
		if err := c.printOccupancy(stream.Msg(), names); err != nil {
			return err
		}
	}
	err = stream.Err()
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return nil // Ctrl-C is how a watch ends
	}
	if err == nil {
		return errors.New("occupancy: the server ended the stream")
	}
	return callErr("occupancy", err)
}

// resourceNames looks the names up once, for readable lines; an id that
// cannot be read (a paused resource) is shown as is.
func (c *cli) resourceNames(ctx context.Context, api *client.Client, ids []string) map[string]string {
	names := make(map[string]string, len(ids))
	for _, id := range ids {
		res, err := api.Catalog.GetResource(ctx, connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: id}))
		if err == nil {
			names[id] = res.Msg.GetResource().GetName()
		}
	}
	return names
}

// printOccupancy prints one snapshot: a line per resource and slot, or
// one line saying there is nothing yet today. JSON mode prints each
// snapshot as one line of JSON (JSON Lines), as it arrives.
func (c *cli) printOccupancy(m *varcov1.WatchOccupancyResponse, names map[string]string) error {
	if c.json() {
		return c.printProtoLine(m)
	}
	at := m.GetAt().AsTime().Local().Format("15:04:05")
	if len(m.GetOccupancy()) == 0 {
		_, err := fmt.Fprintf(c.stdout, "%s  nobody booked or inside today\n", at)
		return err
	}
	tw := c.table()
	for _, o := range m.GetOccupancy() {
		name := names[o.GetResourceId()]
		if name == "" {
			name = o.GetResourceId()
		}
		fmt.Fprintf(tw, "%s\t%s\tslot %s\tinside %d\tbooked %d\tentries %d\texits %d\toverstays %d\n", at, name,
			o.GetSlotStart().AsTime().Local().Format("15:04"), o.GetInside(), o.GetBooked(), o.GetEntries(), o.GetExits(), o.GetOverstays())
	}
	return tw.Flush()
}
