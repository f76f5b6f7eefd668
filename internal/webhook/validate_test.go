package webhook

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/fault"
)

func TestValidateURL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		url          string
		allowPrivate bool
		code         string // "" = valid
	}{
		{"https://backoffice.comune.example/varco", false, ""},
		{"https://backoffice.comune.example:8443/hooks?k=v", false, ""},
		{"https://93.184.216.34/hooks", false, ""},
		{"", false, "url_required"},
		{"https://example.org/" + strings.Repeat("a", MaxURLLength), false, "url_too_long"},
		{"http://example.org/h", false, "url_not_https"},
		{"HTTPS://example.org/h", false, ""},
		{"ftp://example.org/h", false, "url_not_https"},
		{"https://u:p@example.org/h", false, "url_userinfo"},
		{"https://u@example.org/h", false, "url_userinfo"},
		{"https:///h", false, "url_malformed"},
		{"https:example.org", false, "url_malformed"},
		{"https://example.org/h#frag", false, "url_malformed"},
		{"https://example.org:99999/h", false, "url_malformed"},
		{"https://exa mple.org/h", false, "url_malformed"},
		{"https://127.0.0.1/h", false, "url_private_address"},
		{"https://127.0.0.1/h", true, ""},
		{"https://localhost/h", false, "url_private_address"},
		{"https://LOCALHOST./h", false, "url_private_address"},
		{"https://api.localhost/h", false, "url_private_address"},
		{"https://[::1]:8443/h", false, "url_private_address"},
		{"https://[::ffff:10.0.0.1]/h", false, "url_private_address"},
		{"https://192.168.1.10/h", false, "url_private_address"},
		{"https://172.16.0.1/h", false, "url_private_address"},
		{"https://169.254.169.254/h", false, "url_private_address"},
		{"https://100.64.0.1/h", false, "url_private_address"},
		{"https://0.0.0.0/h", false, "url_private_address"},
		{"https://[fd00::1]/h", false, "url_private_address"},
	} {
		err := ValidateURL(tc.url, tc.allowPrivate)
		if tc.code == "" {
			require.NoError(t, err, tc.url)
			continue
		}
		var fe *fault.Error
		require.True(t, errors.As(err, &fe), tc.url)
		require.Equal(t, tc.code, fe.Code, tc.url)
		require.Equal(t, "url", fe.Field)
	}
}

func TestParseEventsAndSecret(t *testing.T) {
	t.Parallel()
	evs, err := ParseEvents([]int32{7, 1, 7})
	require.NoError(t, err)
	require.Equal(t, []Event{TicketExpired, BookingCreated}, evs)
	for _, bad := range [][]int32{nil, {0}, {8}, {-1}} {
		_, err := ParseEvents(bad)
		var fe *fault.Error
		require.True(t, errors.As(err, &fe))
		require.Equal(t, "events", fe.Field)
	}
	for i, e := range Events {
		require.Equal(t, int32(i+1), e.Number())
	}
	s1, err := NewSecret()
	require.NoError(t, err)
	s2, _ := NewSecret()
	require.NotEqual(t, s1, s2)
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(s1, SecretPrefix))
	require.NoError(t, err)
	require.Len(t, raw, 32)
}

// History lines and scans map to events; what is not an event of its own
// is skipped.
func TestPayloadMapping(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	h := HistoryRecord{ID: 7, BookingID: "b1", Status: int(booking.Confirmed), At: at, ActorKind: int(booking.ActorCitizen),
		OrganizationID: "o", Booking: BookingData{ID: "b1", Code: "AAAA-BBBB"}}
	p, ok := historyPayload(h)
	require.True(t, ok)
	require.Equal(t, BookingCreated, p.Type)
	again, _ := historyPayload(h)
	require.Equal(t, p.ID, again.ID, "stable event id")
	h.RescheduledFrom = "b0"
	_, ok = historyPayload(h)
	require.False(t, ok, "part of a reschedule")
	h.Status, h.Next = int(booking.Rescheduled), &BookingData{ID: "b2", Code: "CCCC-DDDD"}
	p, ok = historyPayload(h)
	require.True(t, ok)
	require.Equal(t, BookingRescheduled, p.Type)
	require.Equal(t, "b2", p.Booking.ID)
	require.Equal(t, "confirmed", p.Booking.Status)
	require.Equal(t, "rescheduled", p.PreviousBooking.Status)
	h.Status, h.ID = int(booking.NoShow), 8
	p, _ = historyPayload(h)
	require.Equal(t, BookingAttendance, p.Type)
	require.Equal(t, "no_show", p.Booking.Status)
	require.NotEqual(t, again.ID, p.ID)

	s := ScanRecord{Seq: 1, ID: "s1", TicketID: "t1", Direction: 1, Verdict: 2, ReceivedAt: at, ScannedAt: at.Add(-time.Minute),
		Booking: &BookingData{ID: "b1"}}
	_, ok = scanPayload(s)
	require.False(t, ok, "refused")
	s.Offline, s.LocalVerdict, s.Conflict = true, 1, true
	p, ok = scanPayload(s)
	require.True(t, ok, "the offline gate let them in: it happened")
	require.Equal(t, TicketEntered, p.Type)
	require.Equal(t, at.Add(-time.Minute), p.OccurredAt, "device time for offline scans")
	require.True(t, p.Scan.Conflict)
	s.Offline, s.Verdict, s.Direction = false, 3, 2
	p, _ = scanPayload(s)
	require.Equal(t, TicketExited, p.Type)
	require.Equal(t, "flagged", p.Scan.Verdict)
	require.Equal(t, at, p.OccurredAt)
	s.Booking = nil
	_, ok = scanPayload(s)
	require.False(t, ok, "unknown ticket")
}
