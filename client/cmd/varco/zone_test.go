package main

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// The CLI runs on machines in UTC (a server, a container): bookings and
// occupancy are shown in the place's zone, as the e-mails are, with the
// zone named, whatever the machine's zone.
func TestTimesInThePlacesZone(t *testing.T) {
	t.Parallel()
	rome := &varcov1.Place{Name: "Museo", TimeZone: "Europe/Rome"}
	winter := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)  // 10:00 CET
	summer := time.Date(2026, 7, 6, 21, 30, 0, 0, time.UTC) // 23:30 CEST
	tests := []struct {
		name  string
		place *varcov1.Place
		start time.Time
		want  string
	}{
		{"winter", rome, winter, "2026-12-06 10:00 CET"},
		{"summer", rome, summer, "2026-07-06 23:30 CEST"},
		{"a place naming no zone is in Rome", &varcov1.Place{}, winter, "2026-12-06 10:00 CET"},
		{"another zone", &varcov1.Place{TimeZone: "Europe/London"}, winter, "2026-12-06 09:00 GMT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			c := &cli{output: "table", lang: "en", stdout: &out}
			b := &varcov1.Booking{Code: "KM7R-4TXA", ResourceName: "Visita guidata", Seats: 2, Place: tc.place,
				Span: &varcov1.TimeRange{Start: timestamppb.New(tc.start)}, LocalStart: "local"}
			require.NoError(t, c.printBookings([]*varcov1.Booking{b}, true))
			require.Contains(t, out.String(), tc.want)
		})
	}

	var out bytes.Buffer
	c := &cli{output: "table", lang: "en", stdout: &out}
	names := map[string]resourceInfo{"r1": {name: "Visita guidata", zone: placeZone(rome)}}
	require.NoError(t, c.printOccupancy(&varcov1.WatchOccupancyResponse{At: timestamppb.New(winter.Add(30 * time.Second)),
		Occupancy: []*varcov1.Occupancy{{ResourceId: "r1", SlotStart: timestamppb.New(winter), Inside: 3, Booked: 5}}}, names))
	require.Contains(t, out.String(), "10:00:30 CET")
	require.Contains(t, out.String(), "slot 10:00")
	out.Reset()
	require.NoError(t, c.printOccupancy(&varcov1.WatchOccupancyResponse{At: timestamppb.New(winter)}, names))
	require.Contains(t, out.String(), "10:00:00 CET  nobody booked")
}
