package client

import (
	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	c "github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// safeProcedures are the RPCs that change nothing, or that the server makes
// idempotent by a client-chosen id that every request carries (Scan and
// UploadScans by scan_id): repeating them cannot do anything twice. The
// list is explicit rather than guessed from method names, so a new write
// is never retried by accident; TestSafeProceduresExist keeps it in step
// with the contract.
var safeProcedures = map[string]bool{
	c.AuthServiceWhoAmIProcedure:       true,
	c.AuthServiceExportMyDataProcedure: true,

	c.CatalogServiceListOrganizationsProcedure: true,
	c.CatalogServiceListPlacesProcedure:        true,
	c.CatalogServiceListResourcesProcedure:     true,
	c.CatalogServiceGetResourceProcedure:       true,
	c.CatalogServiceGetAvailabilityProcedure:   true,

	c.BookingServiceGetBookingProcedure:      true,
	c.BookingServiceListMyBookingsProcedure:  true,
	c.BookingServiceGetTicketProcedure:       true,
	c.BookingServiceGetCalendarFileProcedure: true,

	c.AdminServiceGetScheduleProcedure:           true,
	c.AdminServiceListStaffProcedure:             true,
	c.AdminServiceListBookingsProcedure:          true,
	c.AdminServiceGetBookingDetailsProcedure:     true,
	c.AdminServiceGetStatsProcedure:              true,
	c.AdminServiceListDevicesProcedure:           true,
	c.AdminServiceListScanConflictsProcedure:     true,
	c.AdminServiceListWebhooksProcedure:          true,
	c.AdminServiceListWebhookDeliveriesProcedure: true,
	c.AdminServiceListAuditEventsProcedure:       true,

	c.GateServiceScanProcedure:        true,
	c.GateServiceUploadScansProcedure: true,

	c.NotificationServiceGetVapidPublicKeyProcedure: true,
}

// isRetrySafe reports whether repeating the call cannot change more than
// doing it once: a read, an RPC declared free of side effects or
// idempotent in the contract, or a write whose request carries a non-empty
// idempotency_key (the server then answers a repeat with the first
// result).
func isRetrySafe(spec connect.Spec, msg any) bool {
	if safeProcedures[spec.Procedure] || spec.IdempotencyLevel != connect.IdempotencyUnknown {
		return true
	}
	m, ok := msg.(proto.Message)
	if !ok {
		return false
	}
	r := m.ProtoReflect()
	fd := r.Descriptor().Fields().ByName("idempotency_key")
	return fd != nil && r.Has(fd)
}
