// Package export writes an organization's bookings and gate scans of a
// period as CSV files an office opens in Excel: UTF-8 with a byte order
// mark, a header row, CRLF line ends, a semicolon between fields by default
// (what Excel expects in Italy), local dates and times in the place's zone,
// and cells that a spreadsheet could run as formulas defused. Rows are
// streamed from the store in keyset batches, so the size of the period
// never shows in memory.
package export

import (
	"context"
	"time"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/gate"
)

// Kind is what an export contains; values match varco.v1.ExportKind.
type Kind int

// Export kinds.
const (
	Bookings Kind = 1
	Scans    Kind = 2
)

// Query selects the rows of an export: an organization's bookings whose
// slot starts in [From, To), or its scans whose device time does.
type Query struct {
	OrganizationID string
	// ResourceIDs narrows to these resources; empty means all.
	ResourceIDs []string
	From, To    time.Time
}

// BookingRow is one booking as exported. Personal fields are empty for
// bookings anonymized by retention or erasure.
type BookingRow struct {
	ID, Code                          string
	Status                            booking.Status
	ResourceName, PlaceName, TimeZone string
	OperatorName                      string
	Start, End, CreatedAt             time.Time
	Seats                             int
	Mode                              catalog.Mode
	GivenName, FamilyName             string
	CodiceFiscale, Email, Phone       string
	// BookerName is the account that booked (the citizen, or the staff
	// member at the counter).
	BookerName              string
	BookedByStaff, OnBehalf bool
	Reason, Notes           string
	Anonymized              bool
	// RescheduledFrom and RescheduledTo are the codes of the bookings this
	// one replaced or was replaced by.
	RescheduledFrom, RescheduledTo string
	// LastChange is the newest line of the booking's history.
	LastChange booking.Change
}

// ScanRow is one gate scan as exported.
type ScanRow struct {
	ID                   string
	DeviceID, DeviceName string
	// TicketID may come from an unverified QR (refused scans): it is
	// attacker-controlled text.
	TicketID, BookingCode  string
	ResourceName, TimeZone string
	Direction              gate.Direction
	Verdict                gate.Verdict
	Reason                 gate.Reason
	// LocalVerdict is what an offline scanner decided; 0 for online scans.
	LocalVerdict          gate.Verdict
	Offline, Conflict     bool
	Seats                 int
	ScannedAt, ReceivedAt time.Time
}

// Store reads what exports need. ExportBookings and ExportScans call fn
// for each row in time order (then id); a row passed to fn is valid only
// during the call. An error from fn stops the export and is returned.
type Store interface {
	ListResources(ctx context.Context, orgID, placeID string) ([]catalog.Resource, error)
	ListPlaces(ctx context.Context, orgID string) ([]catalog.Place, error)
	GetPlace(ctx context.Context, id string) (catalog.Place, error)
	ExportBookings(ctx context.Context, q Query, fn func(*BookingRow) error) error
	ExportScans(ctx context.Context, q Query, fn func(*ScanRow) error) error
}
