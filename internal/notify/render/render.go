// Package render turns outbox messages into the e-mails and push messages
// the dispatcher sends. It reads the current booking when it renders, so a
// message sent late shows current data, and an anonymized or deleted
// booking sends nothing.
package render

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/calendar"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/notify/dispatch"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/person"
	"github.com/varco-gate/varco/internal/store"
	"github.com/varco-gate/varco/internal/ticket"
)

// Store is what rendering reads.
type Store interface {
	catalog.Reader
	GetBooking(ctx context.Context, id string) (booking.Booking, error)
	TicketsOfBooking(ctx context.Context, bookingID string) ([]booking.IssuedTicket, []bool, error)
	BookingOfTicket(ctx context.Context, ticketID string) (string, error)
	SubscriptionsFor(ctx context.Context, accountID, bookingID string) ([]notify.Target, error)
	GetAccount(ctx context.Context, id string) (identity.Account, error)
	// AppIOOptOut reports whether the account with this codice fiscale
	// turned App IO messages off.
	AppIOOptOut(ctx context.Context, codiceFiscale string) (bool, error)
	// GetWaitEntry reads a waiting-list entry (waitlist.go).
	GetWaitEntry(ctx context.Context, id string) (booking.WaitEntry, error)
	// GetProposal reads a proposal of other dates.
	GetProposal(ctx context.Context, id string) (booking.Proposal, error)
}

// Config configures the renderer.
type Config struct {
	// PublicBaseURL prefixes links in messages.
	PublicBaseURL string
	// Compose builds an e-mail; nil disables e-mail (no SMTP configured).
	Compose func(kind string, v notify.BookingView, messageID string) (notify.Email, error)
	// Push enables push messages.
	Push bool
	// AppIO, when set, tells whether an organization sends App IO
	// messages (it has an IO service key); nil disables the channel.
	AppIO func(organizationID string) bool
	// Signer signs ticket QR codes.
	Signer interface {
		Sign(c ticket.Claims) (string, error)
	}
	// GuestCodes renders guests' one-time codes; nil sends none.
	GuestCodes *GuestCodes
}

// Renderer implements dispatch.Renderer.
type Renderer struct {
	cfg   Config
	store Store
	clk   clock.Clock
}

// New returns a renderer.
func New(cfg Config, s Store, clk clock.Clock) *Renderer {
	return &Renderer{cfg: cfg, store: s, clk: clk}
}

// CancelPath is where the cancel link of a booking lands.
func CancelPath(code string) string { return "/bookings/" + token.NormalizeCode(code) + "/cancel" }

// Deliveries implements dispatch.Renderer.
func (r *Renderer) Deliveries(ctx context.Context, m outbox.Claimed) ([]dispatch.Delivery, error) {
	if m.Kind == outbox.KindGuestCode {
		return r.guestCode(ctx, m)
	}
	if m.Kind == outbox.KindWaitlistOffer {
		return r.waitlistOffer(ctx, m)
	}
	bookingID := m.BookingID
	var tp outbox.TicketPayload
	var bp outbox.BookingPayload
	if strings.HasPrefix(m.Kind, "ticket.") {
		if err := json.Unmarshal(m.Payload, &tp); err != nil {
			return nil, fmt.Errorf("render %s: %w", m.ID, err)
		}
		id, err := r.store.BookingOfTicket(ctx, tp.TicketID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		bookingID = id
	} else if err := json.Unmarshal(m.Payload, &bp); err != nil {
		return nil, fmt.Errorf("render %s: %w", m.ID, err)
	}
	b, err := r.store.GetBooking(ctx, bookingID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil // nothing left to tell anyone about
	}
	if err != nil {
		return nil, err
	}
	d, err := catalog.Describe(ctx, r.store, b.ResourceID, b.OperatorID)
	if err != nil {
		return nil, err
	}
	v, err := r.view(ctx, m.Kind, b, d, bp, tp)
	if err != nil {
		return nil, err
	}
	var out []dispatch.Delivery
	if r.cfg.Compose != nil && v.Email != "" {
		e, err := r.cfg.Compose(m.Kind, v, m.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, dispatch.Delivery{Key: "email", Email: &e})
	}
	if cf := b.Beneficiary.CodiceFiscale; r.cfg.AppIO != nil && cf != "" && r.cfg.AppIO(d.Organization.ID) {
		optOut, err := r.store.AppIOOptOut(ctx, cf)
		if err != nil {
			return nil, err
		}
		if !optOut {
			subject, body := IOText(m.Kind, v, v.Language)
			out = append(out, dispatch.Delivery{Key: "io", IO: &notify.IOMessage{OutboxID: m.ID, Kind: m.Kind,
				OrganizationID: d.Organization.ID, FiscalCode: cf, Subject: subject, Markdown: body}})
		}
	}
	if r.cfg.Push {
		targets, err := r.store.SubscriptionsFor(ctx, b.BookerID, b.ID)
		if err != nil {
			return nil, err
		}
		for _, t := range targets {
			p := r.push(m, v, t)
			out = append(out, dispatch.Delivery{Key: "push:" + t.ID, Push: &p})
		}
	}
	return out, nil
}

func (r *Renderer) view(ctx context.Context, kind string, b booking.Booking, d catalog.Description, bp outbox.BookingPayload, tp outbox.TicketPayload) (notify.BookingView, error) {
	loc, err := d.Place.Zone()
	if err != nil {
		return notify.BookingView{}, err
	}
	a := d.Place.Address
	v := notify.BookingView{
		Language: b.Language, BookingID: b.ID, Code: token.FormatCode(b.Code), Beneficiary: b.Beneficiary.GivenName + " " + b.Beneficiary.FamilyName,
		Email: b.Beneficiary.Email, Resource: d.Resource.Name, Place: d.Place.Name,
		Address: a.Line(),
		Start:   b.Start, End: b.End, TimeZone: loc, Operator: d.Operator, Documents: d.Resource.DocumentsToBring,
		Reason: bp.Reason, OrgName: d.Organization.Name, OrgContact: strings.Trim(person.FormatPhone(d.Contacts.Phone)+" "+d.Contacts.Email, " "),
	}
	switch b.Mode {
	case catalog.ModePhone:
		// "Ti chiameremo al …": the office calls, nobody comes to it.
		v.Remote, v.CallPhone = notify.RemotePhone, person.FormatPhone(b.Beneficiary.Phone)
		v.Place, v.Address, v.Documents = "", "", nil
	case catalog.ModeVideoCall:
		v.Remote = notify.RemoteVideo
		v.MeetingURL = booking.MeetingLink(b, d.Resource.Meeting)
		v.Place, v.Address, v.Documents = "", "", nil
	}
	if b.OnBehalf && b.BookerID != "" {
		// The beneficiary reads who booked for them.
		booker, err := r.store.GetAccount(ctx, b.BookerID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return v, err
		}
		v.BookedBy = strings.TrimSpace(booker.GivenName + " " + booker.FamilyName)
	}
	if kind == outbox.KindBookingCancelled {
		switch b.Status {
		case booking.CancelledByOperator:
			v.CancelledByOffice = true
			v.RebookURL = r.cfg.PublicBaseURL + "/#/servizio/" + b.ResourceID
		case booking.CancelledByUser:
			if b.OnBehalf {
				// The booker's reason is theirs: the beneficiary is told
				// the booking was cancelled, not why.
				v.Reason = ""
			}
		}
	}
	if bp.CancelToken != "" {
		v.CancelURL = r.cfg.PublicBaseURL + CancelPath(b.Code) + "?token=" + bp.CancelToken
		v.ReceiptURL = r.cfg.PublicBaseURL + "/bookings/" + token.NormalizeCode(b.Code) + "/receipt.pdf?token=" + bp.CancelToken
	}
	if tp.ExpiresAt != "" {
		v.TicketExpires, _ = time.Parse(time.RFC3339, tp.ExpiresAt)
	}
	if kind == outbox.KindBookingProposal && bp.ProposalID != "" {
		if v.Proposal, err = r.proposal(ctx, b, d, bp); err != nil {
			return v, err
		}
	}
	// The calendar file and the QR image go only into the e-mail; signing
	// and drawing them for a booking without one was wasted work (3.5 % of
	// the server's CPU in a booking rush with no SMTP configured).
	mail := r.cfg.Compose != nil && v.Email != ""
	if mail && (kind == outbox.KindBookingConfirmed || kind == outbox.KindBookingRescheduled || kind == outbox.KindBookingMeetingLink) {
		ev := calendar.FromBooking(b, d, b.Language)
		ev.CancelURL = v.CancelURL
		if v.ICS, err = calendar.Generate(ev, r.clk.Now()); err != nil {
			return v, err
		}
		if d.Resource.Ticketed && r.cfg.Signer != nil {
			if v.QRPNG, v.Ticket, err = r.qr(ctx, b); err != nil {
				return v, err
			}
		}
	}
	return v, nil
}

// ProposalPath is where the links of a proposal of other dates land.
func ProposalPath(id string) string { return "/proposals/" + id }

// proposal describes the dates offered, with a link per date that
// accepts it and one that declines them all (each opens a page that asks
// to confirm: a mail scanner following links changes nothing).
func (r *Renderer) proposal(ctx context.Context, b booking.Booking, d catalog.Description, bp outbox.BookingPayload) (*notify.ProposalView, error) {
	p, err := r.store.GetProposal(ctx, bp.ProposalID)
	if err != nil {
		return nil, err
	}
	base := r.cfg.PublicBaseURL + ProposalPath(p.ID) + "?token=" + bp.ProposalToken
	out := &notify.ProposalView{Message: p.Message, ExpiresAt: p.ExpiresAt, DeclineURL: base + "&decline=1"}
	for i, a := range p.Alternatives {
		o := notify.ProposalOption{Start: a.Start, AcceptURL: base + "&accept=" + strconv.Itoa(i+1)}
		if a.OperatorID != "" && a.OperatorID != b.OperatorID {
			if od, err := catalog.Describe(ctx, r.store, b.ResourceID, a.OperatorID); err == nil {
				o.Operator = od.Operator
			}
		}
		out.Options = append(out.Options, o)
	}
	return out, nil
}

// qr renders the booking's live ticket, if it has one, with its terms.
func (r *Renderer) qr(ctx context.Context, b booking.Booking) ([]byte, *notify.TicketTerms, error) {
	list, revoked, err := r.store.TicketsOfBooking(ctx, b.ID)
	if err != nil {
		return nil, nil, err
	}
	for i, t := range list {
		if revoked[i] {
			continue
		}
		payload, err := r.cfg.Signer.Sign(ticket.Claims{TicketID: t.ID, ResourceID: t.ResourceID, ValidFrom: t.ValidFrom,
			ValidUntil: t.ValidUntil, MaxStay: t.MaxStay, Seats: t.Seats})
		if err != nil {
			return nil, nil, err
		}
		png, err := ticket.PNG(payload, 480)
		return png, &notify.TicketTerms{Seats: t.Seats, ValidFrom: t.ValidFrom, ValidUntil: t.ValidUntil, MaxStay: t.MaxStay}, err
	}
	return nil, nil, nil
}

func (r *Renderer) push(m outbox.Claimed, v notify.BookingView, t notify.Target) notify.Push {
	lang := t.Language
	if lang == "" {
		lang = v.Language
	}
	title, body := PushText(m.Kind, v, lang)
	payload, _ := json.Marshal(notify.PushPayload{Title: title, Body: body, URL: r.appURL(m.Kind, v), Tag: m.Kind}) // plain strings always marshal
	p := notify.Push{Subscription: t.Subscription, Payload: payload, TTL: 24 * time.Hour, Urgency: notify.UrgencyNormal, Topic: topic(m.Kind, v.Code)}
	switch m.Kind {
	case outbox.KindTicketExpiryWarning, outbox.KindTicketExpired:
		p.Urgency = notify.UrgencyHigh
		// A warning delivered after the stay ended is useless.
		p.TTL = max(v.TicketExpires.Sub(r.clk.Now()), time.Minute)
	case outbox.KindBookingReminder:
		p.TTL = max(v.Start.Sub(r.clk.Now()), time.Minute)
	}
	return p
}

// appURL is the citizen app's page a tap on the notification opens: the
// ticket for ticket messages, the booking otherwise (the service worker
// opens only URLs of its own origin).
func (r *Renderer) appURL(kind string, v notify.BookingView) string {
	switch kind {
	case outbox.KindTicketExpiryWarning, outbox.KindTicketExpired:
		return r.cfg.PublicBaseURL + "/#/biglietto/" + v.BookingID
	case outbox.KindWaitlistOffer:
		return r.cfg.PublicBaseURL + WaitlistPath
	}
	return r.cfg.PublicBaseURL + "/#/prenotazioni/" + v.BookingID
}

// topic lets the push service replace an undelivered older message of the
// same kind for the same booking (RFC 8030 §5.4: ≤ 32 URL-safe chars).
func topic(kind, code string) string {
	sum := sha256.Sum256([]byte(kind + "|" + code))
	return base64.RawURLEncoding.EncodeToString(sum[:18])
}
