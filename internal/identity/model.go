package identity

import (
	"time"

	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/fault"
)

// Account is a person who can log in: a citizen, and staff when it holds
// roles.
type Account struct {
	ID string
	// Email keeps the case of the local part as typed (see person.ParseEmail);
	// it is unique and matched case-insensitively.
	Email string
	// CodiceFiscale is upper case and unique.
	CodiceFiscale string
	GivenName     string
	FamilyName    string
	// Phone is E.164.
	Phone string
	// Language is "it", "en" or "de".
	Language string
	// PasswordHash is an argon2id PHC string; it never leaves the domain.
	PasswordHash string
	// InstallationAdmin may create organizations.
	InstallationAdmin bool
	// AppIOOptOut: the person does not want Varco's messages in App IO.
	AppIOOptOut bool
	// PrivacyConsentAt is when the person accepted the privacy notice.
	PrivacyConsentAt time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
}

// DisplayName is the name shown to staff and in messages.
func (a Account) DisplayName() string { return a.GivenName + " " + a.FamilyName }

// Session is a logged-in session. Only TokenHash is stored; Token is set on
// the value returned when the session is created and is the only time the
// plain bearer token exists on the server.
type Session struct {
	Token     string
	TokenHash [32]byte
	AccountID string
	CreatedAt time.Time
	// ExpiresAt is absolute: sessions do not slide (see Config.SessionTTL).
	ExpiresAt time.Time
	// RevokedAt is zero while the session is active.
	RevokedAt time.Time
}

// Active reports whether the session may still be used at now.
func (s Session) Active(now time.Time) bool {
	return s.RevokedAt.IsZero() && now.Before(s.ExpiresAt)
}

// StaffMember is an account with its role in one organization.
type StaffMember struct {
	AccountID  string
	GivenName  string
	FamilyName string
	Email      string
	Role       authz.Role
	GrantedAt  time.Time
}

// Direction is the flow of people a gate handles; values match
// varco.v1.GateDirection.
type Direction int

// Gate directions.
const (
	DirectionEntry Direction = 1
	DirectionExit  Direction = 2
	DirectionBoth  Direction = 3
)

// Device is a gate scanner. Its credential is stored only as a hash.
type Device struct {
	ID             string
	OrganizationID string
	Name           string
	Direction      Direction
	ResourceIDs    []string
	// Hardware describes the scanner, as reported at enrollment.
	Hardware string
	// CredentialHash is the SHA-256 of the "vd_" credential; zero until the
	// device is enrolled.
	CredentialHash [32]byte
	EnrolledAt     time.Time
	LastSeenAt     time.Time
	// RevokedAt is zero while the credential works.
	RevokedAt time.Time
	CreatedAt time.Time
}

// Caller describes the principal of a request for WhoAmI.
type Caller struct {
	Kind authz.Kind
	// Account is set for accounts.
	Account Account
	// Roles are the account's staff roles, one per organization.
	Roles             []authz.Role
	InstallationAdmin bool
	// Device is set for devices.
	Device Device
}

// Failures that Store implementations wrap (together with store.ErrConflict
// or store.ErrNotFound) so that the domain can tell which unique key or
// reference failed without parsing database messages. They are fault errors,
// so they reach the caller with their stable code and bilingual message.
var (
	// ErrEmailTaken: another account has the e-mail, in any letter case.
	ErrEmailTaken = fault.New(fault.AlreadyExists, "email_taken")
	// ErrCodiceFiscaleTaken: another account has the codice fiscale.
	ErrCodiceFiscaleTaken = fault.New(fault.AlreadyExists, "cf_taken")
	// ErrOrganizationNotFound: a role names an organization that does not
	// exist.
	ErrOrganizationNotFound = fault.New(fault.NotFound, "organization_not_found")
	// ErrResourceNotInOrganization: an operator role names a resource that
	// is not one of the organization's.
	ErrResourceNotInOrganization = fault.InvalidField("resource_ids", "resource_not_in_organization")
	// ErrLastOrganizer: the change would leave the organization without
	// organizers, and so without anyone able to grant roles again.
	ErrLastOrganizer = fault.New(fault.FailedPrecondition, "last_organizer")
)
