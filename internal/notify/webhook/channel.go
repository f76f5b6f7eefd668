package webhook

import (
	"context"
	"log/slog"
	"time"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/notify/dispatch"
	"github.com/varco-gate/varco/internal/outbox"
)

// Targets finds where a delivery goes.
type Targets interface {
	// WebhookTarget returns the webhook's URL and secret and the event id;
	// live is false once the webhook was deleted.
	WebhookTarget(ctx context.Context, deliveryID string) (url, secret, eventID string, live bool, err error)
}

// Renderer turns a claimed delivery (Kind = event, SubjectKey = webhook,
// Payload = body) into the dispatcher's one webhook delivery.
type Renderer struct{ targets Targets }

// NewRenderer returns a renderer.
func NewRenderer(t Targets) *Renderer { return &Renderer{targets: t} }

// Deliveries implements dispatch.Renderer.
func (r *Renderer) Deliveries(ctx context.Context, m outbox.Claimed) ([]dispatch.Delivery, error) {
	url, secret, eventID, live, err := r.targets.WebhookTarget(ctx, m.ID)
	if err != nil {
		return nil, err
	}
	if !live {
		// Deleted after the claim: deleting cancelled the delivery, and
		// the dispatcher's "sent" cannot overwrite a cancelled row.
		return nil, nil
	}
	w := &notify.Webhook{DeliveryID: m.ID, URL: url, Secret: secret, Event: m.Kind, EventID: eventID, Body: m.Payload}
	return []dispatch.Delivery{{Key: "webhook", Webhook: w}}, nil
}

// Recorder keeps each attempt's outcome on the delivery.
type Recorder interface {
	RecordAttempt(ctx context.Context, id string, status int, errText string, at time.Time) error
}

// Channel is the dispatcher's webhook channel: it sends, then records the
// attempt's HTTP status and error on the delivery (the dispatcher records
// attempts, the next due time or the final state right after).
func Channel(s *Sender, rec Recorder, clk clock.Clock, log *slog.Logger) func(context.Context, notify.Webhook) error {
	return func(ctx context.Context, w notify.Webhook) error {
		status, err := s.Send(ctx, w)
		errText := ""
		if err != nil {
			errText = err.Error()
			log.Info("webhook attempt failed", slog.String("delivery", w.DeliveryID), slog.String("event", w.Event),
				slog.Int("status", status), slog.String("err", errText))
		}
		// A failure to record is logged, not returned: the dispatcher would
		// take it for the receiver's and could mark a delivered event failed.
		if rerr := rec.RecordAttempt(context.WithoutCancel(ctx), w.DeliveryID, status, errText, clk.Now()); rerr != nil {
			log.Error("record webhook attempt", slog.String("delivery", w.DeliveryID), slog.Any("err", rerr))
		}
		return err
	}
}
