package render

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/notify/dispatch"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/store"
)

// GuestCodes renders the e-mails carrying guests' one-time codes.
type GuestCodes struct {
	Guests interface {
		GetGuestBooking(ctx context.Context, id string) (booking.Guest, error)
	}
	// Compose builds the e-mail; nil when no SMTP server is configured.
	Compose func(v notify.GuestCodeView, messageID string) (notify.Email, error)
	// Valid is how long a code works (booking.GuestConfig.CodeTTL).
	Valid time.Duration
}

// guestCode renders a KindGuestCode message: an e-mail to the guest, or
// nothing once the guest booking is gone or confirmed.
func (r *Renderer) guestCode(ctx context.Context, m outbox.Claimed) ([]dispatch.Delivery, error) {
	gc := r.cfg.GuestCodes
	if gc == nil || gc.Compose == nil {
		return nil, nil
	}
	var p outbox.GuestCodePayload
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		return nil, fmt.Errorf("render %s: %w", m.ID, err)
	}
	g, err := gc.Guests.GetGuestBooking(ctx, p.GuestBookingID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if g.BookingID != "" {
		return nil, nil // confirmed meanwhile: the code is of no use
	}
	v := notify.GuestCodeView{Language: g.Language, Email: g.Person.Email, Code: p.Code, Valid: gc.Valid}
	if res, err := r.store.GetResource(ctx, g.ResourceID); err == nil {
		v.Resource = res.Name
		if org, err := r.store.GetOrganization(ctx, res.OrganizationID); err == nil {
			v.OrgName = org.Name
		}
	}
	e, err := gc.Compose(v, m.ID)
	if err != nil {
		return nil, err
	}
	return []dispatch.Delivery{{Key: "email", Email: &e}}, nil
}
