package booking

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/store"
)

// Filter selects bookings by time.
type Filter int

// Filters.
const (
	All Filter = iota
	Upcoming
	PastOnly
)

// AccountQuery lists the bookings an account made or attends (by its
// codice fiscale), keyset-paginated by start.
type AccountQuery struct {
	AccountID     string
	CodiceFiscale string
	Filter        Filter
	Now           time.Time
	Limit         int
	AfterStart    time.Time // cursor
	AfterID       string
}

// CalendarQuery lists an organization's bookings for the day calendar.
type CalendarQuery struct {
	OrganizationID string
	ResourceIDs    []string // empty: all
	OperatorID     string
	From, To       time.Time
	Statuses       []Status
	Limit          int
	AfterStart     time.Time
	AfterID        string
}

// Get returns a booking the caller may see: they booked it, or they are its
// beneficiary. Others' bookings read as not found.
func (s *Service) Get(ctx context.Context, caller authz.Principal, id string) (Booking, error) {
	b, err := s.store.GetBooking(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return Booking{}, ErrBookingNotFound
	}
	if err != nil {
		return Booking{}, err
	}
	if !s.owns(ctx, caller, b) {
		return Booking{}, ErrBookingNotFound
	}
	return b, nil
}

// GetWithToken returns a booking given its code and cancel token.
func (s *Service) GetWithToken(ctx context.Context, code, cancelToken string) (Booking, error) {
	if code == "" {
		return Booking{}, fault.InvalidField("code", "required")
	}
	b, err := s.store.GetBookingByCode(ctx, token.NormalizeCode(code))
	if errors.Is(err, store.ErrNotFound) {
		return Booking{}, ErrBadCancelToken
	}
	if err != nil {
		return Booking{}, err
	}
	// The same answer for an unknown code and a wrong token: codes are
	// short and must not be confirmable by guessing.
	if !token.Valid(cancelToken, token.PrefixCancel) || !token.Equal(token.Hash(cancelToken), b.CancelTokenHash) {
		return Booking{}, ErrBadCancelToken
	}
	return b, nil
}

// GetWithLink returns the booking with the given code when valid accepts
// it: for links the edge signs from the booking's secrets (the calendar
// file's MAC), which the domain does not know how to check. An unknown
// code and a refused link give the same ErrBadCancelToken, as for
// GetWithToken.
func (s *Service) GetWithLink(ctx context.Context, code string, valid func(Booking) bool) (Booking, error) {
	if code == "" {
		return Booking{}, fault.InvalidField("code", "required")
	}
	b, err := s.store.GetBookingByCode(ctx, token.NormalizeCode(code))
	if errors.Is(err, store.ErrNotFound) {
		return Booking{}, ErrBadCancelToken
	}
	if err != nil {
		return Booking{}, err
	}
	if !valid(b) {
		return Booking{}, ErrBadCancelToken
	}
	return b, nil
}

// BookerName is the name of who booked b when it was booked for someone
// else (the beneficiary reads it on receipts); "" otherwise, or when the
// booker's account is gone.
func (s *Service) BookerName(ctx context.Context, b Booking) (string, error) {
	if !b.OnBehalf || b.BookerID == "" {
		return "", nil
	}
	a, err := s.accounts.GetAccount(ctx, b.BookerID)
	if errors.Is(err, store.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("booker of %s: %w", b.ID, err)
	}
	return strings.TrimSpace(a.GivenName + " " + a.FamilyName), nil
}

// owns reports whether the caller booked b or is its beneficiary.
func (s *Service) owns(ctx context.Context, caller authz.Principal, b Booking) bool {
	if caller.Kind != authz.Account {
		return false
	}
	if b.BookerID == caller.AccountID {
		return true
	}
	a, err := s.accounts.GetAccount(ctx, caller.AccountID)
	return err == nil && a.CodiceFiscale == b.Beneficiary.CodiceFiscale
}

// ListMine lists the caller's bookings.
func (s *Service) ListMine(ctx context.Context, caller authz.Principal, q AccountQuery) ([]Booking, error) {
	a, err := s.accounts.GetAccount(ctx, caller.AccountID)
	if err != nil {
		return nil, err
	}
	q.AccountID, q.CodiceFiscale, q.Now = a.ID, a.CodiceFiscale, s.clk.Now()
	return s.store.ListForAccount(ctx, q)
}

// Calendar lists bookings for staff.
func (s *Service) Calendar(ctx context.Context, q CalendarQuery) ([]Booking, error) {
	return s.store.ListForCalendar(ctx, q)
}

// Now is the service's clock reading (for "past" flags in responses).
func (s *Service) Now() time.Time { return s.clk.Now() }
