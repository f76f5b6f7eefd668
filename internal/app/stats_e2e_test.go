package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/person"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// The statistics of a known dataset, built through the real RPCs on a real
// server and database with a fake clock; every expected figure is worked
// out by hand below. Local times are Europe/Rome; clocks go forward on
// Sunday 29 March 2026 (02:00 → 03:00, a 23-hour day).
//
// The organization "Associazione Statistica" has:
//
//	G  "Servizi al pubblico" (group)
//	├─ A  "Sportello" (appointments): operators Giulia and Paolo, Mon–Fri
//	│     09:00–10:00 in 30-minute slots (2 slots a day, 2 seats each);
//	│     closed Wed 25 March, Paolo away Thu 26 March 09:00–09:30
//	└─ N  "Osservatorio" (event, 10 seats): hourly 00:00–04:00 on Saturdays
//	      and Sundays, 00:00–01:00 on Mondays
//	E  "Visita guidata" (ticketed event, 30 seats): 10:00–14:30 on weekends
//	   in 90-minute slots (10:00, 11:30, 13:00); stay at most 60 minutes
//
// The period asked for is Mon 23 – Sun 29 March (7 days); the previous
// period is Mon 16 – Sun 22 March.
func TestStatsEndToEnd(t *testing.T) {
	t.Parallel()
	env := stDataset(t)
	ctx, back, admin, org, people := context.Background(), env.back, env.admin, env.org, env.people
	get := func(resource, from, to string) *varcov1.GetStatsResponse {
		t.Helper()
		res, err := back.GetStats(ctx, authBearer(&varcov1.GetStatsRequest{
			OrganizationId: org.id, ResourceId: resource, FromDate: from, ToDate: to}, admin))
		require.NoError(t, err)
		return res.Msg
	}

	t.Run("organization, week with the clock change", func(t *testing.T) {
		res := get("", "2026-03-23", "2026-03-29")
		// Bookings with a slot in Mon 23 – Sun 29 (instants from Sun 22
		// 23:00 UTC to Sun 29 22:00 UTC): C1 (rescheduled), C1', C2
		// (office), C3, C4, C5, C6, C7 (done), C8 (citizen), C10; not C9.
		requireStats(t, &varcov1.Stats{
			FromDate: "2026-03-23", ToDate: "2026-03-29",
			Bookings: 10, CancelledByUser: 1, CancelledByOperator: 1, Rescheduled: 1, Done: 1, NoShow: 0,
			CancelledByUserPercent: 10, CancelledByOperatorPercent: 10, RescheduledPercent: 10, NoShowPercent: 0,
			// Waits: C1 45.5, C1' 1.5, C2 45.5, C3 1, C4 1, C5 1, C6 12,
			// C7 1.5, C8 45.5, C10 12 = 166.5 h / 10 = 16.65 h = 0.69375 days.
			AvgDaysToFirstAvailability: 16.65 / 24,
			// Offered: A Mon, Tue, Fri 2 slots × 2 seats + Thu 09:00 1 seat
			// + 09:30 2 seats (Wed closed) = 8 slots, (7×2 + 1) × 0.5 h =
			// 7.5 seat-hours; N Mon 23 00:00, Sat 28 00–03 (4), Sun 29 00,
			// 01, 03 (no 02:00 that night) = 8 slots × 10 seats × 1 h = 80;
			// E 6 slots × 30 seats × 1.5 h = 270. 22 slots, 357.5 seat-hours.
			SlotsOffered: 22, CapacityHours: 357.5,
			// (8 × 30 + 8 × 60 + 6 × 90) / 22 = 1260 / 22 minutes.
			AvgSlotMinutes: 1260.0 / 22,
			// Booked: A C1' 0.5 + C7 0.5; E Sat 10:00 (3 + 2) × 1.5 + Sun
			// 13:00 4 × 1.5 = 13.5; N C6 5 × 1 + C10 1 × 1 = 6; 20.5 / 357.5.
			SaturationPercent: 100 * 20.5 / 357.5,
			// Gates: in C3 3, C4 2, C5 4 = 9 (C3's second entry refused);
			// out C3 3, C5 4 = 7. Inside on Sat 28: 10:00 3, 10:30 5, 11:20
			// 2, 11:30 (C4's ticket ends) 0; Sun 29 4. Overstays: C3 (out
			// 20 minutes late), C4 (still inside after 11:30).
			Entries: 9, Exits: 7, PeakOccupancy: 5, Overstays: 2,
		}, res.GetCurrent())
		// Previous period Mon 16 – Sun 22: P1 (done), P2 (no-show), P3
		// (citizen), P4, P5.
		requireStats(t, &varcov1.Stats{
			FromDate: "2026-03-16", ToDate: "2026-03-22",
			Bookings: 5, CancelledByUser: 1, Done: 1, NoShow: 1,
			CancelledByUserPercent: 20, NoShowPercent: 20,
			// (45 + 45 + 45.5 + 1 + 12) / 5 = 29.7 h.
			AvgDaysToFirstAvailability: 29.7 / 24,
			// A 10 slots × 2 × 0.5 = 10; N Mon 16 00:00 + 4 + 4 = 9 slots ×
			// 10 = 90; E 270. 25 slots, 370 seat-hours.
			SlotsOffered: 25, CapacityHours: 370, AvgSlotMinutes: (10*30 + 9*60 + 6*90) / 25.0,
			// A Mon 16 09:00 P1 + P2 (the no-show's seat stayed taken) 2 ×
			// 0.5 = 1; E P4 4 × 1.5 = 6; N P5 2 × 1 = 2; 9 / 370.
			SaturationPercent: 100 * 9.0 / 370,
			Entries:           4, Exits: 4, PeakOccupancy: 4,
		}, res.GetPrevious())

		// Day by day, on the local date of each booking's slot (C10 at
		// Mon 23 00:00 is Sun 22 in UTC) and of each ticket's slot.
		require.Equal(t, []string{
			"2026-03-23 bookings 3 user 0 office 1 moved 1 done 0 noshow 0 in 0 out 0 peak 0", // C1, C2, C10
			"2026-03-24 bookings 1 user 0 office 0 moved 0 done 0 noshow 0 in 0 out 0 peak 0", // C1'
			"2026-03-25 bookings 0 user 0 office 0 moved 0 done 0 noshow 0 in 0 out 0 peak 0", // closed
			"2026-03-26 bookings 1 user 0 office 0 moved 0 done 1 noshow 0 in 0 out 0 peak 0", // C7
			"2026-03-27 bookings 1 user 1 office 0 moved 0 done 0 noshow 0 in 0 out 0 peak 0", // C8
			"2026-03-28 bookings 2 user 0 office 0 moved 0 done 0 noshow 0 in 5 out 3 peak 5", // C3, C4
			"2026-03-29 bookings 2 user 0 office 0 moved 0 done 0 noshow 0 in 4 out 4 peak 4", // C5, C6
		}, stDays(res.GetCurrent()))
		require.Equal(t, []string{
			"2026-03-16 bookings 3 user 1 office 0 moved 0 done 1 noshow 1 in 0 out 0 peak 0", // P1, P2, P3
			"2026-03-17 bookings 0 user 0 office 0 moved 0 done 0 noshow 0 in 0 out 0 peak 0",
			"2026-03-18 bookings 0 user 0 office 0 moved 0 done 0 noshow 0 in 0 out 0 peak 0",
			"2026-03-19 bookings 0 user 0 office 0 moved 0 done 0 noshow 0 in 0 out 0 peak 0",
			"2026-03-20 bookings 0 user 0 office 0 moved 0 done 0 noshow 0 in 0 out 0 peak 0",
			"2026-03-21 bookings 2 user 0 office 0 moved 0 done 0 noshow 0 in 4 out 4 peak 4", // P4, P5
			"2026-03-22 bookings 0 user 0 office 0 moved 0 done 0 noshow 0 in 0 out 0 peak 0",
		}, stDays(res.GetPrevious()))

		// Service by service, in name order; the group is not bookable.
		cur := stServices(t, res.GetCurrent(), []string{org.n, org.a, org.e})
		requireStats(t, &varcov1.Stats{FromDate: "2026-03-23", ToDate: "2026-03-29", // N: C6, C10
			Bookings: 2, AvgDaysToFirstAvailability: 0.5, SlotsOffered: 8, CapacityHours: 80, AvgSlotMinutes: 60,
			SaturationPercent: 100 * 6 / 80.0}, cur[0])
		requireStats(t, &varcov1.Stats{FromDate: "2026-03-23", ToDate: "2026-03-29", // A: C1, C1', C2, C7, C8
			Bookings: 5, CancelledByUser: 1, CancelledByOperator: 1, Rescheduled: 1, Done: 1,
			CancelledByUserPercent: 20, CancelledByOperatorPercent: 20, RescheduledPercent: 20,
			AvgDaysToFirstAvailability: (45.5 + 1.5 + 45.5 + 1.5 + 45.5) / 5 / 24,
			SlotsOffered:               8, CapacityHours: 7.5, AvgSlotMinutes: 30, SaturationPercent: 100 * 1 / 7.5}, cur[1])
		requireStats(t, &varcov1.Stats{FromDate: "2026-03-23", ToDate: "2026-03-29", // E: C3, C4, C5
			Bookings: 3, AvgDaysToFirstAvailability: 1.0 / 24, SlotsOffered: 6, CapacityHours: 270, AvgSlotMinutes: 90,
			SaturationPercent: 5, Entries: 9, Exits: 7, PeakOccupancy: 5, Overstays: 2}, cur[2])
		prev := stServices(t, res.GetPrevious(), []string{org.n, org.a, org.e})
		requireStats(t, &varcov1.Stats{FromDate: "2026-03-16", ToDate: "2026-03-22", // N: P5
			Bookings: 1, AvgDaysToFirstAvailability: 0.5, SlotsOffered: 9, CapacityHours: 90, AvgSlotMinutes: 60,
			SaturationPercent: 100 * 2 / 90.0}, prev[0])
		requireStats(t, &varcov1.Stats{FromDate: "2026-03-16", ToDate: "2026-03-22", // A: P1, P2, P3
			Bookings: 3, CancelledByUser: 1, Done: 1, NoShow: 1, CancelledByUserPercent: 100.0 / 3, NoShowPercent: 100.0 / 3,
			AvgDaysToFirstAvailability: (45 + 45 + 45.5) / 3.0 / 24,
			SlotsOffered:               10, CapacityHours: 10, AvgSlotMinutes: 30, SaturationPercent: 10}, prev[1])
		requireStats(t, &varcov1.Stats{FromDate: "2026-03-16", ToDate: "2026-03-22", // E: P4
			Bookings: 1, AvgDaysToFirstAvailability: 1.0 / 24, SlotsOffered: 6, CapacityHours: 270, AvgSlotMinutes: 90,
			SaturationPercent: 100 * 6 / 270.0, Entries: 4, Exits: 4, PeakOccupancy: 4}, prev[2])
	})

	t.Run("the DST day alone", func(t *testing.T) {
		res := get("", "2026-03-29", "2026-03-29")
		// C5 (E 13:00, 4 seats) and C6 (N 03:00, 5 seats).
		requireStats(t, &varcov1.Stats{
			FromDate: "2026-03-29", ToDate: "2026-03-29", Bookings: 2,
			AvgDaysToFirstAvailability: (1 + 12) / 2.0 / 24,
			// N 00:00, 01:00, 03:00: 3 slots × 10 seats × 1 h = 30; E 3 slots
			// × 30 seats × 1.5 h = 135; 165 seat-hours.
			SlotsOffered: 6, CapacityHours: 165, AvgSlotMinutes: (3*60 + 3*90) / 6.0,
			// 5 × 1 + 4 × 1.5 = 11 of 165.
			SaturationPercent: 100 * 11.0 / 165,
			Entries:           4, Exits: 4, PeakOccupancy: 4,
		}, res.GetCurrent())
		// The day before, Saturday 28: C3 and C4.
		requireStats(t, &varcov1.Stats{
			FromDate: "2026-03-28", ToDate: "2026-03-28", Bookings: 2,
			AvgDaysToFirstAvailability: 1.0 / 24,
			// N 4 × 10 × 1 = 40; E 135; 7 slots, 175 seat-hours.
			SlotsOffered: 7, CapacityHours: 175, AvgSlotMinutes: (4*60 + 3*90) / 7.0,
			SaturationPercent: 100 * 7.5 / 175,
			Entries:           5, Exits: 3, PeakOccupancy: 5, Overstays: 2,
		}, res.GetPrevious())
	})

	t.Run("a resource and its subtree", func(t *testing.T) {
		res := get(org.g, "2026-03-23", "2026-03-29")
		// G = A + N: C1, C1', C2, C6, C7, C8, C10.
		requireStats(t, &varcov1.Stats{
			FromDate: "2026-03-23", ToDate: "2026-03-29",
			Bookings: 7, CancelledByUser: 1, CancelledByOperator: 1, Rescheduled: 1, Done: 1,
			CancelledByUserPercent: 100.0 / 7, CancelledByOperatorPercent: 100.0 / 7, RescheduledPercent: 100.0 / 7,
			// 45.5 + 1.5 + 45.5 + 12 + 1.5 + 45.5 + 12 = 163.5 h / 7.
			AvgDaysToFirstAvailability: 163.5 / 7 / 24,
			// A 7.5 + N 80 = 87.5 seat-hours, 16 slots.
			SlotsOffered: 16, CapacityHours: 87.5, AvgSlotMinutes: (8*30 + 8*60) / 16.0,
			// A 1 + N 6 = 7 of 87.5.
			SaturationPercent: 100 * 7 / 87.5,
		}, res.GetCurrent())
		requireStats(t, &varcov1.Stats{
			FromDate: "2026-03-16", ToDate: "2026-03-22",
			Bookings: 4, CancelledByUser: 1, Done: 1, NoShow: 1, CancelledByUserPercent: 25, NoShowPercent: 25,
			AvgDaysToFirstAvailability: (45 + 45 + 45.5 + 12) / 4.0 / 24,
			SlotsOffered:               19, CapacityHours: 100, AvgSlotMinutes: (10*30 + 9*60) / 19.0,
			SaturationPercent: 3,
		}, res.GetPrevious())
		stServices(t, res.GetCurrent(), []string{org.n, org.a})
		leaf := get(org.e, "2026-03-23", "2026-03-29").GetCurrent()
		require.Equal(t, int32(3), leaf.GetBookings(), "E alone: C3, C4, C5")
		require.InDelta(t, 270, leaf.GetCapacityHours(), 1e-9)
	})

	t.Run("an empty period", func(t *testing.T) {
		res := get(org.a, "2026-03-25", "2026-03-25")
		// A is closed on Wednesday 25: nothing offered, nothing booked,
		// every figure 0 (no division by zero).
		requireStats(t, &varcov1.Stats{FromDate: "2026-03-25", ToDate: "2026-03-25"}, res.GetCurrent())
		require.Equal(t, int32(2), res.GetPrevious().GetSlotsOffered(), "Tuesday 24 was open")
	})

	t.Run("validation", func(t *testing.T) {
		for _, tc := range []struct {
			name  string
			req   *varcov1.GetStatsRequest
			field string
		}{
			{"no organization", &varcov1.GetStatsRequest{FromDate: "2026-03-01", ToDate: "2026-03-02"}, "organization_id"},
			{"no from date", &varcov1.GetStatsRequest{OrganizationId: org.id, ToDate: "2026-03-02"}, "from_date"},
			{"bad from date", &varcov1.GetStatsRequest{OrganizationId: org.id, FromDate: "2026-3-1", ToDate: "2026-03-02"}, "from_date"},
			{"no to date", &varcov1.GetStatsRequest{OrganizationId: org.id, FromDate: "2026-03-01"}, "to_date"},
			{"impossible to date", &varcov1.GetStatsRequest{OrganizationId: org.id, FromDate: "2026-03-01", ToDate: "2026-02-30"}, "to_date"},
			{"to before from", &varcov1.GetStatsRequest{OrganizationId: org.id, FromDate: "2026-03-02", ToDate: "2026-03-01"}, "to_date"},
			{"367 days", &varcov1.GetStatsRequest{OrganizationId: org.id, FromDate: "2026-01-01", ToDate: "2027-01-02"}, "to_date"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := back.GetStats(ctx, authBearer(tc.req, admin))
				require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%v", err)
				requireFieldViolation(t, err, tc.field)
			})
		}
		// A leap year's 366 days are allowed.
		_, err := back.GetStats(ctx, authBearer(&varcov1.GetStatsRequest{OrganizationId: org.id, FromDate: "2028-01-01", ToDate: "2028-12-31"}, admin))
		require.NoError(t, err)
	})

	t.Run("who may ask", func(t *testing.T) {
		// A resource of another organization (the demo Comune's, which the
		// caller also runs) or an unknown one: refused by the policy table
		// like every organization-scoped call, without saying which.
		for _, resource := range []string{demo.CIEID, "no-such-resource"} {
			_, err := back.GetStats(ctx, authBearer(&varcov1.GetStatsRequest{OrganizationId: org.id, ResourceId: resource,
				FromDate: "2026-03-23", ToDate: "2026-03-29"}, admin))
			require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "%s: %v", resource, err)
		}
		// Statistics are for organizers: an operator, even of the very
		// resource asked about, is refused, and so is a citizen.
		_, err := back.GrantRole(ctx, authBearer(&varcov1.GrantRoleRequest{OrganizationId: org.id, Login: people[5].cf,
			Kind: varcov1.StaffRoleKind_STAFF_ROLE_KIND_OPERATOR, ResourceIds: []string{org.a}}, admin))
		require.NoError(t, err)
		for _, token := range []string{people[5].token, people[6].token} {
			_, err = back.GetStats(ctx, authBearer(&varcov1.GetStatsRequest{OrganizationId: org.id, ResourceId: org.a,
				FromDate: "2026-03-23", ToDate: "2026-03-29"}, token))
			require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err))
		}
	})
}

// stEnv is the server holding the statistics dataset, asked on Wednesday
// 1 April 2026 at noon (Europe/Rome).
type stEnv struct {
	b      *bundle
	clk    *clock.Fake
	back   varcov1connect.AdminServiceClient
	admin  string // organizer of both the demo Comune and the dataset's organization
	org    stOrg
	people []citizen
}

// stDataset builds the dataset of TestStatsEndToEnd, whose comments work
// out every figure; the staff app's statistics test draws the same one.
func stDataset(t *testing.T) stEnv {
	t.Helper()
	rome := admRome(t)
	local := func(month time.Month, day, hour, min int) time.Time {
		return time.Date(2026, month, day, hour, min, 0, 0, rome)
	}
	// T0: Saturday 14 March, 12:00. Nothing is booked yet.
	clk := clock.NewFake(local(3, 14, 12, 0))
	b := setupWith(t, clk)
	_, admin := bootstrapOrganizer(t, b)
	ctx := context.Background()
	back := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)

	org := stCreate(t, back, admin)
	people := registerCitizens(t, b, "STA", 7)

	book := func(c citizen, resource string, start time.Time, seats int32) *varcov1.Booking {
		t.Helper()
		h, err := c.booking.HoldSlots(ctx, authBearer(&varcov1.HoldSlotsRequest{
			ResourceId: resource, SlotStart: timestamppb.New(start), Seats: seats}, c.token))
		require.NoError(t, err)
		bk, err := c.confirm(ctx, h.Msg.GetHold().GetId())
		require.NoError(t, err)
		return bk
	}
	// At T0 the first free slots are: A Mon 16 March 09:00 (45 h ahead)
	// until both operators are taken there; N Sun 15 March 00:00 (12 h);
	// E today 13:00 (1 h).
	p1 := book(people[0], org.a, local(3, 16, 9, 0), 1)  // first free A Mon 16 09:00: waits 45 h
	p2 := book(people[1], org.a, local(3, 16, 9, 0), 1)  // one operator still free there: 45 h
	p3 := book(people[2], org.a, local(3, 16, 9, 30), 1) // 09:00 is full now: 09:30, 45.5 h
	p4 := book(people[3], org.e, local(3, 21, 10, 0), 4) // E: 1 h
	book(people[4], org.n, local(3, 21, 1, 0), 2)        // P5, N: 12 h
	c1 := book(people[0], org.a, local(3, 23, 9, 0), 1)  // A 16 09:30 has a free operator: 45.5 h
	c2 := book(people[1], org.a, local(3, 23, 9, 30), 1) // 45.5 h
	c3 := book(people[2], org.e, local(3, 28, 10, 0), 3) // 1 h
	c4 := book(people[3], org.e, local(3, 28, 10, 0), 2) // 1 h
	c5 := book(people[4], org.e, local(3, 29, 13, 0), 4) // 1 h; the DST day, 11:00 UTC
	c6 := book(people[5], org.n, local(3, 29, 3, 0), 5)  // C6: 12 h; 03:00 CEST is 01:00 UTC
	c8 := book(people[6], org.a, local(3, 27, 9, 0), 1)  // 45.5 h
	book(people[5], org.n, local(3, 30, 0, 0), 1)        // C9: Mon 30 00:00 = Sun 29 22:00 UTC, next week
	book(people[6], org.n, local(3, 23, 0, 0), 1)        // C10: Mon 23 00:00 = Sun 22 23:00 UTC, this week; 12 h
	require.Equal(t, "2026-03-29T01:00:00Z", c6.GetSpan().GetStart().AsTime().Format(time.RFC3339), "03:00 on the DST night")

	// T1: Monday 16 March, 08:00.
	clk.Set(local(3, 16, 8, 0))
	_, err := people[2].booking.CancelBooking(ctx, authBearer(&varcov1.CancelBookingRequest{BookingId: p3.GetId()}, people[2].token))
	require.NoError(t, err) // P3 cancelled by the citizen: A 16 09:30 is free again
	_, err = people[6].booking.CancelBooking(ctx, authBearer(&varcov1.CancelBookingRequest{BookingId: c8.GetId()}, people[6].token))
	require.NoError(t, err) // C8 cancelled by the citizen
	moved, err := people[0].booking.RescheduleBooking(ctx, authBearer(&varcov1.RescheduleBookingRequest{
		BookingId: c1.GetId(), NewSlotStart: timestamppb.New(local(3, 24, 9, 0)), IdempotencyKey: uuid.NewString()}, people[0].token))
	require.NoError(t, err) // C1 → C1' on Tue 24 09:00; first free now A 16 09:30: 1.5 h
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_RESCHEDULED, moved.Msg.GetPrevious().GetStatus())
	_, err = back.CancelBookingAsOperator(ctx, authBearer(&varcov1.CancelBookingAsOperatorRequest{
		BookingId: c2.GetId(), Reason: "Sportello chiuso"}, admin))
	require.NoError(t, err) // C2 cancelled by the office
	counter, err := back.CreateCounterBooking(ctx, authBearer(&varcov1.CreateCounterBookingRequest{
		ResourceId: org.a, SlotStart: timestamppb.New(local(3, 26, 9, 30)), PrivacyConsent: true, IdempotencyKey: uuid.NewString(),
		Beneficiary: &varcov1.Person{GivenName: "Lucia", FamilyName: "Bianchi",
			CodiceFiscale: person.CompleteCodiceFiscale("BNCLCU80A41H501"), Email: "lucia.bianchi@example.it"},
	}, admin))
	require.NoError(t, err) // C7 at the counter: first free A 16 09:30, 1.5 h

	// Attendance of Monday 16 March.
	clk.Set(local(3, 16, 9, 5))
	for id, st := range map[string]varcov1.BookingStatus{
		p1.GetId(): varcov1.BookingStatus_BOOKING_STATUS_DONE, p2.GetId(): varcov1.BookingStatus_BOOKING_STATUS_NO_SHOW,
	} {
		_, err := back.MarkAttendance(ctx, authBearer(&varcov1.MarkAttendanceRequest{BookingId: id, Status: st}, admin))
		require.NoError(t, err)
	}

	// The gate of E, online.
	gate := stGate(t, b, back, admin, org)
	ticket := func(c citizen, bk *varcov1.Booking) string {
		t.Helper()
		res, err := c.booking.GetTicket(ctx, authBearer(&varcov1.GetTicketRequest{BookingId: bk.GetId()}, c.token))
		require.NoError(t, err)
		return res.Msg.GetTickets()[0].GetPayload()
	}
	scanAt := func(at time.Time, payload string, dir varcov1.ScanDirection, want varcov1.ScanVerdict) {
		t.Helper()
		clk.Set(at)
		require.Equal(t, want, gate.scan(t, uuid.NewString(), payload, dir).GetVerdict())
	}
	ok, refused, flagged := varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, varcov1.ScanVerdict_SCAN_VERDICT_REFUSED, varcov1.ScanVerdict_SCAN_VERDICT_FLAGGED
	tp4, tc3, tc4, tc5 := ticket(people[3], p4), ticket(people[2], c3), ticket(people[3], c4), ticket(people[4], c5)
	scanAt(local(3, 21, 10, 0), tp4, entry, ok) // P4: 4 in
	scanAt(local(3, 21, 11, 0), tp4, exit, ok)  // P4: 4 out
	scanAt(local(3, 28, 10, 0), tc3, entry, ok) // C3: 3 in, stay ends 11:00
	scanAt(local(3, 28, 10, 5), tc3, entry, refused)
	scanAt(local(3, 28, 10, 30), tc4, entry, ok)     // C4: 2 in, stay ends 11:30; never scanned out
	scanAt(local(3, 28, 11, 20), tc3, exit, flagged) // C3: 3 out after the stay: overstay
	scanAt(local(3, 29, 13, 0), tc5, entry, ok)      // C5: 4 in (the DST day)
	scanAt(local(3, 29, 13, 45), tc5, exit, ok)      // C5: 4 out within the stay

	clk.Set(local(3, 26, 9, 35))
	_, err = back.MarkAttendance(ctx, authBearer(&varcov1.MarkAttendanceRequest{
		BookingId: counter.Msg.GetBooking().GetId(), Status: varcov1.BookingStatus_BOOKING_STATUS_DONE}, admin))
	require.NoError(t, err) // C7 done

	// Asked on Wednesday 1 April.
	clk.Set(local(4, 1, 12, 0))
	return stEnv{b: b, clk: clk, back: back, admin: admin, org: org, people: people}
}

// stDays writes a period's days one line each, for comparison.
func stDays(s *varcov1.Stats) []string {
	var out []string
	for _, d := range s.GetDays() {
		out = append(out, fmt.Sprintf("%s bookings %d user %d office %d moved %d done %d noshow %d in %d out %d peak %d",
			d.GetDate(), d.GetBookings(), d.GetCancelledByUser(), d.GetCancelledByOperator(), d.GetRescheduled(),
			d.GetDone(), d.GetNoShow(), d.GetEntries(), d.GetExits(), d.GetPeakOccupancy()))
	}
	return out
}

// stServices checks that a period lists exactly the services ids, in that
// order, with no breakdown of their own, and returns their figures.
func stServices(t *testing.T, s *varcov1.Stats, ids []string) []*varcov1.Stats {
	t.Helper()
	var got []string
	var out []*varcov1.Stats
	for _, sv := range s.GetServices() {
		got = append(got, sv.GetResourceId())
		require.NotEmpty(t, sv.GetName())
		require.Empty(t, sv.GetStats().GetDays())
		require.Empty(t, sv.GetStats().GetServices())
		out = append(out, sv.GetStats())
	}
	require.Equal(t, ids, got)
	return out
}

// requireStats compares every figure, floats within rounding.
func requireStats(t *testing.T, want, got *varcov1.Stats) {
	t.Helper()
	require.Equal(t, want.GetFromDate(), got.GetFromDate(), "from_date")
	require.Equal(t, want.GetToDate(), got.GetToDate(), "to_date")
	ints := map[string][2]int32{
		"bookings": {want.GetBookings(), got.GetBookings()}, "cancelled_by_user": {want.GetCancelledByUser(), got.GetCancelledByUser()},
		"cancelled_by_operator": {want.GetCancelledByOperator(), got.GetCancelledByOperator()},
		"rescheduled":           {want.GetRescheduled(), got.GetRescheduled()}, "done": {want.GetDone(), got.GetDone()},
		"no_show": {want.GetNoShow(), got.GetNoShow()}, "slots_offered": {want.GetSlotsOffered(), got.GetSlotsOffered()},
		"entries": {want.GetEntries(), got.GetEntries()}, "exits": {want.GetExits(), got.GetExits()},
		"peak_occupancy": {want.GetPeakOccupancy(), got.GetPeakOccupancy()}, "overstays": {want.GetOverstays(), got.GetOverstays()},
	}
	for name, v := range ints {
		require.Equal(t, v[0], v[1], "%s %s", got.GetFromDate(), name)
	}
	floats := map[string][2]float64{
		"cancelled_by_user_percent":      {want.GetCancelledByUserPercent(), got.GetCancelledByUserPercent()},
		"cancelled_by_operator_percent":  {want.GetCancelledByOperatorPercent(), got.GetCancelledByOperatorPercent()},
		"rescheduled_percent":            {want.GetRescheduledPercent(), got.GetRescheduledPercent()},
		"no_show_percent":                {want.GetNoShowPercent(), got.GetNoShowPercent()},
		"avg_days_to_first_availability": {want.GetAvgDaysToFirstAvailability(), got.GetAvgDaysToFirstAvailability()},
		"saturation_percent":             {want.GetSaturationPercent(), got.GetSaturationPercent()},
		"capacity_hours":                 {want.GetCapacityHours(), got.GetCapacityHours()},
		"avg_slot_minutes":               {want.GetAvgSlotMinutes(), got.GetAvgSlotMinutes()},
	}
	for name, v := range floats {
		require.InDelta(t, v[0], v[1], 1e-9, "%s %s", got.GetFromDate(), name)
	}
}

// stOrg is the statistics test's organization and resources.
type stOrg struct {
	id, g, a, n, e string
}

// stCreate builds the organization of TestStatsEndToEnd through the
// AdminService, as an organizer would.
func stCreate(t *testing.T, back varcov1connect.AdminServiceClient, admin string) stOrg {
	t.Helper()
	ctx := context.Background()
	o, err := back.CreateOrganization(ctx, authBearer(&varcov1.CreateOrganizationRequest{Organization: &varcov1.Organization{
		Name: "Associazione Statistica", Kind: varcov1.OrganizationKind_ORGANIZATION_KIND_ASSOCIATION,
		Contacts: &varcov1.Contacts{Email: "info@statistica.example"},
	}}, admin))
	require.NoError(t, err)
	out := stOrg{id: o.Msg.GetOrganization().GetId()}
	pl, err := back.CreatePlace(ctx, authBearer(&varcov1.CreatePlaceRequest{Place: &varcov1.Place{
		OrganizationId: out.id, Name: "Sede", Address: &varcov1.Address{Street: "Via Roma 1", PostalCode: "46010", City: "Borgo Varco"},
	}}, admin))
	require.NoError(t, err)
	place := pl.Msg.GetPlace().GetId()
	create := func(r *varcov1.Resource) *varcov1.Resource {
		t.Helper()
		r.OrganizationId, r.PlaceId = out.id, place
		res, err := back.CreateResource(ctx, authBearer(&varcov1.CreateResourceRequest{Resource: r}, admin))
		require.NoError(t, err)
		return res.Msg.GetResource()
	}
	hours := func(h float64) *durationpb.Duration { return durationpb.New(time.Duration(h * float64(time.Hour))) }
	out.g = create(&varcov1.Resource{Kind: varcov1.ResourceKind_RESOURCE_KIND_GROUP, Name: "Servizi al pubblico"}).GetId()
	a := create(&varcov1.Resource{Kind: varcov1.ResourceKind_RESOURCE_KIND_APPOINTMENT, Name: "Sportello", ParentId: out.g,
		Operators: []*varcov1.Operator{{DisplayName: "Giulia"}, {DisplayName: "Paolo"}}})
	out.a = a.GetId()
	paolo := a.GetOperators()[1]
	require.Equal(t, "Paolo", paolo.GetDisplayName())
	out.n = create(&varcov1.Resource{Kind: varcov1.ResourceKind_RESOURCE_KIND_EVENT, Name: "Osservatorio", ParentId: out.g,
		Policy: &varcov1.BookingPolicy{MaxSeatsPerBooking: 6}}).GetId()
	out.e = create(&varcov1.Resource{Kind: varcov1.ResourceKind_RESOURCE_KIND_EVENT, Name: "Visita guidata", Ticketed: true,
		Policy: &varcov1.BookingPolicy{MaxSeatsPerBooking: 6, Tickets: &varcov1.TicketPolicy{
			ValidBeforeStart: hours(0.25), MaxStay: hours(1)}}}).GetId()

	rule := func(day varcov1.Weekday, from, to string, length float64, seats int32) *varcov1.WeeklyRule {
		return &varcov1.WeeklyRule{Weekday: day, StartTime: from, EndTime: to, SlotLength: hours(length), SeatsPerSlot: seats}
	}
	set := func(resource string, rules ...*varcov1.WeeklyRule) {
		t.Helper()
		_, err := back.SetSchedule(ctx, authBearer(&varcov1.SetScheduleRequest{ResourceId: resource, Rules: rules}, admin))
		require.NoError(t, err)
	}
	var weekdays []*varcov1.WeeklyRule
	for d := varcov1.Weekday_WEEKDAY_MONDAY; d <= varcov1.Weekday_WEEKDAY_FRIDAY; d++ {
		weekdays = append(weekdays, rule(d, "09:00", "10:00", 0.5, 0))
	}
	set(out.a, weekdays...)
	set(out.n, rule(varcov1.Weekday_WEEKDAY_SATURDAY, "00:00", "04:00", 1, 10), rule(varcov1.Weekday_WEEKDAY_SUNDAY, "00:00", "04:00", 1, 10),
		rule(varcov1.Weekday_WEEKDAY_MONDAY, "00:00", "01:00", 1, 10))
	set(out.e, rule(varcov1.Weekday_WEEKDAY_SATURDAY, "10:00", "14:30", 1.5, 30), rule(varcov1.Weekday_WEEKDAY_SUNDAY, "10:00", "14:30", 1.5, 30))

	for _, e := range []*varcov1.ScheduleException{
		{Kind: varcov1.ExceptionKind_EXCEPTION_KIND_CLOSURE, StartDate: "2026-03-25", EndDate: "2026-03-25", Reason: "Assemblea"},
		{Kind: varcov1.ExceptionKind_EXCEPTION_KIND_OPERATOR_UNAVAILABLE, OperatorId: paolo.GetId(), StartDate: "2026-03-26", EndDate: "2026-03-26",
			StartTime: "09:00", EndTime: "09:30", Reason: "Visita medica"},
	} {
		_, err := back.AddScheduleException(ctx, authBearer(&varcov1.AddScheduleExceptionRequest{ResourceId: out.a, Exception: e}, admin))
		require.NoError(t, err)
	}
	return out
}

// stGate enrolls an online gate (entry and exit) for E.
func stGate(t *testing.T, b *bundle, back varcov1connect.AdminServiceClient, admin string, org stOrg) scanner {
	t.Helper()
	ctx := context.Background()
	code, err := back.CreateDeviceEnrollment(ctx, authBearer(&varcov1.CreateDeviceEnrollmentRequest{OrganizationId: org.id,
		Name: "Ingresso", ResourceIds: []string{org.e}, Direction: varcov1.GateDirection_GATE_DIRECTION_BOTH}, admin))
	require.NoError(t, err)
	g := varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)
	res, err := g.Enroll(ctx, connect.NewRequest(&varcov1.EnrollRequest{EnrollmentCode: code.Msg.GetEnrollmentCode()}))
	require.NoError(t, err)
	return scanner{cred: res.Msg.GetCredential(), gate: g}
}
