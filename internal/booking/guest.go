package booking

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/store"
)

// GuestConfig tunes booking without an account. Zero values take the
// defaults.
type GuestConfig struct {
	// CodeTTL is how long an e-mailed code works. Default 10 minutes.
	CodeTTL time.Duration
	// MaxAttempts wrong codes kill the code. Default 5.
	MaxAttempts int
	// CodesPerEmail is the most codes sent to one address in an hour.
	// Default 5.
	CodesPerEmail int
	// StartsPerAddress is the most guest bookings started from one client
	// address in an hour. Default 20.
	StartsPerAddress int
}

// WithDefaults fills in the defaults of the zero fields.
func (c GuestConfig) WithDefaults() GuestConfig {
	if c.CodeTTL <= 0 {
		c.CodeTTL = 10 * time.Minute
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 5
	}
	if c.CodesPerEmail <= 0 {
		c.CodesPerEmail = 5
	}
	if c.StartsPerAddress <= 0 {
		c.StartsPerAddress = 20
	}
	return c
}

// guestRetention is how long a guest booking's row (and the count of codes
// sent) is kept: long enough for the hourly limits and a late retry.
const guestRetention = 24 * time.Hour

// Guest is a booking without an account waiting for (or past) its code.
type Guest struct {
	ID, ResourceID, HoldID string
	// Person is the guest (no birth data; codice fiscale may be empty).
	Person        Person
	Reason, Notes string
	Mode          catalog.Mode
	AckIDs        []string
	Language      string
	ClientAddr    string
	// IdempotencyKey is the start's; ConfirmKey the confirmation's.
	IdempotencyKey string
	CodeHash       [32]byte
	CodeExpiresAt  time.Time
	Attempts       int
	// BookingID is set once confirmed.
	BookingID  string
	ConfirmKey string
	CreatedAt  time.Time
}

// EmailKey is the form of an address the limits count by.
func EmailKey(email string) string { return strings.ToLower(email) }

// GuestTx is a booking transaction that also reaches guest bookings.
type GuestTx interface {
	Tx
	// InsertGuest stores a new guest booking; the same e-mail and
	// idempotency key twice is ErrKeyTaken.
	InsertGuest(ctx context.Context, g Guest) error
	GetGuest(ctx context.Context, id string) (Guest, error)
	FindGuestByKey(ctx context.Context, emailKey, key string) (Guest, error)
	// SetGuestCode replaces the code and clears the wrong tries.
	SetGuestCode(ctx context.Context, id string, hash [32]byte, expires time.Time) error
	AddGuestAttempt(ctx context.Context, id string) error
	MarkGuestConfirmed(ctx context.Context, id, bookingID, key string) error
	// RecordGuestCode and CountGuestCodes count codes sent per address.
	RecordGuestCode(ctx context.Context, emailKey string, at time.Time) error
	CountGuestCodes(ctx context.Context, emailKey string, since time.Time) (int, error)
	CountGuestStarts(ctx context.Context, clientAddr string, since time.Time) (int, error)
	// CountActiveForEmail counts a resource's active bookings of an
	// address, guests' and accounts' alike.
	CountActiveForEmail(ctx context.Context, resourceID, emailKey string, now time.Time) (int, error)
	// PurgeGuests deletes guest rows and code counts made before t.
	PurgeGuests(ctx context.Context, before time.Time) error
}

// GuestStore runs guest booking transactions.
type GuestStore interface {
	// InGuestTx is InTx with the guest tables; fn may run more than once.
	InGuestTx(ctx context.Context, fn func(GuestTx) error) error
}

// Failures of guest bookings.
var (
	ErrGuestsNotAllowed = fault.New(fault.FailedPrecondition, "guests_not_allowed").Text("error.guests_not_allowed.service")
	ErrGuestRateLimited = fault.New(fault.Exhausted, "guest_rate_limited")
	ErrGuestNotFound    = fault.New(fault.NotFound, "guest_booking_not_found")
	ErrGuestConfirmed   = fault.New(fault.FailedPrecondition, "guest_booking_confirmed")
	ErrCodeWrong        = fault.InvalidField("code", "code_wrong")
	ErrCodeExpired      = fault.InvalidField("code", "code_expired")
	ErrCodeUsed         = fault.InvalidField("code", "code_used")
	ErrCodeLocked       = fault.InvalidField("code", "code_locked")
)

// Guests books for people without an account: a code sent to their
// e-mail proves the address before the booking exists, and the seats are
// held meanwhile.
type Guests struct {
	s     *Service
	store GuestStore
	cfg   GuestConfig
}

// NewGuests returns guest booking on top of the booking service.
func NewGuests(s *Service, st GuestStore, cfg GuestConfig) *Guests {
	return &Guests{s: s, store: st, cfg: cfg.WithDefaults()}
}

// GuestStartRequest is a booking without an account before its code.
type GuestStartRequest struct {
	Hold           HoldRequest
	Guest          Person
	Reason, Notes  string
	Mode           catalog.Mode
	PrivacyConsent bool
	AckIDs         []string
	Language       string
	IdempotencyKey string
	// ClientAddr is the client's address, for the per-address limit.
	ClientAddr string
}

// GuestStarted names a pending guest booking.
type GuestStarted struct {
	ID                           string
	CodeExpiresAt, HoldExpiresAt time.Time
}

// Start validates the request, holds the seats and e-mails a code. A
// retry with the same e-mail and idempotency key returns the first
// attempt's guest booking and sends nothing.
func (g *Guests) Start(ctx context.Context, req GuestStartRequest) (GuestStarted, error) {
	if err := checkIdempotencyKey(req.IdempotencyKey); err != nil {
		return GuestStarted{}, err
	}
	if req.Hold.ResourceID != "" {
		r, _, err := g.s.planner.Plan(ctx, req.Hold.ResourceID)
		if err != nil {
			return GuestStarted{}, err
		}
		if r.Guests == catalog.GuestsNo {
			return GuestStarted{}, ErrGuestsNotAllowed
		}
	}
	sel, err := g.s.selectSlots(ctx, req.Hold)
	if err != nil {
		return GuestStarted{}, err
	}
	r := sel.resource
	now := g.s.clk.Now()
	who, err := guestPerson(req.Guest, r.Guests == catalog.GuestsCodiceFiscale, now)
	if err != nil {
		return GuestStarted{}, err
	}
	if err := checkTexts(req.Reason, req.Notes); err != nil {
		return GuestStarted{}, err
	}
	if !req.PrivacyConsent {
		return GuestStarted{}, fault.InvalidField("consents", "privacy_consent_required")
	}
	if _, err := acknowledgements(r, req.AckIDs, now); err != nil {
		return GuestStarted{}, err
	}
	mode, err := chooseMode(r, req.Mode)
	if err != nil {
		return GuestStarted{}, err
	}
	lang := req.Language
	if lang == "" {
		lang = "it"
	}
	ttl := r.Policy.HoldDuration
	if ttl <= 0 {
		ttl = catalog.DefaultHoldDuration
	}
	first, err := g.s.firstFree(ctx, sel, now)
	if err != nil {
		return GuestStarted{}, err
	}
	id, err := guestID()
	if err != nil {
		return GuestStarted{}, err
	}
	code, err := newGuestCode()
	if err != nil {
		return GuestStarted{}, err
	}
	key := EmailKey(who.Email)
	var out GuestStarted
	err = g.store.InGuestTx(ctx, func(tx GuestTx) error {
		prev, err := tx.FindGuestByKey(ctx, key, req.IdempotencyKey)
		if err == nil {
			out = GuestStarted{ID: prev.ID, CodeExpiresAt: prev.CodeExpiresAt}
			if h, err := tx.GetHold(ctx, prev.HoldID); err == nil {
				out.HoldExpiresAt = h.ExpiresAt
			}
			return nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := tx.PurgeGuests(ctx, now.Add(-guestRetention)); err != nil {
			return err
		}
		if n, err := tx.CountGuestStarts(ctx, req.ClientAddr, now.Add(-time.Hour)); err != nil {
			return err
		} else if n >= g.cfg.StartsPerAddress {
			return ErrGuestRateLimited
		}
		if n, err := tx.CountGuestCodes(ctx, key, now.Add(-time.Hour)); err != nil {
			return err
		} else if n >= g.cfg.CodesPerEmail {
			return ErrGuestRateLimited
		}
		// A person at the limit learns it now, not after the code.
		if err := g.personLimit(ctx, tx, r, who, now); err != nil {
			return err
		}
		op, err := g.s.takeSeats(ctx, tx, sel, now, true)
		if err != nil {
			return err
		}
		h := Hold{
			ID: newID(), ResourceID: r.ID, OperatorID: op, Seats: sel.seats,
			Start: sel.slots[0].Start, End: sel.slots[len(sel.slots)-1].End, SlotStarts: sel.starts(),
			ExpiresAt: now.Add(ttl), CreatedAt: now, FirstFree: first,
		}
		if err := tx.InsertHold(ctx, h); err != nil {
			return err
		}
		gb := Guest{
			ID: id, ResourceID: r.ID, HoldID: h.ID, Person: who, Reason: req.Reason, Notes: req.Notes, Mode: mode,
			AckIDs: req.AckIDs, Language: lang, ClientAddr: req.ClientAddr, IdempotencyKey: req.IdempotencyKey,
			CodeHash: codeHash(id, code), CodeExpiresAt: now.Add(g.cfg.CodeTTL), CreatedAt: now,
		}
		if err := tx.InsertGuest(ctx, gb); err != nil {
			return err
		}
		if err := g.sendCode(ctx, tx, gb.ID, key, code, now); err != nil {
			return err
		}
		out = GuestStarted{ID: id, CodeExpiresAt: gb.CodeExpiresAt, HoldExpiresAt: h.ExpiresAt}
		return nil
	})
	if errors.Is(err, ErrSlotFull) && sel.seats > 1 && r.Kind != catalog.KindAppointment {
		err = g.s.fewerSeats(ctx, sel, now, err)
	}
	if err != nil {
		return GuestStarted{}, fmt.Errorf("start guest booking: %w", err)
	}
	return out, nil
}

// Resend replaces a pending guest booking's code with a new one.
func (g *Guests) Resend(ctx context.Context, id string) (time.Time, error) {
	if id == "" {
		return time.Time{}, fault.InvalidField("guest_booking_id", "required")
	}
	code, err := newGuestCode()
	if err != nil {
		return time.Time{}, err
	}
	now := g.s.clk.Now()
	expires := now.Add(g.cfg.CodeTTL)
	err = g.store.InGuestTx(ctx, func(tx GuestTx) error {
		gb, err := tx.GetGuest(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return ErrGuestNotFound
		}
		if err != nil {
			return err
		}
		if gb.BookingID != "" {
			return ErrGuestConfirmed
		}
		if err := liveHold(ctx, tx, gb.HoldID, now); err != nil {
			return err
		}
		key := EmailKey(gb.Person.Email)
		if n, err := tx.CountGuestCodes(ctx, key, now.Add(-time.Hour)); err != nil {
			return err
		} else if n >= g.cfg.CodesPerEmail {
			return ErrGuestRateLimited
		}
		if err := tx.SetGuestCode(ctx, id, codeHash(id, code), expires); err != nil {
			return err
		}
		return g.sendCode(ctx, tx, id, key, code, now)
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("resend guest code: %w", err)
	}
	return expires, nil
}

// Confirm books a pending guest booking given its code. A wrong code
// counts against the code's tries (the count commits, the refusal is
// returned); a retry of a successful confirmation with the same code and
// idempotency key returns the booking.
func (g *Guests) Confirm(ctx context.Context, id, code, key string) (ConfirmResult, error) {
	if id == "" {
		return ConfirmResult{}, fault.InvalidField("guest_booking_id", "required")
	}
	if !validGuestCode(code) {
		return ConfirmResult{}, fault.InvalidField("code", "code_format")
	}
	if err := checkIdempotencyKey(key); err != nil {
		return ConfirmResult{}, err
	}
	now := g.s.clk.Now()
	var out ConfirmResult
	var wrong bool
	err := g.store.InGuestTx(ctx, func(tx GuestTx) error {
		out, wrong = ConfirmResult{}, false
		gb, err := tx.GetGuest(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return ErrGuestNotFound
		}
		if err != nil {
			return err
		}
		match := token.Equal(codeHash(id, code), gb.CodeHash)
		switch {
		case gb.BookingID != "" && match && gb.ConfirmKey == key:
			out = ConfirmResult{Booking: Booking{ID: gb.BookingID}, Replayed: true}
			return nil
		case gb.BookingID != "":
			return ErrCodeUsed
		case gb.Attempts >= g.cfg.MaxAttempts:
			return ErrCodeLocked
		case !now.Before(gb.CodeExpiresAt):
			return ErrCodeExpired
		case !match:
			wrong = true
			return tx.AddGuestAttempt(ctx, id)
		}
		h, err := tx.GetHold(ctx, gb.HoldID)
		if errors.Is(err, store.ErrNotFound) || err == nil && (!h.ReleasedAt.IsZero() || !h.ExpiresAt.After(now)) {
			return ErrHoldExpired
		}
		if err != nil {
			return err
		}
		r, _, err := g.s.planner.Plan(ctx, h.ResourceID)
		if err != nil {
			return err
		}
		if r.Guests == catalog.GuestsNo {
			return ErrGuestsNotAllowed
		}
		acks, err := acknowledgements(r, gb.AckIDs, now)
		if err != nil {
			return err
		}
		mode, err := chooseMode(r, gb.Mode)
		if err != nil {
			return err
		}
		if err := g.personLimit(ctx, tx, r, gb.Person, now); err != nil {
			return err
		}
		b := Booking{
			ID: newID(), OrganizationID: r.OrganizationID, ResourceID: r.ID, OperatorID: h.OperatorID,
			Start: h.Start, End: h.End, SlotStarts: h.SlotStarts, Seats: h.Seats, Mode: mode, Status: Confirmed,
			Beneficiary: gb.Person, Reason: gb.Reason, Notes: gb.Notes, Language: gb.Language,
			PrivacyAt: gb.CreatedAt, Acks: acks, CreatedAt: now, UpdatedAt: now, IdempotencyKey: key,
			FirstFree: h.FirstFree,
		}
		if err := tx.ConfirmHeldSeats(ctx, h.ResourceID, h.SlotStarts, h.OperatorID, h.Seats); err != nil {
			return err
		}
		if err := tx.DeleteHold(ctx, h.ID); err != nil {
			return err
		}
		// The guest acts with no account: the history names them.
		actor := Actor{Kind: ActorAnonymous, Name: gb.Person.GivenName + " " + gb.Person.FamilyName}
		if out.CancelToken, err = g.s.insertBooking(ctx, tx, &b, actor, r, now); err != nil {
			return err
		}
		out.Booking = b
		return tx.MarkGuestConfirmed(ctx, id, b.ID, key)
	})
	if err != nil {
		return ConfirmResult{}, fmt.Errorf("confirm guest booking: %w", err)
	}
	if wrong {
		return ConfirmResult{}, ErrCodeWrong
	}
	if out.Replayed {
		out.Booking, err = g.s.store.GetBooking(ctx, out.Booking.ID)
	}
	return out, err
}

// personLimit applies the resource's per-person limit: by codice fiscale
// when the guest gave one (accounts' bookings with it count too), else by
// the verified e-mail.
func (g *Guests) personLimit(ctx context.Context, tx GuestTx, r catalog.Resource, who Person, now time.Time) error {
	limit := r.Policy.MaxActivePerPerson
	if limit <= 0 {
		return nil
	}
	var n int
	var err error
	if who.CodiceFiscale != "" {
		n, err = tx.CountActiveForPerson(ctx, r.ID, who.CodiceFiscale, now)
	} else {
		n, err = tx.CountActiveForEmail(ctx, r.ID, EmailKey(who.Email), now)
	}
	if err != nil {
		return err
	}
	if n >= limit {
		return ErrPersonLimit
	}
	return nil
}

// sendCode records a code sent to emailKey and enqueues its e-mail.
func (g *Guests) sendCode(ctx context.Context, tx GuestTx, id, emailKey, code string, now time.Time) error {
	if err := tx.RecordGuestCode(ctx, emailKey, now); err != nil {
		return err
	}
	return tx.Enqueue(ctx, outbox.Message{
		ID: newID(), Kind: outbox.KindGuestCode, SubjectKey: outbox.GuestSubject(id), DueAt: now, CreatedAt: now,
		Payload: outbox.Encode(outbox.GuestCodePayload{GuestBookingID: id, Code: code}),
	})
}

func liveHold(ctx context.Context, tx Tx, holdID string, now time.Time) error {
	h, err := tx.GetHold(ctx, holdID)
	if errors.Is(err, store.ErrNotFound) {
		return ErrHoldExpired
	}
	if err != nil {
		return err
	}
	if !h.ReleasedAt.IsZero() || !h.ExpiresAt.After(now) {
		return ErrHoldExpired
	}
	return nil
}

// guestID is the opaque handle of a guest booking: 128 random bits, so
// nobody reaches another's pending booking by guessing.
func guestID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("guest booking id: %w", err)
	}
	return "gb_" + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// newGuestCode draws 6 uniform digits from crypto/rand.
func newGuestCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("guest code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

func validGuestCode(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// codeHash binds the code to its guest booking: the same 6 digits hash
// differently for every booking, so a leaked table row says nothing about
// another row's code.
func codeHash(id, code string) [32]byte {
	return sha256.Sum256([]byte("varco-guest-code:" + id + ":" + code))
}
