package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/client"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// An organizer reads the figures of the day a concert seat was booked,
// against the day before, as a table and as JSON; a bad date comes back
// with the field named.
func TestStatsCommand(t *testing.T) {
	t.Parallel()
	staff := admin(t)
	report := staff.apply("-f", "testdata/comune.yaml")
	event := changeID(t, report, "resource", "Concerto d'autunno")

	// A citizen books 3 seats of the first free concert from tomorrow.
	ctx := context.Background()
	api, err := client.New(staff.srv.URL)
	require.NoError(t, err)
	reg, err := api.Auth.Register(ctx, connect.NewRequest(&varcov1.RegisterRequest{
		GivenName: "Mario", FamilyName: "Rossi", Email: "mario.rossi@example.org", CodiceFiscale: "RSSMRA85T10A562S",
		Phone: "3331234567", Password: "una-password-lunga", PrivacyConsent: true,
	}))
	require.NoError(t, err)
	mario, err := client.New(staff.srv.URL, client.WithToken(reg.Msg.GetSession().GetToken()))
	require.NoError(t, err)
	slot, _ := firstFreeSlot(t, staff, event, time.Now().AddDate(0, 0, 1).Format(time.DateOnly))
	start, err := time.Parse(time.RFC3339, slot)
	require.NoError(t, err)
	res, err := api.Catalog.GetResource(ctx, connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: event}))
	require.NoError(t, err)
	hold, err := mario.Booking.HoldSlots(ctx, connect.NewRequest(&varcov1.HoldSlotsRequest{ResourceId: event, SlotStart: timestamppb.New(start), Seats: 3}))
	require.NoError(t, err)
	booked, err := mario.Booking.ConfirmBooking(ctx, connect.NewRequest(&varcov1.ConfirmBookingRequest{
		HoldId: hold.Msg.GetHold().GetId(), IdempotencyKey: uuid.NewString(),
		Consents:           []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY},
		AcknowledgementIds: []string{res.Msg.GetResource().GetAcknowledgements()[0].GetId()},
	}))
	require.NoError(t, err)
	day := booked.Msg.GetBooking().GetLocalStart()[:len(time.DateOnly)]
	d, err := time.Parse(time.DateOnly, day)
	require.NoError(t, err)
	before := d.AddDate(0, 0, -1).Format(time.DateOnly)

	var got varcov1.GetStatsResponse
	staff.proto(&got, "stats", "--org", report.OrganizationID, "--resource", event, "--from", day, "--to", day)
	cur, prev := got.GetCurrent(), got.GetPrevious()
	require.Equal(t, day, cur.GetFromDate())
	require.Equal(t, before, prev.GetFromDate())
	require.EqualValues(t, 1, cur.GetBookings())
	// The concert offers 5 slots of 2 h with 20 seats each on an open day:
	// 5 × 20 × 2 = 200 seat-hours, of which 3 × 2 = 6 booked (3%).
	require.EqualValues(t, 5, cur.GetSlotsOffered())
	require.InDelta(t, 200, cur.GetCapacityHours(), 1e-9)
	require.InDelta(t, 3, cur.GetSaturationPercent(), 1e-9)
	require.EqualValues(t, 0, prev.GetBookings())

	table := staff.ok("stats", "--org", report.OrganizationID, "--resource", event, "--from", day, "--to", day)
	require.Contains(t, table, "Statistics "+day+" … "+day+", compared with "+before+" … "+before)
	lines := map[string]string{}
	for _, l := range strings.Split(table, "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			lines[strings.SplitN(l, "  ", 2)[0]] = strings.Join(f, " ")
		}
	}
	require.Equal(t, "Bookings 1 0 +1", lines["Bookings"], table)
	require.Equal(t, "Cancelled by the citizen 0 (0.0%) 0 (0.0%) =", lines["Cancelled by the citizen"], table)
	require.Equal(t, "Saturation (seat-time booked) 3.0% 0.0% +3.0 pp", lines["Saturation (seat-time booked)"], table)
	// The day before is usually open too (the same 200 seat-hours: no
	// change), but may be a closure: compare with what the server said.
	change := "="
	if c := 200 - prev.GetCapacityHours(); c != 0 {
		change = fmt.Sprintf("%+.2f", c)
	}
	require.Equal(t, fmt.Sprintf("Capacity offered (seat-hours) 200.00 %.2f %s", prev.GetCapacityHours(), change),
		lines["Capacity offered (seat-hours)"], table)
	require.Contains(t, table, "Overstays (tickets)")

	_, errOut, err := staff.run("", "stats", "--org", report.OrganizationID, "--from", "2026-13-01", "--to", day)
	require.Error(t, err)
	require.Equal(t, "varco: stats: from_date: Invalid date: use YYYY-MM-DD.\n", errOut)
	_, errOut, err = staff.run("", "stats", "--org", report.OrganizationID, "--from", day)
	require.Error(t, err)
	require.Equal(t, "varco: missing --to\n", errOut)
}
