package main

import (
	"context"
	"errors"
	"fmt"
	"time"

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

// resourceInfo is what the occupancy lines show of a resource.
type resourceInfo struct {
	name string
	zone *time.Location
}

// resourceNames looks the names and the places' zones up once, for
// readable lines; an id that cannot be read (a paused resource) is shown
// as is, in the default zone.
func (c *cli) resourceNames(ctx context.Context, api *client.Client, ids []string) map[string]resourceInfo {
	names := make(map[string]resourceInfo, len(ids))
	for _, id := range ids {
		res, err := api.Catalog.GetResource(ctx, connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: id}))
		if err == nil {
			names[id] = resourceInfo{name: res.Msg.GetResource().GetName(), zone: placeZone(res.Msg.GetPlace())}
		}
	}
	return names
}

func (r resourceInfo) location() *time.Location {
	if r.zone == nil {
		return placeZone(nil)
	}
	return r.zone
}

// printOccupancy prints one snapshot: a line per resource and slot, or
// one line saying there is nothing yet today. JSON mode prints each
// snapshot as one line of JSON (JSON Lines), as it arrives.
func (c *cli) printOccupancy(m *varcov1.WatchOccupancyResponse, names map[string]resourceInfo) error {
	if c.json() {
		return c.printProtoLine(m)
	}
	if len(m.GetOccupancy()) == 0 {
		// The zone of the first resource watched: they share a place as a
		// rule, and this line has no resource of its own.
		var first resourceInfo
		for _, r := range names {
			first = r
			break
		}
		_, err := fmt.Fprintln(c.stdout, c.t("cli.occ.nobody", inZone(m.GetAt().AsTime(), first.location(), "15:04:05")))
		return err
	}
	tw := c.table()
	for _, o := range m.GetOccupancy() {
		r := names[o.GetResourceId()]
		name := r.name
		if name == "" {
			name = o.GetResourceId()
		}
		loc := r.location()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", inZone(m.GetAt().AsTime(), loc, "15:04:05"), name,
			c.t("cli.occ.slot", o.GetSlotStart().AsTime().In(loc).Format("15:04")), c.t("cli.occ.inside", o.GetInside()),
			c.t("cli.occ.booked", o.GetBooked()), c.t("cli.occ.entries", o.GetEntries()), c.t("cli.occ.exits", o.GetExits()),
			c.t("cli.occ.overstays", o.GetOverstays()))
	}
	return tw.Flush()
}
