package api

import (
	"context"
	"log/slog"
	"time"

	"github.com/varco-gate/varco/internal/audit"
	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/identity"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// Staff is what the AdminService needs for roles.
type Staff interface {
	GrantRole(ctx context.Context, orgID, login string, kind authz.RoleKind, resourceIDs []string) (identity.StaffMember, error)
	RevokeRole(ctx context.Context, orgID, accountID string) error
	ListStaff(ctx context.Context, orgID string) ([]identity.StaffMember, error)
}

// AdminDeps are the domain services the AdminService handler calls.
type AdminDeps struct {
	Staff   Staff
	Catalog CatalogWriter
	// Schedules changes opening hours.
	Schedules Scheduling
	// Reader reads the catalog, to describe bookings in responses.
	Reader CatalogReader
	// Now is the clock used for "past" flags in responses.
	Now func() time.Time
	// Devices enrolls and revokes gate scanners.
	Devices Devices
	// Conflicts lists conflicting offline scans.
	Conflicts ScanConflicts
	// Audit is the audit trail.
	Audit audit.Store
	// Bookings serves the operators' booking RPCs (admin_bookings.go).
	Bookings StaffBookings
	// Stats computes the figures of GetStats (admin_stats.go).
	Stats Statistics
	// Waitlists reads the waiting lists (admin_waitlist.go).
	Waitlists StaffWaitlists
	// Exports serves the CSV exports (admin_export.go).
	Exports *Exports
	// Webhooks registers endpoints and lists and replays deliveries
	// (admin_webhooks.go).
	Webhooks Webhooks
	// Previews computes proposed schedules without saving them
	// (admin_schedule_preview.go).
	Previews SchedulePreviews
}

// Admin serves varco.v1.AdminService; each group of RPCs lives in its own
// admin_*.go file. RPCs not built yet answer Unimplemented.
type Admin struct {
	varcov1connect.UnimplementedAdminServiceHandler
	deps AdminDeps
	log  *slog.Logger
}

// NewAdmin returns the AdminService handler.
func NewAdmin(deps AdminDeps, log *slog.Logger) *Admin { return &Admin{deps: deps, log: log} }
