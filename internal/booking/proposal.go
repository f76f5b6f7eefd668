package booking

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/store"
)

// This file is the office's "proporre un'altra data": instead of moving a
// booking, an operator offers the citizen a few other slots, held for them
// until the proposal lapses; the citizen accepts one (the booking moves
// there) or declines (it stays). The alternatives are ordinary holds in the
// proposing operator's name, so they count in slot_usage like any hold and
// nobody else can book them while they are offered.

// ProposalStatus is where a proposal stands; values match
// varco.v1.ProposalStatus.
type ProposalStatus int

// Proposal statuses.
const (
	ProposalPending   ProposalStatus = 1
	ProposalAccepted  ProposalStatus = 2
	ProposalDeclined  ProposalStatus = 3
	ProposalExpired   ProposalStatus = 4
	ProposalWithdrawn ProposalStatus = 5 // the booking was cancelled or moved otherwise
)

// History events that are not status changes (Change.Event).
const (
	EventProposalMade      = "proposal.made"
	EventProposalAccepted  = "proposal.accepted"
	EventProposalDeclined  = "proposal.declined"
	EventProposalExpired   = "proposal.expired"
	EventProposalWithdrawn = "proposal.withdrawn"
	EventMeetingURLSet     = "meeting_url.set"
)

// Bounds of a proposal.
const (
	MaxAlternatives         = 5
	DefaultProposalValidity = 48 * time.Hour
	MinProposalValidity     = time.Hour
	MaxProposalValidity     = 7 * 24 * time.Hour
	maxProposalMessage      = 500
)

// Alternative is one slot offered, held until the proposal ends.
type Alternative struct {
	HoldID     string
	Start, End time.Time
	OperatorID string
}

// Proposal is a set of other dates offered for a booking.
type Proposal struct {
	ID           string
	BookingID    string
	Status       ProposalStatus
	Message      string
	Alternatives []Alternative
	TokenHash    [32]byte
	ProposedBy   Actor
	CreatedAt    time.Time
	ExpiresAt    time.Time
	DecidedAt    time.Time
	// Chosen is the accepted alternative (1-based), 0 otherwise.
	Chosen int
	// NewBookingID is the booking an acceptance made.
	NewBookingID string
}

// ProposedSlot is an alternative asked for: a slot start, and the operator
// (appointments; "" keeps the booking's operator when free, else any).
type ProposedSlot struct {
	Start      time.Time
	OperatorID string
}

// ProposeRequest offers other dates for a booking.
type ProposeRequest struct {
	BookingID    string
	Alternatives []ProposedSlot
	Message      string
	// ValidFor is how long the alternatives are held; 0 means
	// DefaultProposalValidity.
	ValidFor time.Duration
}

// ProposalResult is the outcome of an answer to a proposal.
type ProposalResult struct {
	Proposal Proposal
	// Booking is the booking as it stands now: the new one after an
	// acceptance, the original otherwise.
	Booking Booking
}

// Failures of proposals.
var (
	ErrProposalPending  = fault.New(fault.FailedPrecondition, "proposal_pending")
	ErrNoProposal       = fault.New(fault.NotFound, "proposal_not_found")
	ErrProposalClosed   = fault.New(fault.FailedPrecondition, "proposal_closed")
	ErrProposalExpired  = fault.New(fault.FailedPrecondition, "proposal_expired")
	ErrAlternativeGone  = fault.New(fault.FailedPrecondition, "alternative_gone")
	ErrBadProposalToken = fault.New(fault.PermissionDenied, "proposal_token_invalid")
)

// Propose holds the alternatives for the booking's citizen and e-mails
// them the links to accept or decline, all in one transaction. The
// alternatives keep the booking's length and seats and follow the office's
// rules (no online horizon, any operator may be named).
func (s *Service) Propose(ctx context.Context, staff Actor, req ProposeRequest) (Proposal, error) {
	if staff.ID == "" {
		return Proposal{}, errors.New("booking: proposal without a staff account")
	}
	if err := checkProposal(req); err != nil {
		return Proposal{}, err
	}
	b, err := s.store.GetBooking(ctx, req.BookingID)
	if errors.Is(err, store.ErrNotFound) {
		return Proposal{}, ErrBookingNotFound
	}
	if err != nil {
		return Proposal{}, err
	}
	now := s.clk.Now()
	if !b.Active() || !b.Start.After(now) {
		return Proposal{}, ErrNotRescheduable
	}
	sels := make([]selection, len(req.Alternatives))
	for i, a := range req.Alternatives {
		if a.Start.Equal(b.Start) && (a.OperatorID == "" || a.OperatorID == b.OperatorID) {
			return Proposal{}, fault.InvalidField(fmt.Sprintf("alternatives[%d].slot_start", i), "same_as_booking")
		}
		if sels[i], err = s.counterSelection(ctx, HoldRequest{ResourceID: b.ResourceID, SlotStart: a.Start,
			SlotCount: len(b.SlotStarts), Seats: b.Seats, OperatorID: a.OperatorID}); err != nil {
			return Proposal{}, alternativeErr(i, err)
		}
	}
	validFor := req.ValidFor
	if validFor == 0 {
		validFor = DefaultProposalValidity
	}
	plain, hash, err := token.New(token.PrefixProposal)
	if err != nil {
		return Proposal{}, err
	}
	p := Proposal{ID: newID(), BookingID: b.ID, Status: ProposalPending, Message: strings.TrimSpace(req.Message),
		TokenHash: hash, ProposedBy: staff, CreatedAt: now, ExpiresAt: now.Add(validFor)}
	err = s.store.InTx(ctx, func(tx Tx) error {
		p.Alternatives = p.Alternatives[:0] // the transaction may run again (PostgreSQL)
		cur, err := bookingInTx(ctx, tx, b.ID)
		if err != nil {
			return err
		}
		if !cur.Active() {
			return ErrNotRescheduable
		}
		pending, err := tx.PendingProposals(ctx, cur.ID)
		if err != nil {
			return err
		}
		for _, old := range pending {
			if now.Before(old.ExpiresAt) {
				return ErrProposalPending
			}
			// Lapsed but not yet swept: close it here, the new one replaces it.
			if err := s.closeProposal(ctx, tx, old, ProposalExpired, SystemActor, cur, now); err != nil {
				return err
			}
		}
		for i, sel := range sels {
			op, err := s.takeForProposal(ctx, tx, sel, cur.OperatorID, now)
			if err != nil {
				return alternativeErr(i, err)
			}
			h := Hold{ID: newID(), ResourceID: sel.resource.ID, AccountID: staff.ID, OperatorID: op, Seats: sel.seats,
				Start: sel.slots[0].Start, End: sel.slots[len(sel.slots)-1].End, SlotStarts: sel.starts(),
				ExpiresAt: p.ExpiresAt, CreatedAt: now}
			if err := tx.InsertHold(ctx, h); err != nil {
				return err
			}
			p.Alternatives = append(p.Alternatives, Alternative{HoldID: h.ID, Start: h.Start, End: h.End, OperatorID: op})
		}
		if err := tx.InsertProposal(ctx, p); err != nil {
			return err
		}
		if err := tx.AddHistory(ctx, cur.ID, Change{Status: cur.Status, At: now, Actor: staff, Reason: p.Message, Event: EventProposalMade}); err != nil {
			return err
		}
		return tx.Enqueue(ctx, outbox.Message{ID: newID(), Kind: outbox.KindBookingProposal, BookingID: cur.ID,
			SubjectKey: outbox.BookingSubject(cur.ID), DueAt: now, CreatedAt: now,
			Payload: outbox.Encode(outbox.BookingPayload{BookingID: cur.ID, ProposalID: p.ID, ProposalToken: plain})})
	})
	if err != nil {
		return Proposal{}, fmt.Errorf("propose dates: %w", err)
	}
	return p, nil
}

func checkProposal(req ProposeRequest) error {
	if req.BookingID == "" {
		return fault.InvalidField("booking_id", "required")
	}
	if n := len(req.Alternatives); n == 0 || n > MaxAlternatives {
		return fault.InvalidField("alternatives", "alternatives_count").Text("error.alternatives_count", MaxAlternatives)
	}
	for i, a := range req.Alternatives {
		if a.Start.IsZero() {
			return fault.InvalidField(fmt.Sprintf("alternatives[%d].slot_start", i), "required")
		}
		if slices.ContainsFunc(req.Alternatives[:i], func(o ProposedSlot) bool { return o.Start.Equal(a.Start) && o.OperatorID == a.OperatorID }) {
			return fault.InvalidField(fmt.Sprintf("alternatives[%d].slot_start", i), "duplicate")
		}
	}
	if utf8.RuneCountInString(req.Message) > maxProposalMessage {
		return fault.InvalidField("message", "too_long")
	}
	if v := req.ValidFor; v != 0 && (v < MinProposalValidity || v > MaxProposalValidity) {
		return fault.InvalidField("valid_for", "valid_for_range")
	}
	return nil
}

// alternativeErr names the alternative a field violation is about.
func alternativeErr(i int, err error) error {
	var fe *fault.Error
	if errors.As(err, &fe) && fe.Field != "" && !strings.HasPrefix(fe.Field, "alternatives") {
		return fault.InvalidField(fmt.Sprintf("alternatives[%d].%s", i, fe.Field), fe.Code).Text(fe.Key, fe.Args...)
	}
	return err
}

// takeForProposal holds the seats, on the booking's own operator when that
// one is free and none was named: a new date is not a new counter.
func (s *Service) takeForProposal(ctx context.Context, tx Tx, sel selection, keep string, now time.Time) (string, error) {
	if keep != "" && !sel.chosen && len(sel.candidates) > 1 && slices.Contains(sel.candidates, keep) {
		one := sel
		one.candidates = []string{keep}
		op, err := s.takeSeats(ctx, tx, one, now, true)
		if !errors.Is(err, ErrSlotFull) && !errors.Is(err, ErrOperatorBusy) {
			return op, err
		}
	}
	return s.takeSeats(ctx, tx, sel, now, true)
}

// RespondAsOwner answers the booking's pending proposal for a signed-in
// citizen who booked or attends it: choice is the alternative accepted
// (1-based), 0 declines.
func (s *Service) RespondAsOwner(ctx context.Context, caller authz.Principal, bookingID string, choice int) (ProposalResult, error) {
	b, err := s.Get(ctx, caller, bookingID)
	if err != nil {
		return ProposalResult{}, err
	}
	a, err := s.accounts.GetAccount(ctx, caller.AccountID)
	if err != nil {
		return ProposalResult{}, err
	}
	list, err := s.store.ProposalsOfBooking(ctx, b.ID)
	if err != nil {
		return ProposalResult{}, err
	}
	i := slices.IndexFunc(list, func(p Proposal) bool { return p.Status == ProposalPending })
	if i < 0 {
		return ProposalResult{}, ErrNoProposal
	}
	return s.respond(ctx, list[i].ID, choice, Actor{Kind: ActorCitizen, ID: a.ID, Name: strings.TrimSpace(a.GivenName + " " + a.FamilyName)})
}

// ProposalWithToken returns a proposal and its booking given the e-mail
// links' secret; an unknown id and a wrong secret give the same answer.
func (s *Service) ProposalWithToken(ctx context.Context, id, secret string) (Proposal, Booking, error) {
	p, err := s.store.GetProposal(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Proposal{}, Booking{}, ErrBadProposalToken
	}
	if err != nil {
		return Proposal{}, Booking{}, err
	}
	if !token.Valid(secret, token.PrefixProposal) || !token.Equal(token.Hash(secret), p.TokenHash) {
		return Proposal{}, Booking{}, ErrBadProposalToken
	}
	b, err := s.store.GetBooking(ctx, p.BookingID)
	return p, b, err
}

// RespondWithToken answers a proposal from the e-mail's link, without
// logging in: choice is the alternative accepted (1-based), 0 declines.
func (s *Service) RespondWithToken(ctx context.Context, id, secret string, choice int) (ProposalResult, error) {
	_, b, err := s.ProposalWithToken(ctx, id, secret)
	if err != nil {
		return ProposalResult{}, err
	}
	who := strings.TrimSpace(b.Beneficiary.GivenName + " " + b.Beneficiary.FamilyName)
	return s.respond(ctx, id, choice, Actor{Kind: ActorAnonymous, Name: who})
}

// respond accepts or declines in one transaction. Accepting turns the
// chosen alternative's held seats into a new booking (new code, cancel
// link and ticket; the old ticket revoked), ends the old booking as
// RESCHEDULED and frees the other alternatives; declining frees them all.
func (s *Service) respond(ctx context.Context, id string, choice int, actor Actor) (ProposalResult, error) {
	if choice < 0 || choice > MaxAlternatives {
		return ProposalResult{}, fault.InvalidField("alternative", "unknown_alternative")
	}
	now := s.clk.Now()
	p0, err := s.store.GetProposal(ctx, id)
	if err != nil {
		return ProposalResult{}, err
	}
	b0, err := s.store.GetBooking(ctx, p0.BookingID)
	if err != nil {
		return ProposalResult{}, err
	}
	r, _, err := s.planner.Plan(ctx, b0.ResourceID)
	if err != nil {
		return ProposalResult{}, err
	}
	var bookingID string
	err = s.store.InTx(ctx, func(tx Tx) error {
		p, err := tx.GetProposal(ctx, id)
		if err != nil {
			return err
		}
		if p.Status != ProposalPending {
			return ErrProposalClosed
		}
		if !now.Before(p.ExpiresAt) {
			return ErrProposalExpired
		}
		cur, err := bookingInTx(ctx, tx, p.BookingID)
		if err != nil {
			return err
		}
		bookingID = cur.ID
		if !cur.Active() {
			return ErrNotRescheduable
		}
		if choice == 0 {
			return s.closeProposal(ctx, tx, p, ProposalDeclined, actor, cur, now)
		}
		if choice > len(p.Alternatives) {
			return fault.InvalidField("alternative", "unknown_alternative")
		}
		alt := p.Alternatives[choice-1]
		if !alt.Start.After(now) {
			return ErrSlotPast
		}
		h, err := tx.GetHold(ctx, alt.HoldID)
		if errors.Is(err, store.ErrNotFound) || err == nil && (!h.ReleasedAt.IsZero() || !now.Before(h.ExpiresAt)) {
			return ErrAlternativeGone // freed by a block of the period, say
		}
		if err != nil {
			return err
		}
		if err := tx.ConfirmHeldSeats(ctx, h.ResourceID, h.SlotStarts, h.OperatorID, h.Seats); err != nil {
			return err
		}
		if err := tx.DeleteHold(ctx, h.ID); err != nil {
			return err
		}
		for i, other := range p.Alternatives {
			if i != choice-1 {
				if err := releaseProposalHold(ctx, tx, other.HoldID); err != nil {
					return err
				}
			}
		}
		nb := cur
		nb.ID, nb.OperatorID, nb.Status = newID(), h.OperatorID, Confirmed
		nb.Start, nb.End, nb.SlotStarts = h.Start, h.End, h.SlotStarts
		nb.RescheduledFrom, nb.RescheduledTo = cur.ID, ""
		nb.CreatedAt, nb.UpdatedAt, nb.IdempotencyKey = now, now, "proposal:"+p.ID
		nb.History = nil
		ok, err := tx.FinishProposal(ctx, p.ID, ProposalAccepted, choice, nb.ID, now)
		if err != nil {
			return err
		}
		if !ok {
			return ErrProposalClosed
		}
		if err := tx.AddHistory(ctx, cur.ID, Change{Status: cur.Status, At: now, Actor: actor, Event: EventProposalAccepted}); err != nil {
			return err
		}
		if _, err := s.insertBooking(ctx, tx, &nb, actor, r, now); err != nil {
			return err
		}
		bookingID = nb.ID
		if err := s.endBooking(ctx, tx, cur, Rescheduled, actor, "", now, ""); err != nil {
			return err
		}
		return tx.SetRescheduledTo(ctx, cur.ID, nb.ID, now)
	})
	if err != nil {
		return ProposalResult{}, fmt.Errorf("answer proposal: %w", err)
	}
	var out ProposalResult
	if out.Proposal, err = s.store.GetProposal(ctx, id); err != nil {
		return ProposalResult{}, err
	}
	if out.Booking, err = s.store.GetBooking(ctx, bookingID); err != nil {
		return ProposalResult{}, err
	}
	return out, nil
}

// closeProposal ends a pending proposal without a move (declined, lapsed,
// withdrawn): it frees every alternative and records the step in the
// booking's history. A lapse also tells the citizen their booking stays.
// A proposal someone else closed first is left alone.
func (s *Service) closeProposal(ctx context.Context, tx Tx, p Proposal, status ProposalStatus, actor Actor, b Booking, now time.Time) error {
	ok, err := tx.FinishProposal(ctx, p.ID, status, 0, "", now)
	if err != nil || !ok {
		return err
	}
	for _, a := range p.Alternatives {
		if err := releaseProposalHold(ctx, tx, a.HoldID); err != nil {
			return err
		}
	}
	event := map[ProposalStatus]string{ProposalDeclined: EventProposalDeclined, ProposalExpired: EventProposalExpired,
		ProposalWithdrawn: EventProposalWithdrawn}[status]
	if err := tx.AddHistory(ctx, p.BookingID, Change{Status: b.Status, At: now, Actor: actor, Event: event}); err != nil {
		return err
	}
	if status != ProposalExpired || !b.Active() {
		return nil
	}
	return tx.Enqueue(ctx, outbox.Message{ID: newID(), Kind: outbox.KindBookingProposalExpired, BookingID: b.ID,
		SubjectKey: outbox.BookingSubject(b.ID), DueAt: now, CreatedAt: now,
		Payload: outbox.Encode(outbox.BookingPayload{BookingID: b.ID, ProposalID: p.ID})})
}

// withdrawProposals closes the pending proposals of a booking that is
// being cancelled or moved, so their alternatives do not stay held.
func (s *Service) withdrawProposals(ctx context.Context, tx Tx, b Booking, actor Actor, now time.Time) error {
	pending, err := tx.PendingProposals(ctx, b.ID)
	if err != nil {
		return err
	}
	for _, p := range pending {
		if err := s.closeProposal(ctx, tx, p, ProposalWithdrawn, actor, b, now); err != nil {
			return err
		}
	}
	return nil
}

// releaseProposalHold gives back an alternative's seats, unless the hold
// sweeper already did.
func releaseProposalHold(ctx context.Context, tx Tx, holdID string) error {
	h, err := tx.GetHold(ctx, holdID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if h.ReleasedAt.IsZero() {
		if err := tx.ReleaseSeats(ctx, h.ResourceID, h.SlotStarts, h.OperatorID, h.Seats, true); err != nil {
			return err
		}
	}
	return tx.DeleteHold(ctx, h.ID)
}

// Proposals lists a booking's proposals, newest first.
func (s *Service) Proposals(ctx context.Context, bookingID string) ([]Proposal, error) {
	return s.store.ProposalsOfBooking(ctx, bookingID)
}

// ExpireProposals closes up to limit proposals that lapsed at now, each in
// its own transaction that first checks it is still pending: several
// replicas may sweep at once, and only one closes each proposal.
func (s *Service) ExpireProposals(ctx context.Context, limit int) (int, error) {
	now := s.clk.Now()
	ids, err := s.store.LapsedProposals(ctx, now, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		var closed bool
		err := s.store.InTx(ctx, func(tx Tx) error {
			closed = false
			p, err := tx.GetProposal(ctx, id)
			if err != nil || p.Status != ProposalPending || now.Before(p.ExpiresAt) {
				return err
			}
			b, err := tx.GetBooking(ctx, p.BookingID)
			if err != nil {
				return err
			}
			closed = true
			return s.closeProposal(ctx, tx, p, ProposalExpired, SystemActor, b, now)
		})
		if err != nil {
			return n, fmt.Errorf("expire proposal %s: %w", id, err)
		}
		if closed {
			n++
		}
	}
	return n, nil
}

// MeetingLink is the link of a video-call booking: the one an operator set
// on the booking, else the resource's (catalog.Meeting.LinkFor).
func MeetingLink(b Booking, m catalog.Meeting) string {
	if b.MeetingURL != "" {
		return b.MeetingURL
	}
	return m.LinkFor(b.ID, b.CancelTokenHash)
}
