// Package privacy implements citizens' data protection rights: access
// (export everything Varco holds about them) and erasure (delete the
// account, cancel future bookings, anonymize past ones).
package privacy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/notify"
)

// Identity confirms the caller is the account's owner.
type Identity interface {
	ConfirmIdentity(ctx context.Context, accountID string, sessionHash [32]byte, password string) (identity.Account, error)
}

// Bookings is what privacy needs from the booking lifecycle.
type Bookings interface {
	ListMine(ctx context.Context, caller authz.Principal, q booking.AccountQuery) ([]booking.Booking, error)
	CancelForErasure(ctx context.Context, actor booking.Actor, id string) (booking.Booking, error)
}

// Store reads and erases what the account owns.
type Store interface {
	GetAccount(ctx context.Context, id string) (identity.Account, error)
	SubscriptionsFor(ctx context.Context, accountID, bookingID string) ([]notify.Target, error)
	// ExternalLinks lists the account's SPID/CIE links.
	ExternalLinks(ctx context.Context, accountID string) ([]identity.ExternalLink, error)
	EraseAccount(ctx context.Context, accountID, codiceFiscale string, at time.Time) (int, error)
}

// Service implements access and erasure.
type Service struct {
	ids      Identity
	bookings Bookings
	store    Store
	clk      clock.Clock
}

// New returns the privacy service.
func New(ids Identity, b Bookings, s Store, clk clock.Clock) *Service {
	return &Service{ids: ids, bookings: b, store: s, clk: clk}
}

// Errors.
var (
	ErrStaffAccount  = fault.New(fault.FailedPrecondition, "staff_account")
	errWrongPassword = fault.InvalidField("password", "password_wrong").Text("error.password_wrong.plain")
)

// Export is the caller's data as a JSON document.
type Export struct {
	GeneratedAt time.Time       `json:"generated_at"`
	Account     exportAccount   `json:"account"`
	Bookings    []exportBooking `json:"bookings"`
	Push        []exportPush    `json:"push_subscriptions"`
	// External are the SPID/CIE logins linked to the account, with what
	// the provider asserted that the account does not hold (birth date).
	External []exportExternal `json:"external_logins"`
}

type exportExternal struct {
	Issuer, Subject, BirthDate string
	LinkedAt                   time.Time
}

type exportAccount struct {
	ID, GivenName, FamilyName, Email, CodiceFiscale, Phone, Language string
	CreatedAt, PrivacyConsentAt                                      time.Time
}

type exportBooking struct {
	ID, Code, ResourceID string
	Start, End           time.Time
	Seats                int
	Status               booking.Status
	Beneficiary          booking.Person
	OnBehalf             bool
	Reason, Notes        string
	PrivacyConsentAt     time.Time
	Acknowledgements     []booking.Ack
	History              []booking.Change
	CreatedAt            time.Time
}

type exportPush struct {
	ID, Endpoint, Language string
}

// ExportData returns everything held about the caller.
func (s *Service) ExportData(ctx context.Context, p authz.Principal) ([]byte, time.Time, error) {
	a, err := s.store.GetAccount(ctx, p.AccountID)
	if err != nil {
		return nil, time.Time{}, err
	}
	out := Export{GeneratedAt: s.clk.Now(), Account: exportAccount{ID: a.ID, GivenName: a.GivenName, FamilyName: a.FamilyName,
		Email: a.Email, CodiceFiscale: a.CodiceFiscale, Phone: a.Phone, Language: a.Language, CreatedAt: a.CreatedAt,
		PrivacyConsentAt: a.PrivacyConsentAt}}
	list, err := s.all(ctx, p)
	if err != nil {
		return nil, time.Time{}, err
	}
	for _, b := range list {
		out.Bookings = append(out.Bookings, exportBooking{ID: b.ID, Code: b.Code, ResourceID: b.ResourceID, Start: b.Start, End: b.End,
			Seats: b.Seats, Status: b.Status, Beneficiary: b.Beneficiary, OnBehalf: b.OnBehalf, Reason: b.Reason, Notes: b.Notes,
			PrivacyConsentAt: b.PrivacyAt, Acknowledgements: b.Acks, History: b.History, CreatedAt: b.CreatedAt})
	}
	subs, err := s.store.SubscriptionsFor(ctx, a.ID, "")
	if err != nil {
		return nil, time.Time{}, err
	}
	for _, t := range subs {
		out.Push = append(out.Push, exportPush{ID: t.ID, Endpoint: t.Endpoint, Language: t.Language})
	}
	links, err := s.store.ExternalLinks(ctx, a.ID)
	if err != nil {
		return nil, time.Time{}, err
	}
	for _, l := range links {
		out.External = append(out.External, exportExternal{Issuer: l.Issuer, Subject: l.Subject, BirthDate: l.BirthDate, LinkedAt: l.LinkedAt})
	}
	data, err := json.MarshalIndent(out, "", "  ")
	return data, out.GeneratedAt, err
}

// all lists every booking the caller made or attends, page by page.
func (s *Service) all(ctx context.Context, p authz.Principal) ([]booking.Booking, error) {
	var out []booking.Booking
	q := booking.AccountQuery{Limit: 500}
	for {
		page, err := s.bookings.ListMine(ctx, p, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < q.Limit {
			return out, nil
		}
		last := page[len(page)-1]
		q.AfterStart, q.AfterID = last.Start, last.ID
	}
}

// DeleteAccount erases the caller's account after checking the password
// (or, for an account created through SPID/CIE, that its session is a
// fresh login):
// future bookings are cancelled (seats freed, offices told), past ones
// anonymized. It returns how many of each.
func (s *Service) DeleteAccount(ctx context.Context, p authz.Principal, password string) (cancelled, anonymized int, err error) {
	if p.IsStaff() || p.InstallationAdmin {
		return 0, 0, ErrStaffAccount
	}
	a, err := s.ids.ConfirmIdentity(ctx, p.AccountID, p.SessionHash, password)
	if errors.Is(err, identity.ErrWrongPassword) {
		return 0, 0, errWrongPassword
	}
	if err != nil {
		return 0, 0, err
	}
	list, err := s.all(ctx, p)
	if err != nil {
		return 0, 0, err
	}
	actor := booking.Actor{Kind: booking.ActorCitizen, ID: a.ID}
	now := s.clk.Now()
	for _, b := range list {
		if b.Status != booking.Confirmed || b.Past(now) {
			continue
		}
		if _, err := s.bookings.CancelForErasure(ctx, actor, b.ID); err != nil {
			return cancelled, 0, fmt.Errorf("cancel %s: %w", b.ID, err)
		}
		cancelled++
	}
	anonymized, err = s.store.EraseAccount(ctx, a.ID, a.CodiceFiscale, now)
	return cancelled, anonymized, err
}
