package authz

import (
	"context"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	c "github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// Access is who may call an RPC.
type Access int

// Access levels.
const (
	// Public: anyone, logged in or not (devices excepted).
	Public Access = iota + 1
	// AnyAccount: a logged-in citizen or staff member.
	AnyAccount
	// AccountOrToken: a logged-in account, or anyone holding a capability
	// (cancel token) that the handler checks.
	AccountOrToken
	// Authenticated: any logged-in account.
	Authenticated
	// Operator: staff with the operator or organizer role in the request's
	// organization; operators limited to some resources only on those.
	Operator
	// Organizer: staff with the organizer role in the request's organization.
	Organizer
	// InstallationAdministrator: the administrator of this installation.
	InstallationAdministrator
	// DeviceOnly: an enrolled, non-revoked gate device.
	DeviceOnly
	// DeviceOrOperator: a device on its own resources, or an operator of the
	// requested resources.
	DeviceOrOperator
)

// Scope is the organization (and resource) a request touches.
type Scope struct {
	OrganizationID string
	ResourceID     string
	// ResourceIDs lists several resources (occupancy); each is checked.
	ResourceIDs []string
}

// Resolver finds the organization owning objects named by id. Each method
// returns store.ErrNotFound (wrapped) for unknown ids.
type Resolver interface {
	PlaceOrg(ctx context.Context, placeID string) (string, error)
	ResourceOrg(ctx context.Context, resourceID string) (string, error)
	BookingScope(ctx context.Context, bookingID string) (orgID, resourceID string, err error)
	DeviceOrg(ctx context.Context, deviceID string) (string, error)
	WebhookOrg(ctx context.Context, webhookID string) (string, error)
	WebhookDeliveryOrg(ctx context.Context, deliveryID string) (string, error)
}

// scopeFunc extracts a request's scope; field names the request field used,
// for the InvalidArgument error when it is empty.
type scopeFunc func(ctx context.Context, r Resolver, msg any) (s Scope, field string, err error)

// Rule is an RPC's access rule.
type Rule struct {
	Access Access
	scope  scopeFunc
}

func org(get func(any) string, field string) scopeFunc {
	return func(_ context.Context, _ Resolver, msg any) (Scope, string, error) {
		return Scope{OrganizationID: get(msg)}, field, nil
	}
}

func byResource(get func(any) string, field string) scopeFunc {
	return func(ctx context.Context, r Resolver, msg any) (Scope, string, error) {
		id := get(msg)
		if id == "" {
			return Scope{}, field, nil
		}
		o, err := r.ResourceOrg(ctx, id)
		return Scope{OrganizationID: o, ResourceID: id}, field, err
	}
}

func byLookup(get func(any) string, field string, lookup func(Resolver, context.Context, string) (string, error)) scopeFunc {
	return func(ctx context.Context, r Resolver, msg any) (Scope, string, error) {
		id := get(msg)
		if id == "" {
			return Scope{}, field, nil
		}
		o, err := lookup(r, ctx, id)
		return Scope{OrganizationID: o}, field, err
	}
}

func byBooking(ctx context.Context, r Resolver, msg any) (Scope, string, error) {
	id := msg.(interface{ GetBookingId() string }).GetBookingId()
	if id == "" {
		return Scope{}, "booking_id", nil
	}
	o, res, err := r.BookingScope(ctx, id)
	return Scope{OrganizationID: o, ResourceID: res}, "booking_id", err
}

// orgOf reads the organization_id field most admin requests carry.
func orgOf(m any) string { return m.(interface{ GetOrganizationId() string }).GetOrganizationId() }

func resourceOf(m any) string { return m.(interface{ GetResourceId() string }).GetResourceId() }

var (
	orgScope      = org(orgOf, "organization_id")
	resourceScope = byResource(resourceOf, "resource_id")
	deviceScope   = byLookup(func(m any) string { return m.(*varcov1.RevokeDeviceRequest).GetDeviceId() }, "device_id", Resolver.DeviceOrg)
	webhookScope  = byLookup(func(m any) string { return m.(interface{ GetWebhookId() string }).GetWebhookId() }, "webhook_id", Resolver.WebhookOrg)
)

// Policy is the access rule of every RPC. A procedure missing here is
// denied: the table fails closed, and a test checks it covers every RPC.
var Policy = map[string]Rule{
	c.AuthServiceRegisterProcedure:        {Access: Public},
	c.AuthServiceLoginProcedure:           {Access: Public},
	c.AuthServiceLogoutProcedure:          {Access: AnyAccount},
	c.AuthServiceWhoAmIProcedure:          {Access: Authenticated},
	c.AuthServiceUpdateProfileProcedure:   {Access: AnyAccount},
	c.AuthServiceChangePasswordProcedure:  {Access: AnyAccount},
	c.AuthServiceExportMyDataProcedure:    {Access: AnyAccount},
	c.AuthServiceDeleteMyAccountProcedure: {Access: AnyAccount},
	// SPID/CIE login (issue #16): anyone, as Login; the attempt cookie
	// binds Start and Complete to one browser.
	c.AuthServiceGetLoginOptionsProcedure:   {Access: Public},
	c.AuthServiceStartOidcLoginProcedure:    {Access: Public},
	c.AuthServiceCompleteOidcLoginProcedure: {Access: Public},

	c.CatalogServiceListOrganizationsProcedure: {Access: Public},
	c.CatalogServiceListPlacesProcedure:        {Access: Public},
	c.CatalogServiceListResourcesProcedure:     {Access: Public},
	c.CatalogServiceGetResourceProcedure:       {Access: Public},
	c.CatalogServiceGetAvailabilityProcedure:   {Access: Public},

	c.BookingServiceHoldSlotsProcedure:         {Access: AnyAccount},
	c.BookingServiceReleaseHoldProcedure:       {Access: AnyAccount},
	c.BookingServiceConfirmBookingProcedure:    {Access: AnyAccount},
	c.BookingServiceGetBookingProcedure:        {Access: AccountOrToken},
	c.BookingServiceListMyBookingsProcedure:    {Access: AnyAccount},
	c.BookingServiceCancelBookingProcedure:     {Access: AccountOrToken},
	c.BookingServiceRescheduleBookingProcedure: {Access: AnyAccount},
	c.BookingServiceGetTicketProcedure:         {Access: AnyAccount},
	c.BookingServiceGetCalendarFileProcedure:   {Access: AnyAccount},
	c.BookingServiceGetReceiptProcedure:        {Access: AnyAccount},
	// Booking without an account (issue #16): anyone, as Register; the
	// domain limits them per e-mail and per client address, and the code
	// proves the e-mail.
	c.BookingServiceStartGuestBookingProcedure:   {Access: Public},
	c.BookingServiceConfirmGuestBookingProcedure: {Access: Public},
	c.BookingServiceResendGuestCodeProcedure:     {Access: Public},
	// The domain answers only for the caller's own bookings (booking.Get).
	c.BookingServiceRespondToProposalProcedure: {Access: AnyAccount},

	c.AdminServiceCreateOrganizationProcedure: {Access: InstallationAdministrator},
	c.AdminServiceUpdateOrganizationProcedure: {Access: Organizer, scope: org(func(m any) string {
		return m.(*varcov1.UpdateOrganizationRequest).GetOrganization().GetId()
	}, "organization.id")},
	c.AdminServiceCreatePlaceProcedure: {Access: Organizer, scope: org(func(m any) string {
		return m.(*varcov1.CreatePlaceRequest).GetPlace().GetOrganizationId()
	}, "place.organization_id")},
	c.AdminServiceUpdatePlaceProcedure: {Access: Organizer, scope: byLookup(func(m any) string {
		return m.(*varcov1.UpdatePlaceRequest).GetPlace().GetId()
	}, "place.id", Resolver.PlaceOrg)},
	c.AdminServiceCreateResourceProcedure: {Access: Organizer, scope: org(func(m any) string {
		return m.(*varcov1.CreateResourceRequest).GetResource().GetOrganizationId()
	}, "resource.organization_id")},
	c.AdminServiceUpdateResourceProcedure: {Access: Organizer, scope: byResource(func(m any) string {
		return m.(*varcov1.UpdateResourceRequest).GetResource().GetId()
	}, "resource.id")},
	c.AdminServiceDeleteResourceProcedure:              {Access: Organizer, scope: resourceScope},
	c.AdminServiceGetScheduleProcedure:                 {Access: Operator, scope: resourceScope},
	c.AdminServiceSetScheduleProcedure:                 {Access: Organizer, scope: resourceScope},
	c.AdminServiceAddScheduleExceptionProcedure:        {Access: Organizer, scope: resourceScope},
	c.AdminServiceDeleteScheduleExceptionProcedure:     {Access: Organizer, scope: resourceScope},
	c.AdminServiceGrantRoleProcedure:                   {Access: Organizer, scope: orgScope},
	c.AdminServiceRevokeRoleProcedure:                  {Access: Organizer, scope: orgScope},
	c.AdminServiceListStaffProcedure:                   {Access: Organizer, scope: orgScope},
	c.AdminServiceListBookingsProcedure:                {Access: Operator, scope: orgAndOptionalResource},
	c.AdminServiceGetBookingDetailsProcedure:           {Access: Operator, scope: byBooking},
	c.AdminServiceCreateCounterBookingProcedure:        {Access: Operator, scope: resourceScope},
	c.AdminServiceMarkAttendanceProcedure:              {Access: Operator, scope: byBooking},
	c.AdminServiceCancelBookingAsOperatorProcedure:     {Access: Operator, scope: byBooking},
	c.AdminServiceRescheduleBookingAsOperatorProcedure: {Access: Operator, scope: byBooking},
	c.AdminServiceBlockSlotsProcedure:                  {Access: Operator, scope: resourceScope},
	c.AdminServiceGetStatsProcedure:                    {Access: Organizer, scope: orgAndOptionalResource},
	c.AdminServiceExportBookingsProcedure:              {Access: Organizer, scope: orgAndOptionalResource},
	c.AdminServiceExportScansProcedure:                 {Access: Organizer, scope: orgAndOptionalResource},
	c.AdminServiceCreateExportLinkProcedure:            {Access: Organizer, scope: orgAndOptionalResource},
	c.AdminServiceCreateDeviceEnrollmentProcedure:      {Access: Organizer, scope: orgScope},
	c.AdminServiceListDevicesProcedure:                 {Access: Organizer, scope: orgScope},
	c.AdminServiceRevokeDeviceProcedure:                {Access: Organizer, scope: deviceScope},
	c.AdminServiceListScanConflictsProcedure:           {Access: Operator, scope: orgScope},
	c.AdminServiceCreateWebhookProcedure:               {Access: Organizer, scope: orgScope},
	c.AdminServiceListWebhooksProcedure:                {Access: Organizer, scope: orgScope},
	c.AdminServiceDeleteWebhookProcedure:               {Access: Organizer, scope: webhookScope},
	c.AdminServiceListWebhookDeliveriesProcedure:       {Access: Organizer, scope: webhookScope},
	c.AdminServiceReplayWebhookDeliveryProcedure: {Access: Organizer, scope: byLookup(func(m any) string {
		return m.(*varcov1.ReplayWebhookDeliveryRequest).GetDeliveryId()
	}, "delivery_id", Resolver.WebhookDeliveryOrg)},
	c.AdminServiceListAuditEventsProcedure: {Access: Organizer, scope: orgScope},
	c.AdminServicePreviewScheduleProcedure: {Access: Organizer, scope: resourceScope},
	// Other dates proposed and the video-call link of one booking (#17).
	c.AdminServiceProposeOtherDatesProcedure:    {Access: Operator, scope: byBooking},
	c.AdminServiceSetBookingMeetingUrlProcedure: {Access: Operator, scope: byBooking},

	c.GateServiceEnrollProcedure:      {Access: Public},
	c.GateServiceSyncProcedure:        {Access: DeviceOnly},
	c.GateServiceScanProcedure:        {Access: DeviceOnly},
	c.GateServiceUploadScansProcedure: {Access: DeviceOnly},
	c.GateServiceWatchOccupancyProcedure: {Access: DeviceOrOperator, scope: func(ctx context.Context, r Resolver, msg any) (Scope, string, error) {
		ids := msg.(*varcov1.WatchOccupancyRequest).GetResourceIds()
		s := Scope{ResourceIDs: ids}
		for _, id := range ids {
			o, err := r.ResourceOrg(ctx, id)
			if err != nil {
				return s, "resource_ids", err
			}
			if s.OrganizationID != "" && s.OrganizationID != o {
				return s, "resource_ids", errMixedOrganizations
			}
			s.OrganizationID = o
		}
		return s, "resource_ids", nil
	}},

	c.NotificationServiceGetVapidPublicKeyProcedure: {Access: Public},
	c.NotificationServiceSubscribePushProcedure:     {Access: AccountOrToken},
	c.NotificationServiceUnsubscribePushProcedure:   {Access: AccountOrToken},

	// Waiting lists (issue #17): citizens manage their own entries; staff
	// read an organization's lists (personal data: audited).
	c.WaitlistServiceJoinWaitlistProcedure:   {Access: AnyAccount},
	c.WaitlistServiceLeaveWaitlistProcedure:  {Access: AnyAccount},
	c.WaitlistServiceListMyWaitlistProcedure: {Access: AnyAccount},
	c.AdminServiceListWaitlistProcedure:      {Access: Operator, scope: orgAndOptionalResource},
}

// orgAndOptionalResource scopes calendar-like requests: the organization,
// narrowed to a resource when one is named (which must belong to it).
func orgAndOptionalResource(ctx context.Context, r Resolver, msg any) (Scope, string, error) {
	s := Scope{OrganizationID: orgOf(msg)}
	if id := resourceOf(msg); id != "" && s.OrganizationID != "" {
		o, err := r.ResourceOrg(ctx, id)
		if err != nil {
			return s, "resource_id", err
		}
		if o != s.OrganizationID {
			return s, "resource_id", errMixedOrganizations
		}
		s.ResourceID = id
	}
	return s, "organization_id", nil
}
