package catalog

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/varco-gate/varco/internal/fault"
)

// MeetingKind is how a video-call booking gets its link; values match
// varco.v1.MeetingKind.
type MeetingKind int

// Meeting kinds.
const (
	MeetingNone           MeetingKind = 0
	MeetingFixedLink      MeetingKind = 1
	MeetingRoomPerBooking MeetingKind = 2
)

// Meeting configures the links of a resource's video-call bookings.
type Meeting struct {
	Kind MeetingKind
	// URL is the meeting (fixed link) or the base of the rooms.
	URL string
}

// maxMeetingURL bounds the link's length.
const maxMeetingURL = 500

// validateMeeting checks m under field: an https URL with a host for
// every kind but none.
func validateMeeting(field string, m Meeting) (Meeting, error) {
	m.URL = strings.TrimSpace(m.URL)
	switch m.Kind {
	case MeetingNone:
		if m.URL != "" {
			return m, fault.InvalidField(field+".url", "meeting_url_without_kind")
		}
		return m, nil
	case MeetingFixedLink, MeetingRoomPerBooking:
	default:
		return m, fault.InvalidField(field+".kind", "unknown_value")
	}
	u, err := url.Parse(m.URL)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || utf8.RuneCountInString(m.URL) > maxMeetingURL {
		return m, fault.InvalidField(field+".url", "meeting_url")
	}
	return m, nil
}

// LinkFor is the meeting link of one booking: the fixed link, or a room of
// its own on the base URL, named by an HMAC of the booking id keyed by
// secret (a secret of the booking the server keeps, so the name can be
// neither guessed nor made up by someone else). "" for MeetingNone.
func (m Meeting) LinkFor(bookingID string, secret [32]byte) string {
	switch m.Kind {
	case MeetingFixedLink:
		return m.URL
	case MeetingRoomPerBooking:
		mac := hmac.New(sha256.New, secret[:])
		mac.Write([]byte("varco-meeting-room:" + bookingID))
		room := "Varco" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(mac.Sum(nil)[:15]))
		return strings.TrimRight(m.URL, "/") + "/" + room
	}
	return ""
}
