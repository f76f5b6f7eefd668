package booking

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/store"
)

// ConfirmRequest turns a hold into a booking.
type ConfirmRequest struct {
	HoldID         string
	IdempotencyKey string
	Beneficiary    *Person // nil: the booker themselves
	Reason, Notes  string
	Mode           catalog.Mode
	PrivacyConsent bool
	PushConsent    bool
	AckIDs         []string
	Language       string
}

// ConfirmResult is a new booking with its cancel-link secret, which exists in
// plain form only here and in the confirmation message.
type ConfirmResult struct {
	Booking     Booking
	CancelToken string
	// Replayed is true when an earlier request with the same idempotency
	// key had already made the booking (CancelToken is then empty).
	Replayed bool
}

// CodeLength is the number of symbols of a booking code (22^8 ≈ 5.5·10^10).
const CodeLength = 8

// Confirm books the hold for the caller. A retried request with the same
// idempotency key returns the booking the first one made.
func (s *Service) Confirm(ctx context.Context, caller authz.Principal, req ConfirmRequest) (ConfirmResult, error) {
	if err := checkIdempotencyKey(req.IdempotencyKey); err != nil {
		return ConfirmResult{}, err
	}
	if req.HoldID == "" {
		return ConfirmResult{}, fault.InvalidField("hold_id", "required")
	}
	self, err := s.accounts.GetAccount(ctx, caller.AccountID)
	if err != nil {
		return ConfirmResult{}, fmt.Errorf("load booker: %w", err)
	}
	now := s.clk.Now()
	who, err := beneficiary(req.Beneficiary, self, "beneficiary.", now)
	if err != nil {
		return ConfirmResult{}, err
	}
	if err := checkTexts(req.Reason, req.Notes); err != nil {
		return ConfirmResult{}, err
	}
	if !req.PrivacyConsent {
		return ConfirmResult{}, fault.InvalidField("consents", "privacy_consent_required")
	}
	lang := req.Language
	if lang == "" {
		lang = self.Language
	}
	var out ConfirmResult
	// A retried request finds the booking its first attempt made. Looking
	// for it is only needed where a retry can end up: the first attempt
	// deleted the hold, and a key used twice collides in the unique index.
	// Confirmations that succeed, nearly all of them, skip the lookup.
	replayed := func(tx Tx, cause error) error {
		prev, err := tx.FindByIdempotencyKey(ctx, caller.AccountID, req.IdempotencyKey)
		if errors.Is(err, store.ErrNotFound) {
			return cause
		}
		if err != nil {
			return err
		}
		out = ConfirmResult{Booking: prev, Replayed: true}
		return errReplayed // undoes this attempt's writes, if any
	}
	// The resource comes from memory inside the transaction: reading it
	// there from a reader connection made the whole commit batch wait for
	// that read. The catalog version is read before; a plan not in memory
	// at it (the first confirmation after a catalog change) is loaded
	// outside and the transaction run again, and loaded inside, as before,
	// only when that failed twice (the catalog changing meanwhile).
	v, err := s.planner.CatalogVersion(ctx)
	if err != nil {
		return ConfirmResult{}, fmt.Errorf("confirm booking: %w", err)
	}
	var missing string // the resource whose plan was not in memory
	loadInside := false
	confirm := func(tx Tx) error {
		out = ConfirmResult{}
		// Taken (deleted) at once: a refusal below fails the transaction,
		// which brings the hold back.
		h, err := tx.TakeHold(ctx, req.HoldID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			return replayed(tx, ErrHoldNotFound)
		case err != nil:
			return err
		case h.AccountID != caller.AccountID:
			return replayed(tx, ErrHoldNotYours)
		case !h.ReleasedAt.IsZero() || !h.ExpiresAt.After(now):
			return replayed(tx, ErrHoldExpired)
		}
		r, _, ok := s.planner.CachedPlan(v, h.ResourceID)
		if !ok && !loadInside {
			missing = h.ResourceID
			return errPlanNotInMemory
		}
		if !ok {
			if r, _, err = s.planner.PlanAt(ctx, v, h.ResourceID); err != nil {
				return err
			}
		}
		acks, err := acknowledgements(r, req.AckIDs, now)
		if err != nil {
			return err
		}
		mode, err := chooseMode(r, req.Mode)
		if err != nil {
			return err
		}
		if limit := r.Policy.MaxActivePerPerson; limit > 0 {
			n, err := tx.CountActiveForPerson(ctx, r.ID, who.CodiceFiscale, now)
			if err != nil {
				return err
			}
			if n >= limit {
				return ErrPersonLimit
			}
		}
		b := Booking{
			ID: newID(), OrganizationID: r.OrganizationID, ResourceID: r.ID, OperatorID: h.OperatorID,
			Start: h.Start, End: h.End, SlotStarts: h.SlotStarts, Seats: h.Seats, Mode: mode, Status: Confirmed,
			BookerID: caller.AccountID, Beneficiary: who, Reason: req.Reason, Notes: req.Notes, Language: lang,
			PrivacyAt: now, Acks: acks, CreatedAt: now, UpdatedAt: now, IdempotencyKey: req.IdempotencyKey,
			FirstFree: h.FirstFree,
		}
		b.OnBehalf = who.CodiceFiscale != self.CodiceFiscale
		if req.PushConsent {
			b.PushConsentAt = now
		}
		if err := tx.ConfirmHeldSeats(ctx, h.ResourceID, h.SlotStarts, h.OperatorID, h.Seats); err != nil {
			return err
		}
		actor := Actor{Kind: ActorCitizen, ID: caller.AccountID, Name: self.GivenName + " " + self.FamilyName}
		if out.CancelToken, err = s.insertBooking(ctx, tx, &b, actor, r, now); errors.Is(err, ErrKeyTaken) {
			return replayed(tx, err)
		} else if err != nil {
			return err
		}
		if err := convertOffer(ctx, tx, h.ID, b.ID, now); err != nil {
			return err
		}
		out.Booking = b
		return nil
	}
	for attempt := 0; ; attempt++ {
		loadInside = attempt == 2
		err = s.store.InTx(ctx, confirm)
		if !errors.Is(err, errPlanNotInMemory) {
			break
		}
		if v, err = s.planner.CatalogVersion(ctx); err != nil {
			break
		}
		if _, _, err = s.planner.PlanAt(ctx, v, missing); err != nil {
			break
		}
	}
	if errors.Is(err, errReplayed) {
		err = nil
	}
	if err != nil {
		return ConfirmResult{}, fmt.Errorf("confirm booking: %w", err)
	}
	if out.Replayed {
		out.Booking, err = s.store.GetBooking(ctx, out.Booking.ID)
	}
	return out, err
}

// replay finds the booking an earlier request with the same key made,
// from the reader pool (counter bookings and reschedules look before
// taking the writer).
func (s *Service) replay(ctx context.Context, bookerID, key string) (Booking, error) {
	return s.store.FindByIdempotencyKey(ctx, bookerID, key)
}

// errPlanNotInMemory aborts a confirmation's transaction when the hold's
// resource is not in the plan cache at the catalog version read before.
var errPlanNotInMemory = errors.New("plan not in memory")

// errReplayed aborts a confirmation's transaction when an earlier request
// with the same idempotency key already made the booking.
var errReplayed = errors.New("replayed")

// ErrKeyTaken is what Tx.InsertBooking returns when the booker already
// has a booking with the same idempotency key (a concurrent double submit,
// or a key reused).
var ErrKeyTaken = errors.New("idempotency key taken")

// insertBooking stores a new booking with a fresh code and cancel token,
// its first history line, its entry ticket when the resource is ticketed,
// and its messages: the confirmation now and a reminder before the start.
func (s *Service) insertBooking(ctx context.Context, tx Tx, b *Booking, actor Actor, r catalog.Resource, now time.Time) (string, error) {
	p := r.Policy
	plain, hash, err := token.New(token.PrefixCancel)
	if err != nil {
		return "", err
	}
	b.CancelTokenHash = hash
	for attempt := 0; ; attempt++ {
		code, err := token.NewCode(CodeLength)
		if err != nil {
			return "", err
		}
		b.Code = code
		err = tx.InsertBooking(ctx, *b)
		if err == nil {
			break
		}
		if errors.Is(err, ErrKeyTaken) || !errors.Is(err, store.ErrConflict) || attempt == 4 {
			return "", err
		}
	}
	if r.Ticketed {
		t := IssuedTicket{
			ID: newID(), BookingID: b.ID, ResourceID: b.ResourceID, Seats: b.Seats, SlotStart: b.Start,
			ValidFrom: b.Start.Add(-p.Tickets.ValidBeforeStart), ValidUntil: b.End.Add(p.Tickets.ValidAfterEnd),
			MaxStay: p.Tickets.MaxStay, IssuedAt: now,
		}
		if err := tx.IssueTicket(ctx, t); err != nil {
			return "", err
		}
	}
	change := Change{Status: Confirmed, At: now, Actor: actor}
	b.History = []Change{change}
	if err := tx.AddHistory(ctx, b.ID, change); err != nil {
		return "", err
	}
	msgs := []outbox.Message{{
		Kind: outbox.KindBookingConfirmed, DueAt: now,
		Payload: outbox.Encode(outbox.BookingPayload{BookingID: b.ID, CancelToken: plain, PreviousID: b.RescheduledFrom}),
	}}
	if b.RescheduledFrom != "" {
		msgs[0].Kind = outbox.KindBookingRescheduled
	}
	if lead := p.ReminderLead; lead > 0 && b.Start.Add(-lead).After(now) {
		msgs = append(msgs, outbox.Message{Kind: outbox.KindBookingReminder, DueAt: b.Start.Add(-lead),
			Payload: outbox.Encode(outbox.BookingPayload{BookingID: b.ID})})
	}
	for _, m := range msgs {
		m.ID, m.BookingID, m.SubjectKey, m.CreatedAt = newID(), b.ID, outbox.BookingSubject(b.ID), now
		if err := tx.Enqueue(ctx, m); err != nil {
			return "", err
		}
	}
	return plain, nil
}

func checkIdempotencyKey(k string) error {
	if len(k) < 8 || len(k) > 64 {
		return fault.InvalidField("idempotency_key", "idempotency_key")
	}
	return nil
}

func checkTexts(reason, notes string) error {
	if len([]rune(reason)) > 500 {
		return fault.InvalidField("reason", "too_long")
	}
	if len([]rune(notes)) > 2000 {
		return fault.InvalidField("notes", "too_long").Text("error.too_long.notes")
	}
	return nil
}

// acknowledgements requires every statement of the resource to be ticked.
func acknowledgements(r catalog.Resource, ticked []string, now time.Time) ([]Ack, error) {
	var out []Ack
	for _, a := range r.Acknowledgements {
		if !slices.Contains(ticked, a.ID) {
			return nil, fault.InvalidField("acknowledgement_ids", "acknowledgement_required").Text("error.acknowledgement_required", a.Text)
		}
		out = append(out, Ack{ID: a.ID, Text: a.Text, AcceptedAt: now})
	}
	for _, id := range ticked {
		if !slices.ContainsFunc(r.Acknowledgements, func(a catalog.Acknowledgement) bool { return a.ID == id }) {
			return nil, fault.InvalidField("acknowledgement_ids", "unknown_acknowledgement")
		}
	}
	return out, nil
}

func chooseMode(r catalog.Resource, m catalog.Mode) (catalog.Mode, error) {
	if m == 0 {
		if len(r.Modes) > 0 {
			return r.Modes[0], nil
		}
		return catalog.ModeInPerson, nil
	}
	if len(r.Modes) == 0 && m == catalog.ModeInPerson || slices.Contains(r.Modes, m) {
		return m, nil
	}
	return 0, fault.InvalidField("mode", "mode_not_offered")
}
