package main

import (
	"time"
	// The place's zone must be known even on a machine without
	// /usr/share/zoneinfo (a container, a gate box).
	_ "time/tzdata"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// defaultZone is the zone of a place that names none (see Place.time_zone).
const defaultZone = "Europe/Rome"

// placeZone is the time zone of a place: times of bookings, slots and
// occupancy are shown in it, as the e-mails do, whatever the zone of the
// machine running the CLI (UTC on a server or a container).
func placeZone(p *varcov1.Place) *time.Location {
	tz := p.GetTimeZone()
	if tz == "" {
		tz = defaultZone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.Local
	}
	return loc
}

// inZone formats an instant in loc with the zone's abbreviation, so a
// reader never has to guess which clock a time is on.
func inZone(t time.Time, loc *time.Location, layout string) string {
	return t.In(loc).Format(layout + " MST")
}

// bookingWhen is the start of a booking in its place's zone.
func bookingWhen(b *varcov1.Booking) string {
	if b.GetSpan().GetStart() == nil {
		return b.GetLocalStart()
	}
	return inZone(b.GetSpan().GetStart().AsTime(), placeZone(b.GetPlace()), "2006-01-02 15:04")
}
