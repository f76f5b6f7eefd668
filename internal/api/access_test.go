package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/varco-gate/varco/internal/api"
	"github.com/varco-gate/varco/internal/authz"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/httpserver"
	"github.com/varco-gate/varco/internal/store"
)

// fakeAuthn maps fixed tokens to principals: the matrix is about the
// decisions, not about how sessions are stored (tested in identity).
type fakeAuthn map[string]authz.Principal

func (f fakeAuthn) Authenticate(_ context.Context, tok string) (authz.Principal, error) {
	if p, ok := f[tok]; ok {
		return p, nil
	}
	return authz.Principal{}, fault.New(fault.Unauthenticated, "session_invalid")
}

// fakeResolver knows a few objects of organizations A and B.
type fakeResolver struct{}

func lookup(m map[string]string, id string) (string, error) {
	if o, ok := m[id]; ok {
		return o, nil
	}
	return "", fmt.Errorf("%q: %w", id, store.ErrNotFound)
}

var owners = map[string]string{"place-a": "org-a", "res-1": "org-a", "res-2": "org-a", "res-b": "org-b", "dev-1": "org-a", "wh-1": "org-a", "del-1": "org-a"}

func (fakeResolver) PlaceOrg(_ context.Context, id string) (string, error) { return lookup(owners, id) }
func (fakeResolver) ResourceOrg(_ context.Context, id string) (string, error) {
	return lookup(owners, id)
}
func (fakeResolver) DeviceOrg(_ context.Context, id string) (string, error) {
	return lookup(owners, id)
}
func (fakeResolver) WebhookOrg(_ context.Context, id string) (string, error) {
	return lookup(owners, id)
}
func (fakeResolver) WebhookDeliveryOrg(_ context.Context, id string) (string, error) {
	return lookup(owners, id)
}
func (fakeResolver) BookingScope(_ context.Context, id string) (string, string, error) {
	if id == "booking-1" {
		return "org-a", "res-1", nil
	}
	return "", "", store.ErrNotFound
}

var principals = fakeAuthn{
	"citizen":      {Kind: authz.Account, AccountID: "acc-citizen"},
	"operator-all": {Kind: authz.Account, AccountID: "acc-op-all", Roles: []authz.Role{{OrganizationID: "org-a", Kind: authz.RoleOperator}}},
	"operator-a":   {Kind: authz.Account, AccountID: "acc-op", Roles: []authz.Role{{OrganizationID: "org-a", Kind: authz.RoleOperator, ResourceIDs: []string{"res-1"}}}},
	"organizer-a":  {Kind: authz.Account, AccountID: "acc-org-a", Roles: []authz.Role{{OrganizationID: "org-a", Kind: authz.RoleOrganizer}}},
	"organizer-b":  {Kind: authz.Account, AccountID: "acc-org-b", Roles: []authz.Role{{OrganizationID: "org-b", Kind: authz.RoleOrganizer}}},
	"admin":        {Kind: authz.Account, AccountID: "acc-admin", InstallationAdmin: true},
	"device-a":     {Kind: authz.Device, DeviceID: "dev-1", DeviceOrgID: "org-a", DeviceResourceIDs: []string{"res-1"}},
}

// callers in matrix column order; "" is anonymous, "expired" a token the
// authenticator refuses.
var callers = []string{"", "expired", "citizen", "operator-all", "operator-a", "organizer-a", "organizer-b", "admin", "device-a"}

// Outcomes: A allowed (the call reaches the handler, which answers
// Unimplemented in this test), U Unauthenticated, D PermissionDenied.
var matrix = []struct {
	want  string // one letter per caller, in callers order.
	procs []string
}{
	{"AAAAAAAAD", []string{"AuthService/Register", "AuthService/Login", "CatalogService/ListOrganizations",
		"CatalogService/ListPlaces", "CatalogService/ListResources", "CatalogService/GetResource",
		"CatalogService/GetAvailability", "NotificationService/GetVapidPublicKey"}},
	// SPID/CIE login: public, as Login.
	{"AAAAAAAAD", []string{"AuthService/GetLoginOptions", "AuthService/StartOidcLogin", "AuthService/CompleteOidcLogin"}},
	// Booking without an account: public, rate-limited by the domain.
	{"AAAAAAAAD", []string{"BookingService/StartGuestBooking", "BookingService/ConfirmGuestBooking", "BookingService/ResendGuestCode"}},
	{"AAAAAAAAA", []string{"GateService/Enroll"}},
	{"UUAAAAAAD", []string{"AuthService/Logout", "AuthService/WhoAmI", "AuthService/UpdateProfile",
		"AuthService/ChangePassword", "AuthService/ExportMyData", "AuthService/DeleteMyAccount",
		"BookingService/HoldSlots", "BookingService/ReleaseHold", "BookingService/ConfirmBooking",
		"BookingService/ListMyBookings", "BookingService/RescheduleBooking", "BookingService/GetTicket",
		"BookingService/GetCalendarFile", "BookingService/GetReceipt"}},
	{"AAAAAAAAD", []string{"BookingService/GetBooking", "BookingService/CancelBooking",
		"NotificationService/SubscribePush", "NotificationService/UnsubscribePush"}},
	{"UUDDDDDAD", []string{"AdminService/CreateOrganization"}},
	{"UUDDDADDD", []string{"AdminService/UpdateOrganization", "AdminService/CreatePlace", "AdminService/UpdatePlace",
		"AdminService/CreateResource", "AdminService/UpdateResource", "AdminService/DeleteResource",
		"AdminService/SetSchedule", "AdminService/AddScheduleException", "AdminService/DeleteScheduleException",
		"AdminService/GrantRole", "AdminService/RevokeRole", "AdminService/ListStaff", "AdminService/GetStats",
		"AdminService/ExportBookings", "AdminService/ExportScans", "AdminService/CreateExportLink", "AdminService/CreateDeviceEnrollment",
		"AdminService/ListDevices", "AdminService/RevokeDevice", "AdminService/CreateWebhook",
		"AdminService/ListWebhooks", "AdminService/DeleteWebhook", "AdminService/ListWebhookDeliveries",
		"AdminService/ReplayWebhookDelivery", "AdminService/ListAuditEvents", "AdminService/PreviewSchedule"}},
	{"UUDAAADDD", []string{"AdminService/GetSchedule", "AdminService/ListBookings", "AdminService/GetBookingDetails",
		"AdminService/CreateCounterBooking", "AdminService/MarkAttendance", "AdminService/CancelBookingAsOperator",
		"AdminService/RescheduleBookingAsOperator", "AdminService/BlockSlots"}},
	// The operator is limited to res-1: an organization-wide list is not theirs.
	{"UUDADADDD", []string{"AdminService/ListScanConflicts"}},
	// Other dates proposed and one booking's meeting link (#17): operators
	// of the booking's organization; the citizen answers for their own.
	{"UUDAAADDD", []string{"AdminService/ProposeOtherDates", "AdminService/SetBookingMeetingUrl"}},
	{"UUAAAAAAD", []string{"BookingService/RespondToProposal"}},
	{"UUDDDDDDA", []string{"GateService/Sync", "GateService/Scan", "GateService/UploadScans"}},
	{"UUDAAADDA", []string{"GateService/WatchOccupancy"}},
	// Waiting lists (issue #17).
	{"UUAAAAAAD", []string{"WaitlistService/JoinWaitlist", "WaitlistService/LeaveWaitlist", "WaitlistService/ListMyWaitlist"}},
	{"UUDAAADDD", []string{"AdminService/ListWaitlist"}},
}

// fill sets every id field of a request to an object of organization A
// (or to overrides), so scoped checks have something to resolve.
func fill(msg protoreflect.Message, overrides map[string]string) {
	fields := msg.Descriptor().Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		name := string(f.Name())
		switch {
		case f.Kind() == protoreflect.MessageKind && !f.IsList() && !f.IsMap():
			if f.Message().FullName() == "google.protobuf.Timestamp" {
				continue
			}
			child := msg.Mutable(f).Message()
			kind := name // "organization", "place", "resource"
			fillNested(child, kind, overrides)
		case f.Kind() == protoreflect.StringKind && f.IsList() && name == "resource_ids":
			msg.Mutable(f).List().Append(protoreflect.ValueOfString(pick(overrides, "resource_ids", "res-1")))
		case f.Kind() == protoreflect.StringKind && !f.IsList():
			if v, ok := defaults[name]; ok {
				msg.Set(f, protoreflect.ValueOfString(pick(overrides, name, v)))
			}
		}
	}
}

var defaults = map[string]string{
	"organization_id": "org-a", "resource_id": "res-1", "booking_id": "booking-1", "device_id": "dev-1",
	"webhook_id": "wh-1", "delivery_id": "del-1", "place_id": "place-a",
}

func fillNested(msg protoreflect.Message, kind string, overrides map[string]string) {
	ids := map[string]string{"organization": "org-a", "place": "place-a", "resource": "res-1"}
	fields := msg.Descriptor().Fields()
	for i := range fields.Len() {
		f := fields.Get(i)
		if f.Kind() != protoreflect.StringKind || f.IsList() {
			continue
		}
		switch name := string(f.Name()); {
		case name == "id" && ids[kind] != "":
			msg.Set(f, protoreflect.ValueOfString(pick(overrides, kind+".id", ids[kind])))
		case name == "organization_id":
			msg.Set(f, protoreflect.ValueOfString(pick(overrides, kind+".organization_id", "org-a")))
		}
	}
}

func pick(overrides map[string]string, key, def string) string {
	if v, ok := overrides[key]; ok {
		return v
	}
	return def
}

type server struct{ conn *grpc.ClientConn }

func startServer(t *testing.T) *server {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	access := api.NewAccess(principals, authz.NewAuthorizer(fakeResolver{}), log)
	h, _ := api.NewMux(api.Unimplemented(), api.Options{MaxRequestBytes: 1 << 20, Logger: log, Interceptors: nil, Access: access})
	opts := httpserver.Options{ReadHeaderTimeout: time.Second, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second,
		IdleTimeout: time.Minute, ShutdownTimeout: time.Second, IsStreaming: api.IsStreaming(), Logger: log}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- httpserver.Serve(ctx, httpserver.New(h, opts), ln, opts) }()
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() {
		conn.Close()
		cancel()
		require.NoError(t, <-done)
	})
	return &server{conn: conn}
}

// call invokes procedure as caller with a request built by fill and
// returns the gRPC code.
func (s *server) call(t *testing.T, procedure, caller string, overrides map[string]string) codes.Code {
	t.Helper()
	svc, method, _ := strings.Cut(strings.TrimPrefix(procedure, "/"), "/")
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
	require.NoError(t, err)
	md := d.(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name(method))
	require.NotNil(t, md, procedure)
	in, err := protoregistry.GlobalTypes.FindMessageByName(md.Input().FullName())
	require.NoError(t, err)
	out, err := protoregistry.GlobalTypes.FindMessageByName(md.Output().FullName())
	require.NoError(t, err)
	req := in.New()
	fill(req, overrides)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if caller != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+caller)
	}
	if !md.IsStreamingServer() {
		return status.Code(s.conn.Invoke(ctx, procedure, req.Interface(), out.New().Interface()))
	}
	stream, err := s.conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, procedure)
	require.NoError(t, err)
	require.NoError(t, stream.SendMsg(req.Interface()))
	require.NoError(t, stream.CloseSend())
	var res proto.Message = out.New().Interface()
	return status.Code(stream.RecvMsg(res))
}

func wantCode(letter byte) codes.Code {
	switch letter {
	case 'U':
		return codes.Unauthenticated
	case 'D':
		return codes.PermissionDenied
	}
	return codes.Unimplemented // reached the (unimplemented) handler.
}

func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	covered := map[string]bool{}
	for _, row := range matrix {
		require.Len(t, row.want, len(callers))
		for _, p := range row.procs {
			procedure := "/varco.v1." + p
			require.False(t, covered[procedure], "%s listed twice", p)
			covered[procedure] = true
			for i, caller := range callers {
				t.Run(p+"/"+caller, func(t *testing.T) {
					t.Parallel()
					got := srv.call(t, procedure, caller, nil)
					require.Equal(t, wantCode(row.want[i]), got, "%s as %q", p, caller)
				})
			}
		}
	}
	// Every RPC of the seven services is in the matrix.
	for _, name := range api.ServiceNames {
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
		require.NoError(t, err)
		methods := d.(protoreflect.ServiceDescriptor).Methods()
		for i := range methods.Len() {
			proc := "/" + name + "/" + string(methods.Get(i).Name())
			require.True(t, covered[proc], "%s is missing from the access matrix", proc)
			_, ok := authz.RuleFor(proc)
			require.True(t, ok, "%s has no access rule", proc)
		}
	}
}

// Objects of other organizations, other resources or unknown ids are all
// refused the same way, so ids leak nothing.
func TestAccessAcrossOrganizations(t *testing.T) {
	t.Parallel()
	srv := startServer(t)
	cases := []struct {
		name, proc, caller string
		overrides          map[string]string
		want               codes.Code
	}{
		{"operator on another resource", "AdminService/GetSchedule", "operator-a", map[string]string{"resource_id": "res-2"}, codes.PermissionDenied},
		{"organizer of B on A's resource", "AdminService/SetSchedule", "organizer-b", nil, codes.PermissionDenied},
		{"organizer of B on B's resource", "AdminService/SetSchedule", "organizer-b", map[string]string{"resource_id": "res-b"}, codes.Unimplemented},
		{"unknown resource", "AdminService/UpdateResource", "organizer-a", map[string]string{"resource.id": "nope"}, codes.PermissionDenied},
		{"unknown booking", "AdminService/MarkAttendance", "organizer-a", map[string]string{"booking_id": "nope"}, codes.PermissionDenied},
		{"resource of another org in org A's calendar", "AdminService/ListBookings", "organizer-a", map[string]string{"resource_id": "res-b"}, codes.PermissionDenied},
		{"organizer B listing A's calendar through B's resource", "AdminService/ListBookings", "organizer-b", map[string]string{"resource_id": "res-b"}, codes.PermissionDenied},
		{"device watching a resource it does not serve", "GateService/WatchOccupancy", "device-a", map[string]string{"resource_ids": "res-2"}, codes.PermissionDenied},
		{"organizer B revoking A's device", "AdminService/RevokeDevice", "organizer-b", nil, codes.PermissionDenied},
		{"missing organization id", "AdminService/CreatePlace", "organizer-a", map[string]string{"place.organization_id": ""}, codes.InvalidArgument},
		{"citizen probing an unknown resource", "AdminService/GetSchedule", "citizen", map[string]string{"resource_id": "nope"}, codes.PermissionDenied},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, srv.call(t, "/varco.v1."+tc.proc, tc.caller, tc.overrides))
		})
	}
}
