package api

import "github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"

// Unimplemented returns services that answer every RPC with Unimplemented;
// the server replaces each field as the service is built.
func Unimplemented() Services {
	return Services{
		Auth:         varcov1connect.UnimplementedAuthServiceHandler{},
		Catalog:      varcov1connect.UnimplementedCatalogServiceHandler{},
		Booking:      varcov1connect.UnimplementedBookingServiceHandler{},
		Admin:        varcov1connect.UnimplementedAdminServiceHandler{},
		Gate:         varcov1connect.UnimplementedGateServiceHandler{},
		Notification: varcov1connect.UnimplementedNotificationServiceHandler{},
		Waitlist:     varcov1connect.UnimplementedWaitlistServiceHandler{},
	}
}
