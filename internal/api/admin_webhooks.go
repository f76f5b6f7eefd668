package api

import (
	"context"
	"strconv"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/webhook"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// Webhooks is what the webhook RPCs need (implemented by
// *webhook.Service). The interceptor has already checked that the caller is
// an organizer of the webhook's (or the request's) organization.
type Webhooks interface {
	Create(ctx context.Context, orgID, createdBy, rawURL string, events []int32) (webhook.Webhook, error)
	List(ctx context.Context, orgID string) ([]webhook.Webhook, error)
	Delete(ctx context.Context, id string) error
	Deliveries(ctx context.Context, q webhook.DeliveryQuery) ([]webhook.Delivery, error)
	Replay(ctx context.Context, deliveryID string) (webhook.Delivery, error)
}

// CreateWebhook registers an endpoint; the response is the only place the
// signing secret ever appears.
func (a *Admin) CreateWebhook(ctx context.Context, req *connect.Request[varcov1.CreateWebhookRequest]) (*connect.Response[varcov1.CreateWebhookResponse], error) {
	m := req.Msg
	events := make([]int32, len(m.GetEvents()))
	for i, e := range m.GetEvents() {
		events[i] = int32(e)
	}
	w, err := a.deps.Webhooks.Create(ctx, m.GetOrganizationId(), authz.FromContext(ctx).AccountID, m.GetUrl(), events)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.CreateWebhookResponse{Webhook: webhookPB(w), Secret: w.Secret}), nil
}

// ListWebhooks lists the organization's webhooks (at most
// webhook.MaxPerOrganization, so one page).
func (a *Admin) ListWebhooks(ctx context.Context, req *connect.Request[varcov1.ListWebhooksRequest]) (*connect.Response[varcov1.ListWebhooksResponse], error) {
	if req.Msg.GetOrganizationId() == "" {
		return nil, a.fail(ctx, req.Header(), fault.InvalidField("organization_id", "required").Text("error.required.organization_id"))
	}
	list, err := a.deps.Webhooks.List(ctx, req.Msg.GetOrganizationId())
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	res := &varcov1.ListWebhooksResponse{}
	for _, w := range list {
		res.Webhooks = append(res.Webhooks, webhookPB(w))
	}
	return connect.NewResponse(res), nil
}

// DeleteWebhook stops deliveries to a webhook.
func (a *Admin) DeleteWebhook(ctx context.Context, req *connect.Request[varcov1.DeleteWebhookRequest]) (*connect.Response[varcov1.DeleteWebhookResponse], error) {
	if err := a.deps.Webhooks.Delete(ctx, req.Msg.GetWebhookId()); err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.DeleteWebhookResponse{}), nil
}

// ListWebhookDeliveries lists a webhook's deliveries, newest first.
func (a *Admin) ListWebhookDeliveries(ctx context.Context, req *connect.Request[varcov1.ListWebhookDeliveriesRequest]) (*connect.Response[varcov1.ListWebhookDeliveriesResponse], error) {
	m := req.Msg
	size, err := pageSize(m.GetPageSize())
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	cur, err := decodeCursor(m.GetPageToken())
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	q := webhook.DeliveryQuery{WebhookID: m.GetWebhookId(), Limit: size + 1, BeforeID: cur.ID}
	if cur.ID != "" {
		msec, err := strconv.ParseInt(cur.Key, 10, 64)
		if err != nil {
			return nil, a.fail(ctx, req.Header(), errPageToken)
		}
		q.BeforeAt = time.UnixMilli(msec)
	}
	list, err := a.deps.Webhooks.Deliveries(ctx, q)
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	res := &varcov1.ListWebhookDeliveriesResponse{}
	if len(list) > size {
		list = list[:size]
		last := list[size-1]
		res.NextPageToken = encodeCursor(cursor{Key: strconv.FormatInt(last.CreatedAt.UnixMilli(), 10), ID: last.ID})
	}
	for _, d := range list {
		res.Deliveries = append(res.Deliveries, deliveryPB(d))
	}
	return connect.NewResponse(res), nil
}

// ReplayWebhookDelivery queues a delivery again.
func (a *Admin) ReplayWebhookDelivery(ctx context.Context, req *connect.Request[varcov1.ReplayWebhookDeliveryRequest]) (*connect.Response[varcov1.ReplayWebhookDeliveryResponse], error) {
	d, err := a.deps.Webhooks.Replay(ctx, req.Msg.GetDeliveryId())
	if err != nil {
		return nil, a.fail(ctx, req.Header(), err)
	}
	return connect.NewResponse(&varcov1.ReplayWebhookDeliveryResponse{Delivery: deliveryPB(d)}), nil
}

func webhookPB(w webhook.Webhook) *varcov1.Webhook {
	pb := &varcov1.Webhook{Id: w.ID, OrganizationId: w.OrganizationID, Url: w.URL, CreatedAt: timestamppb.New(w.CreatedAt)}
	for _, e := range w.Events {
		pb.Events = append(pb.Events, varcov1.WebhookEvent(e.Number()))
	}
	return pb
}

func deliveryPB(d webhook.Delivery) *varcov1.WebhookDelivery {
	pb := &varcov1.WebhookDelivery{
		Id: d.ID, WebhookId: d.WebhookID, Event: varcov1.WebhookEvent(d.Event.Number()), Attempts: int32(d.Attempts),
		LastStatus: int32(d.LastStatus), LastError: d.LastError, CreatedAt: timestamppb.New(d.CreatedAt),
		EventId: d.EventID, ReplayOf: d.ReplayOf, State: varcov1.WebhookDeliveryState(d.State + 1),
	}
	if !d.DeliveredAt.IsZero() {
		pb.DeliveredAt = timestamppb.New(d.DeliveredAt)
	}
	if d.State == webhook.Pending {
		pb.NextAttemptAt = timestamppb.New(d.DueAt)
	}
	return pb
}
