// Package devices enrolls gate scanners. An organizer creates a one-time,
// short-lived code for a gate (its name, resources and direction); the
// scanner trades the code once for its own credential, which the server
// stores only as a hash and which the organizer can revoke at any time.
package devices

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/varco-gate/varco/internal/auth/token"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/internal/person"
	"github.com/varco-gate/varco/internal/store"
)

// CodeTTL is how long an enrollment code works.
const CodeTTL = 15 * time.Minute

// CodeLength is the number of symbols of an enrollment code (22^12 ≈ 10^16:
// unguessable within its 15 minutes).
const CodeLength = 12

// Store is what enrollment needs.
type Store interface {
	GetResource(ctx context.Context, id string) (catalog.Resource, error)
	CreateEnrollment(ctx context.Context, e Enrollment) error
	Enroll(ctx context.Context, codeHash [32]byte, d identity.Device, now time.Time) (identity.Device, error)
	ListDevices(ctx context.Context, orgID string) ([]identity.Device, error)
	RevokeDevice(ctx context.Context, id string, at time.Time) (identity.Device, error)
}

// Enrollment is a one-time code waiting for a scanner; only the code's
// hash is stored.
type Enrollment struct {
	CodeHash       [32]byte
	OrganizationID string
	Name           string
	Direction      identity.Direction
	ResourceIDs    []string
	CreatedBy      string
	CreatedAt      time.Time
	ExpiresAt      time.Time
}

// Service enrolls and revokes devices.
type Service struct {
	store Store
	clk   clock.Clock
}

// New returns the enrollment service.
func New(s Store, clk clock.Clock) *Service { return &Service{store: s, clk: clk} }

// ErrBadCode is the answer to an unknown, used or expired code.
var ErrBadCode = fault.New(fault.NotFound, "enrollment_code_invalid")

// CreateEnrollment creates a code for a gate of orgID serving resourceIDs.
func (s *Service) CreateEnrollment(ctx context.Context, orgID, createdBy, name string, resourceIDs []string, dir identity.Direction) (string, time.Time, error) {
	name = strings.TrimSpace(name)
	if n := len([]rune(name)); n == 0 || n > 100 {
		return "", time.Time{}, fault.InvalidField("name", "name_length")
	}
	if err := person.CheckLine("name", name); err != nil {
		return "", time.Time{}, err
	}
	if dir < 1 || dir > 3 {
		return "", time.Time{}, fault.InvalidField("direction", "required").Text("error.required.gate_direction")
	}
	if len(resourceIDs) == 0 {
		return "", time.Time{}, fault.InvalidField("resource_ids", "required").Text("error.required.resource_ids")
	}
	for _, id := range resourceIDs {
		r, err := s.store.GetResource(ctx, id)
		if errors.Is(err, store.ErrNotFound) || (err == nil && (r.OrganizationID != orgID || !r.Ticketed)) {
			return "", time.Time{}, fault.InvalidField("resource_ids", "not_ticketed_resource")
		}
		if err != nil {
			return "", time.Time{}, err
		}
	}
	code, err := token.NewCode(CodeLength)
	if err != nil {
		return "", time.Time{}, err
	}
	now := s.clk.Now()
	err = s.store.CreateEnrollment(ctx, Enrollment{
		CodeHash: token.Hash(code), OrganizationID: orgID, Name: name, Direction: dir, ResourceIDs: slices.Clone(resourceIDs),
		CreatedBy: createdBy, CreatedAt: now, ExpiresAt: now.Add(CodeTTL),
	})
	if err != nil {
		return "", time.Time{}, err
	}
	return token.FormatCode(code), now.Add(CodeTTL), nil
}

// Enroll trades a code for a device and its credential (shown only here).
func (s *Service) Enroll(ctx context.Context, code, hardware string) (identity.Device, string, error) {
	norm := token.NormalizeCode(code)
	if !token.ValidCode(norm, CodeLength) {
		return identity.Device{}, "", ErrBadCode
	}
	// Shown to organizers as sent by the device: printable text only.
	hardware = person.StripControl(hardware)
	if r := []rune(hardware); len(r) > 200 {
		hardware = string(r[:200])
	}
	plain, hash, err := token.New(token.PrefixDevice)
	if err != nil {
		return identity.Device{}, "", err
	}
	now := s.clk.Now()
	d, err := s.store.Enroll(ctx, token.Hash(norm), identity.Device{
		ID: uuid.NewString(), Hardware: hardware, CredentialHash: hash, EnrolledAt: now, CreatedAt: now,
	}, now)
	if errors.Is(err, store.ErrNotFound) {
		return identity.Device{}, "", ErrBadCode
	}
	if err != nil {
		return identity.Device{}, "", err
	}
	return d, plain, nil
}

// List returns the organization's devices.
func (s *Service) List(ctx context.Context, orgID string) ([]identity.Device, error) {
	return s.store.ListDevices(ctx, orgID)
}

// Revoke disables a device's credential at once.
func (s *Service) Revoke(ctx context.Context, id string) (identity.Device, error) {
	return s.store.RevokeDevice(ctx, id, s.clk.Now())
}
