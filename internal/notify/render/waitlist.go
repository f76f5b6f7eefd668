package render

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/notify/dispatch"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/person"
	"github.com/varco-gate/varco/internal/store"
)

// WaitlistPath is the citizen app's page of the waiting lists, where an
// offer is confirmed or declined.
const WaitlistPath = "/#/lista-attesa"

// waitlistOffer renders the offer made to the first in line: to the
// account's e-mail and its push subscriptions. An offer no longer
// outstanding (confirmed, declined, lapsed) sends nothing.
func (r *Renderer) waitlistOffer(ctx context.Context, m outbox.Claimed) ([]dispatch.Delivery, error) {
	var p outbox.WaitlistPayload
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		return nil, fmt.Errorf("render %s: %w", m.ID, err)
	}
	e, err := r.store.GetWaitEntry(ctx, p.EntryID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if e.State != booking.Offered || !e.OfferExpiresAt.After(r.clk.Now()) {
		return nil, nil
	}
	a, err := r.store.GetAccount(ctx, e.AccountID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	d, err := catalog.Describe(ctx, r.store, e.ResourceID, "")
	if err != nil {
		return nil, err
	}
	loc, err := d.Place.Zone()
	if err != nil {
		return nil, err
	}
	v := notify.BookingView{
		Language: a.Language, Beneficiary: strings.TrimSpace(a.GivenName + " " + a.FamilyName), Email: a.Email,
		Resource: d.Resource.Name, Place: d.Place.Name, Address: d.Place.Address.Line(), Start: e.Start, End: e.End, TimeZone: loc,
		OrgName: d.Organization.Name, OrgContact: strings.Trim(person.FormatPhone(d.Contacts.Phone)+" "+d.Contacts.Email, " "),
		OfferExpires: e.OfferExpiresAt, OfferURL: r.cfg.PublicBaseURL + WaitlistPath, Seats: e.Seats,
	}
	var out []dispatch.Delivery
	if r.cfg.Compose != nil && v.Email != "" {
		mail, err := r.cfg.Compose(m.Kind, v, m.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, dispatch.Delivery{Key: "email", Email: &mail})
	}
	if r.cfg.Push {
		targets, err := r.store.SubscriptionsFor(ctx, e.AccountID, "")
		if err != nil {
			return nil, err
		}
		for _, t := range targets {
			p := r.push(m, v, t)
			p.Urgency = notify.UrgencyHigh
			p.TTL = max(e.OfferExpiresAt.Sub(r.clk.Now()), time.Minute) // an offer read after it lapsed is noise
			out = append(out, dispatch.Delivery{Key: "push:" + t.ID, Push: &p})
		}
	}
	return out, nil
}
