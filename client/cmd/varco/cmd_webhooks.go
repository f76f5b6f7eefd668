package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// webhooks dispatches "varco webhooks <create|list|delete|deliveries|replay>".
func (c *cli) webhooks(ctx context.Context, args []string) error {
	subs := map[string]func(context.Context, []string) error{
		"create": c.webhookCreate, "list": c.webhookList, "delete": c.webhookDelete,
		"deliveries": c.webhookDeliveries, "replay": c.webhookReplay,
	}
	if len(args) == 0 || subs[args[0]] == nil {
		return usageErrorf("usage: varco webhooks create|list|delete|deliveries|replay [flags]")
	}
	return subs[args[0]](ctx, args[1:])
}

// webhookEvent accepts "booking.created", "booking-created" or
// "BOOKING_CREATED".
func webhookEvent(s string) (varcov1.WebhookEvent, error) {
	n, err := parseEnum(varcov1.WebhookEvent(0).Descriptor(), strings.ReplaceAll(s, ".", "-"))
	return varcov1.WebhookEvent(n), err
}

func (c *cli) webhookCreate(ctx context.Context, args []string) error {
	fs := c.flagSet("webhooks create")
	org := fs.String("org", "", "organization id")
	url := fs.String("url", "", "https URL receiving the events")
	var events listFlag
	fs.Var(&events, "event", "event to receive, e.g. booking.created (repeat, or comma-separate; default all)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"org": *org, "url": *url}); err != nil {
		return err
	}
	req := &varcov1.CreateWebhookRequest{OrganizationId: *org, Url: *url}
	for _, e := range events {
		ev, err := webhookEvent(e)
		if err != nil {
			return usageErrorf("--event: %v", err)
		}
		req.Events = append(req.Events, ev)
	}
	if len(events) == 0 {
		vals := varcov1.WebhookEvent(0).Descriptor().Values()
		for i := range vals.Len() {
			if n := vals.Get(i).Number(); n != 0 {
				req.Events = append(req.Events, varcov1.WebhookEvent(n))
			}
		}
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	res, err := api.Admin.CreateWebhook(ctx, connect.NewRequest(req))
	if err != nil {
		return callErr("webhooks create", err)
	}
	if c.json() {
		return c.printProto(res.Msg)
	}
	_, err = fmt.Fprintln(c.stdout, c.t("cli.webhook.created",
		res.Msg.GetWebhook().GetId(), res.Msg.GetWebhook().GetUrl(), res.Msg.GetSecret()))
	return err
}

func (c *cli) webhookList(ctx context.Context, args []string) error {
	fs := c.flagSet("webhooks list")
	org := fs.String("org", "", "organization id")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"org": *org}); err != nil {
		return err
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	res, err := api.Admin.ListWebhooks(ctx, connect.NewRequest(&varcov1.ListWebhooksRequest{OrganizationId: *org}))
	if err != nil {
		return callErr("webhooks list", err)
	}
	if c.json() {
		return c.printProto(res.Msg)
	}
	if len(res.Msg.GetWebhooks()) == 0 {
		_, err := fmt.Fprintln(c.stdout, c.t("cli.webhook.none"))
		return err
	}
	for _, w := range res.Msg.GetWebhooks() {
		var names []string
		for _, e := range w.GetEvents() {
			names = append(names, enumName(e))
		}
		if _, err := fmt.Fprintf(c.stdout, "%s  %s  %s\n", w.GetId(), w.GetUrl(), strings.Join(names, ",")); err != nil {
			return err
		}
	}
	return nil
}

func (c *cli) webhookDelete(ctx context.Context, args []string) error {
	fs := c.flagSet("webhooks delete")
	id := fs.String("webhook", "", "webhook id")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"webhook": *id}); err != nil {
		return err
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	if _, err := api.Admin.DeleteWebhook(ctx, connect.NewRequest(&varcov1.DeleteWebhookRequest{WebhookId: *id})); err != nil {
		return callErr("webhooks delete", err)
	}
	if c.json() {
		return c.printProto(&varcov1.DeleteWebhookResponse{})
	}
	_, err = fmt.Fprintln(c.stdout, c.t("cli.webhook.deleted", *id))
	return err
}

func (c *cli) webhookDeliveries(ctx context.Context, args []string) error {
	fs := c.flagSet("webhooks deliveries")
	id := fs.String("webhook", "", "webhook id")
	limit := fs.Int("limit", 50, "most recent deliveries to show (1-200)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"webhook": *id}); err != nil {
		return err
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	res, err := api.Admin.ListWebhookDeliveries(ctx, connect.NewRequest(&varcov1.ListWebhookDeliveriesRequest{
		WebhookId: *id, PageSize: int32(*limit)}))
	if err != nil {
		return callErr("webhooks deliveries", err)
	}
	if c.json() {
		return c.printProto(res.Msg)
	}
	for _, d := range res.Msg.GetDeliveries() {
		line := fmt.Sprintf("%s  %s  %s  %s  %s", d.GetId(), d.GetCreatedAt().AsTime().Local().Format(time.DateTime),
			enumName(d.GetEvent()), enumName(d.GetState()), c.t("cli.webhook.attempts", d.GetAttempts()))
		if d.GetLastStatus() != 0 {
			line += fmt.Sprintf("  HTTP %d", d.GetLastStatus())
		}
		if d.GetLastError() != "" {
			line += "  " + d.GetLastError()
		}
		if _, err := fmt.Fprintln(c.stdout, line); err != nil {
			return err
		}
	}
	return nil
}

func (c *cli) webhookReplay(ctx context.Context, args []string) error {
	fs := c.flagSet("webhooks replay")
	id := fs.String("delivery", "", "delivery id")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := required(map[string]string{"delivery": *id}); err != nil {
		return err
	}
	api, err := c.client()
	if err != nil {
		return err
	}
	res, err := api.Admin.ReplayWebhookDelivery(ctx, connect.NewRequest(&varcov1.ReplayWebhookDeliveryRequest{DeliveryId: *id}))
	if err != nil {
		return callErr("webhooks replay", err)
	}
	if c.json() {
		return c.printProto(res.Msg)
	}
	_, err = fmt.Fprintln(c.stdout, c.t("cli.webhook.replayed", res.Msg.GetDelivery().GetId()))
	return err
}
