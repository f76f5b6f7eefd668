package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/person"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// Oversized lists and strings are refused at the edge as InvalidArgument
// naming the field, before they reach authorization or SQLite (32,763
// statuses used to be "too many SQL variables", an Internal error).
func TestRequestFieldLimits(t *testing.T) {
	t.Parallel()
	b, organizer := setupWithOrganizer(t)
	ctx := context.Background()
	admin := newAdminClient(b)

	statuses := make([]varcov1.BookingStatus, 32763)
	for i := range statuses {
		statuses[i] = varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED
	}
	_, err := admin.ListBookings(ctx, authBearer(&varcov1.ListBookingsRequest{OrganizationId: demo.ComuneID, Statuses: statuses}, organizer))
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%v", err)
	requireFieldViolation(t, err, "statuses")

	// Nested fields are named by their path; streams are checked too.
	_, err = admin.SetSchedule(ctx, authBearer(&varcov1.SetScheduleRequest{ResourceId: demo.TourID, Rules: []*varcov1.WeeklyRule{
		{Weekday: varcov1.Weekday_WEEKDAY_MONDAY, OperatorIds: make([]string, 101)}}}, organizer))
	requireFieldViolation(t, err, "rules[0].operator_ids")
	_, err = admin.UpdateResource(ctx, authBearer(&varcov1.UpdateResourceRequest{Resource: &varcov1.Resource{
		Id: demo.TourID, Description: strings.Repeat("a", 4001)}}, organizer))
	requireFieldViolation(t, err, "resource.description")
	stream, err := admin.ExportBookings(ctx, authBearer(&varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID,
		FromDate: strings.Repeat("2", 1001)}, organizer))
	require.NoError(t, err)
	require.False(t, stream.Receive())
	requireFieldViolation(t, stream.Err(), "from_date")
}

// A body that does not decode is InvalidArgument with a message that names
// no Go type, over JSON and binary protobuf alike.
func TestMalformedBodiesNameNoGoTypes(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, c := range []struct {
		name, contentType, body, want string
	}{
		{"wrong JSON type", "application/json", `{"resourceId": 5}`, "resourceId"},
		{"broken JSON", "application/json", `{"resourceId":`, "malformed request body"},
		{"empty JSON", "application/json", ``, "empty body"},
		{"broken protobuf", "application/proto", "\x0a\xff\xff", "invalid protobuf"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res, err := http.Post(b.baseURL+"/varco.v1.CatalogService/GetResource", c.contentType, strings.NewReader(c.body))
			require.NoError(t, err)
			defer res.Body.Close()
			var body struct{ Code, Message string }
			require.NoError(t, json.NewDecoder(res.Body).Decode(&body))
			require.Equal(t, http.StatusBadRequest, res.StatusCode)
			require.Equal(t, "invalid_argument", body.Code)
			require.Contains(t, body.Message, c.want)
			for _, internal := range []string{"varcov1", "*", "unmarshal into", "GetResourceRequest"} {
				require.NotContains(t, body.Message, internal)
			}
		})
	}
}

// Names that must fit on one line refuse control characters: a NUL in a
// gate's name, a line break in a beneficiary's birth place.
func TestNamesRefuseControlCharacters(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	_, organizer := bootstrapOrganizer(t, b)
	ctx := context.Background()
	_, err := newAdminClient(b).CreateDeviceEnrollment(ctx, authBearer(&varcov1.CreateDeviceEnrollmentRequest{OrganizationId: demo.ComuneID,
		Name: "Nord\x00", ResourceIds: []string{demo.TourID}, Direction: varcov1.GateDirection_GATE_DIRECTION_BOTH}, organizer))
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%v", err)
	requireFieldViolation(t, err, "name")

	c := registerCitizens(t, b, "CTL", 1)[0]
	h, err := c.hold(ctx, tourSlot(t, b, clk.Now(), 0).GetStart(), 1)
	require.NoError(t, err)
	_, err = c.booking.ConfirmBooking(ctx, authBearer(&varcov1.ConfirmBookingRequest{
		HoldId: h.GetId(), IdempotencyKey: uuid.NewString(), Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY},
		Beneficiary: &varcov1.Person{GivenName: "Niccolò", FamilyName: "D'Amico", CodiceFiscale: person.CompleteCodiceFiscale("DMCNCC80A01F205"),
			Email: "niccolo@example.org", Phone: "+39 333 1234567", BirthPlace: "Mantova\r\nBcc: x@example.org"},
	}, c.token))
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%v", err)
	requireFieldViolation(t, err, "beneficiary.birth_place")
}
