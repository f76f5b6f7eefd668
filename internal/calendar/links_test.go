package calendar

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestAddToCalendarLinks(t *testing.T) {
	t.Parallel()
	rome, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	ev := Event{
		BookingID: "b1", Code: "KM7R-4TXA", Language: "it",
		// A DST day: 29 March 2026, 10:00 in Rome is 08:00 UTC.
		Start:        time.Date(2026, 3, 29, 10, 0, 0, 0, rome),
		End:          time.Date(2026, 3, 29, 10, 30, 0, 0, rome),
		ResourceName: "Carta d'identità elettronica", PlaceName: "Ufficio anagrafe",
		Documents: []string{"Foto tessera"},
		CancelURL: "https://varco.example/bookings/KM7R4TXA/cancel?token=vc_secret",
	}
	for _, tc := range []struct {
		name, link, host, path string
		want                   map[string]string
	}{
		{"google", GoogleURL(ev), "calendar.google.com", "/calendar/render", map[string]string{
			"action": "TEMPLATE", "text": "Carta d'identità elettronica – KM7R-4TXA",
			"dates": "20260329T080000Z/20260329T083000Z", "location": "Ufficio anagrafe",
		}},
		{"outlook", OutlookURL(ev), "outlook.live.com", "/calendar/0/deeplink/compose", map[string]string{
			"rru": "addevent", "subject": "Carta d'identità elettronica – KM7R-4TXA",
			"startdt": "2026-03-29T08:00:00Z", "enddt": "2026-03-29T08:30:00Z", "location": "Ufficio anagrafe",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, err := url.Parse(tc.link)
			require.NoError(t, err)
			require.Equal(t, "https", u.Scheme)
			require.Equal(t, tc.host, u.Host)
			require.Equal(t, tc.path, u.Path)
			q := u.Query()
			for k, v := range tc.want {
				require.Equal(t, v, q.Get(k), k)
			}
			details := q.Get("details") + q.Get("body")
			require.Contains(t, details, "KM7R-4TXA")
			require.Contains(t, details, "Foto tessera")
			// The cancel token never goes to a third party.
			require.NotContains(t, tc.link, "vc_secret")
			require.False(t, strings.Contains(details, "cancel"), details)
		})
	}
}
