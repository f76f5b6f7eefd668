package api

import (
	"cmp"
	"context"
	"errors"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/admission"
	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/ticket"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// GateFeed is what the gate streams read.
type GateFeed interface {
	admission.FeedStore
	GetDevice(ctx context.Context, id string) (identity.Device, error)
	GetResource(ctx context.Context, id string) (catalog.Resource, error)
	GetPlace(ctx context.Context, id string) (catalog.Place, error)
}

// GateStreams configures the gate streams.
type GateStreams struct {
	Feed GateFeed
	Keys interface{ Public() []ticket.Key }
	Clk  clock.Clock
	// Poll is how often streams look for changes (1s by default): scanners
	// learn a revocation or a scan at another gate within it.
	Poll time.Duration
	// Heartbeat is the longest silence on a stream (25s by default), so
	// proxies keep it open and scanners know the server is alive.
	Heartbeat time.Duration
}

// syncHorizon limits the snapshot to tickets still valid a day ago.
const syncHorizon = 24 * time.Hour

func (s GateStreams) poll() time.Duration {
	if s.Poll <= 0 {
		return time.Second
	}
	return s.Poll
}

func (s GateStreams) heartbeat() time.Duration {
	if s.Heartbeat <= 0 {
		return 25 * time.Second
	}
	return s.Heartbeat
}

// Sync streams keys, settings, revocations and presences to a scanner.
func (g *Gate) Sync(ctx context.Context, req *connect.Request[varcov1.SyncRequest], stream *connect.ServerStream[varcov1.SyncResponse]) error {
	p := authz.FromContext(ctx)
	s := g.streams
	dev, err := s.Feed.GetDevice(ctx, p.DeviceID)
	if err != nil {
		return ToConnect(ctx, g.log, Language(req.Header()), err)
	}
	sent := map[string]int{}
	cursor := req.Msg.GetCursor()
	// fill adds the changes since cursor to msg and moves cursor on. The
	// store may hand a change out twice; sent drops what this stream
	// already told, by ticket version.
	fill := func(msg *varcov1.SyncResponse) (reset bool, err error) {
		cursor, reset, err = s.Feed.TicketChanges(ctx, dev.ResourceIDs, cursor, s.Clk.Now().Add(-syncHorizon), func(c admission.TicketChange) {
			if sent[c.TicketID] >= c.Version {
				return
			}
			sent[c.TicketID] = c.Version
			addChange(msg, c)
		})
		return reset, err
	}
	first := &varcov1.SyncResponse{Settings: g.settingsPB(ctx, dev), Keys: keysPB(s.Keys.Public())}
	reset, err := fill(first)
	if err != nil {
		return ToConnect(ctx, g.log, Language(req.Header()), err)
	}
	first.Reset_, first.Cursor = reset, cursor
	// Every message carries the server's clock, heartbeats included: the
	// device keeps its own clock's offset from it.
	// A big batch of changes (the first snapshot) goes in pieces.
	send := func(m *varcov1.SyncResponse) error {
		for _, p := range pieces(m) {
			p.ServerTime = timestamppb.New(s.Clk.Now())
			if err := stream.Send(p); err != nil {
				return err
			}
		}
		return nil
	}
	if err := send(first); err != nil {
		return err
	}
	ticker := time.NewTicker(s.poll())
	defer ticker.Stop()
	lastSent := s.Clk.Now()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
		dev, err := s.Feed.GetDevice(ctx, p.DeviceID)
		if err != nil {
			return ToConnect(ctx, g.log, Language(req.Header()), err)
		}
		if !dev.RevokedAt.IsZero() {
			return send(&varcov1.SyncResponse{Cursor: cursor, DeviceRevoked: true})
		}
		msg := &varcov1.SyncResponse{}
		if _, err := fill(msg); err != nil {
			return ToConnect(ctx, g.log, Language(req.Header()), err)
		}
		msg.Cursor = cursor
		if len(msg.Revocations) == 0 && len(msg.Presences) == 0 && s.Clk.Now().Sub(lastSent) < s.heartbeat() {
			continue
		}
		if err := send(msg); err != nil {
			return err
		}
		lastSent = s.Clk.Now()
	}
}

func addChange(msg *varcov1.SyncResponse, c admission.TicketChange) {
	if !c.RevokedAt.IsZero() {
		msg.Revocations = append(msg.Revocations, &varcov1.Revocation{TicketId: c.TicketID,
			RevokedAt: timestamppb.New(c.RevokedAt), Reason: c.RevokeReason})
		return
	}
	if c.Presence.State == gate.Issued {
		return // nothing a scanner needs: the QR itself carries the ticket
	}
	msg.Presences = append(msg.Presences, &varcov1.TicketPresence{
		TicketId: c.TicketID, ResourceId: c.ResourceID, Seats: int32(c.Seats), State: varcov1.TicketState(c.Presence.State),
		EnteredAt: optionalTimestamp(c.Presence.EnteredAt), ExpiresAt: optionalTimestamp(c.Presence.ExpiresAt),
		ExitedAt: optionalTimestamp(c.Presence.ExitedAt),
	})
}

func (g *Gate) settingsPB(ctx context.Context, d identity.Device) *varcov1.GateSettings {
	out := &varcov1.GateSettings{DeviceId: d.ID, Name: d.Name, ResourceIds: d.ResourceIDs, Direction: varcov1.GateDirection(d.Direction),
		MaxDataAge: durationpb.New(catalog.DefaultOfflineMaxAge)}
	if g.streams.Feed == nil {
		return out
	}
	maxAge := time.Duration(0)
	// The zone of the first resource's place: a gate serves one place (its
	// resources could in principle span two, but not two time zones).
	if len(d.ResourceIDs) > 0 {
		if loc, err := g.zoneOf(ctx, d.ResourceIDs[0]); err == nil {
			out.TimeZone = loc.String()
		}
	}
	for _, id := range d.ResourceIDs {
		r, err := g.streams.Feed.GetResource(ctx, id)
		if err != nil {
			continue
		}
		if r.Policy.Tickets.AllowReentry {
			out.ReentryResourceIds = append(out.ReentryResourceIds, id)
		}
		if r.Policy.Tickets.MaxInside > 0 {
			if out.MaxInside == nil {
				out.MaxInside = map[string]int32{}
			}
			out.MaxInside[id] = int32(r.Policy.Tickets.MaxInside)
		}
		// The strictest resource wins: one device decides for all.
		age := cmp.Or(r.Policy.Tickets.OfflineMaxAge, catalog.DefaultOfflineMaxAge)
		if maxAge == 0 || age < maxAge {
			maxAge = age
		}
	}
	if maxAge > 0 {
		out.MaxDataAge = durationpb.New(maxAge)
	}
	return out
}

func keysPB(keys []ticket.Key) []*varcov1.TicketKey {
	out := make([]*varcov1.TicketKey, len(keys))
	for i, k := range keys {
		out[i] = &varcov1.TicketKey{KeyId: k.ID, PublicKey: k.Public, RetiredAt: optionalTimestamp(k.RetiredAt)}
	}
	return out
}

// WatchOccupancy streams today's occupancy of the requested resources
// (for devices, their gate's resources by default), sending a snapshot
// first and then every change.
func (g *Gate) WatchOccupancy(ctx context.Context, req *connect.Request[varcov1.WatchOccupancyRequest], stream *connect.ServerStream[varcov1.WatchOccupancyResponse]) error {
	p := authz.FromContext(ctx)
	ids := req.Msg.GetResourceIds()
	if len(ids) == 0 && p.Kind == authz.Device {
		ids = p.DeviceResourceIDs
	}
	if len(ids) == 0 {
		return ToConnect(ctx, g.log, Language(req.Header()), requiredField("resource_ids"))
	}
	loc, err := g.zoneOf(ctx, ids[0])
	if err != nil {
		return ToConnect(ctx, g.log, Language(req.Header()), err)
	}
	s := g.streams
	var last *varcov1.WatchOccupancyResponse
	ticker := time.NewTicker(s.poll())
	defer ticker.Stop()
	for {
		now := s.Clk.Now()
		local := now.In(loc)
		from := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
		list, err := s.Feed.Occupancy(ctx, ids, from, from.AddDate(0, 0, 1), now)
		if err != nil {
			return ToConnect(ctx, g.log, Language(req.Header()), err)
		}
		msg := &varcov1.WatchOccupancyResponse{}
		for _, o := range list {
			msg.Occupancy = append(msg.Occupancy, &varcov1.Occupancy{ResourceId: o.ResourceID, SlotStart: timestamppb.New(o.SlotStart),
				Inside: int32(o.Inside), Entries: int32(o.Entries), Exits: int32(o.Exits), Overstays: int32(o.Overstays), Booked: int32(o.Booked)})
		}
		if last == nil || !proto.Equal(last, msg) {
			last = proto.Clone(msg).(*varcov1.WatchOccupancyResponse)
			msg.At = timestamppb.New(now)
			if err := stream.Send(msg); err != nil {
				return err
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

func (g *Gate) zoneOf(ctx context.Context, resourceID string) (*time.Location, error) {
	r, err := g.streams.Feed.GetResource(ctx, resourceID)
	if err != nil {
		return nil, err
	}
	pl, err := g.streams.Feed.GetPlace(ctx, r.PlaceID)
	if err != nil {
		return nil, err
	}
	loc, err := pl.Zone()
	if err != nil {
		return nil, errors.Join(err, errors.New("place time zone"))
	}
	return loc, nil
}
