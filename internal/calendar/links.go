package calendar

import (
	"net/url"
	"strings"
	"time"
)

// The "add to calendar" links of the two web calendars most citizens use.
// They carry the event in the URL and are opened by the person's browser:
// nothing is sent to Google or Microsoft unless the person follows the
// link, and the event's text holds no token (the cancel link is left out
// even when the event has one) and nothing about the person.

// GoogleURL is the link that opens Google Calendar's "new event" form
// filled with ev (the documented TEMPLATE action).
func GoogleURL(ev Event) string {
	t := texts(ev.Language)
	q := url.Values{
		"action":  {"TEMPLATE"},
		"text":    {ev.summary(t)},
		"dates":   {ev.Start.UTC().Format(googleTime) + "/" + ev.End.UTC().Format(googleTime)},
		"details": {ev.publicDescription(t)},
	}
	if loc := ev.location(t); loc != "" {
		q.Set("location", loc)
	}
	return "https://calendar.google.com/calendar/render?" + q.Encode()
}

// OutlookURL is the link that opens Outlook.com's compose form filled
// with ev (the deeplink that Outlook's own "add to calendar" buttons use).
func OutlookURL(ev Event) string {
	t := texts(ev.Language)
	q := url.Values{
		"path":    {"/calendar/action/compose"},
		"rru":     {"addevent"},
		"subject": {ev.summary(t)},
		"startdt": {ev.Start.UTC().Format(time.RFC3339)},
		"enddt":   {ev.End.UTC().Format(time.RFC3339)},
		"body":    {ev.publicDescription(t)},
	}
	if loc := ev.location(t); loc != "" {
		q.Set("location", loc)
	}
	return "https://outlook.live.com/calendar/0/deeplink/compose?" + q.Encode()
}

// googleTime is the UTC basic format Google's dates parameter takes.
const googleTime = "20060102T150405Z"

// publicDescription is the event's description without the cancel link:
// the text goes into a third party's URL.
func (ev Event) publicDescription(t labels) string {
	ev.CancelURL = ""
	return strings.TrimSpace(ev.description(t))
}
