package webhook

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/store"
)

// Store keeps webhooks and their deliveries.
type Store interface {
	// CreateWebhook stores w, setting its starting points to the current
	// ends of the event sources in the same transaction; it fails with
	// ErrTooMany when the organization already has max live webhooks.
	CreateWebhook(ctx context.Context, w Webhook, max int) (Webhook, error)
	ListWebhooks(ctx context.Context, orgID string) ([]Webhook, error)
	// DeleteWebhook marks it deleted and cancels its pending deliveries.
	DeleteWebhook(ctx context.Context, id string, at time.Time) error
	ListDeliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error)
	// ReplayDelivery copies a delivery into a new pending one.
	ReplayDelivery(ctx context.Context, id, newID string, at time.Time) (Delivery, error)
}

// DeliveryQuery pages a webhook's deliveries, newest first.
type DeliveryQuery struct {
	WebhookID string
	Limit     int
	// Before continues after the last delivery of the previous page.
	BeforeAt time.Time
	BeforeID string
}

// ErrTooMany refuses a webhook over MaxPerOrganization.
var ErrTooMany = fault.New(fault.FailedPrecondition, "too_many_webhooks").Text("error.too_many_webhooks", MaxPerOrganization)

// ErrNotFound is a webhook or delivery that does not exist (or whose
// webhook was deleted).
var ErrNotFound = fault.New(fault.NotFound, "webhook_not_found")

func notFound(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return ErrNotFound.Wrap(err)
	}
	return err
}

// Config configures the service.
type Config struct {
	// AllowPrivate accepts URLs whose host is a loopback or private IP
	// literal (development and tests only).
	AllowPrivate bool
}

// Service registers webhooks and lists and replays their deliveries. The
// API edge has already checked that the caller is an organizer of the
// organization the request touches.
type Service struct {
	cfg   Config
	store Store
	clk   clock.Clock
}

// NewService returns the service.
func NewService(cfg Config, s Store, clk clock.Clock) *Service {
	return &Service{cfg: cfg, store: s, clk: clk}
}

// Create registers a webhook and returns it with its secret, which is
// never shown again.
func (s *Service) Create(ctx context.Context, orgID, createdBy, rawURL string, events []int32) (Webhook, error) {
	if orgID == "" {
		return Webhook{}, fault.InvalidField("organization_id", "required").Text("error.required.organization_id")
	}
	if err := ValidateURL(rawURL, s.cfg.AllowPrivate); err != nil {
		return Webhook{}, err
	}
	evs, err := ParseEvents(events)
	if err != nil {
		return Webhook{}, err
	}
	secret, err := NewSecret()
	if err != nil {
		return Webhook{}, err
	}
	w := Webhook{ID: uuid.NewString(), OrganizationID: orgID, URL: rawURL, Events: evs, Secret: secret,
		CreatedBy: createdBy, CreatedAt: s.clk.Now()}
	w, err = s.store.CreateWebhook(ctx, w, MaxPerOrganization)
	if err != nil {
		return Webhook{}, fmt.Errorf("create webhook: %w", err)
	}
	return w, nil
}

// List returns the organization's live webhooks, oldest first, without
// secrets.
func (s *Service) List(ctx context.Context, orgID string) ([]Webhook, error) {
	return s.store.ListWebhooks(ctx, orgID)
}

// Delete removes a webhook: nothing more is delivered to it, and pending
// deliveries are cancelled (one already being sent may still arrive).
func (s *Service) Delete(ctx context.Context, id string) error {
	return notFound(s.store.DeleteWebhook(ctx, id, s.clk.Now()))
}

// Deliveries lists a webhook's deliveries, newest first.
func (s *Service) Deliveries(ctx context.Context, q DeliveryQuery) ([]Delivery, error) {
	return s.store.ListDeliveries(ctx, q)
}

// Replay queues a delivery again as a new delivery with the same event id
// and body; it is signed afresh when sent.
func (s *Service) Replay(ctx context.Context, deliveryID string) (Delivery, error) {
	d, err := s.store.ReplayDelivery(ctx, deliveryID, uuid.NewString(), s.clk.Now())
	if err != nil {
		return Delivery{}, fmt.Errorf("replay webhook delivery: %w", notFound(err))
	}
	return d, nil
}
