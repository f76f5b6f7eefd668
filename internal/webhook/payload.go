package webhook

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// Payload is the JSON body of every delivery. It carries what a municipal
// back office needs to follow bookings and attendance, and no personal
// data: no names, codice fiscale, contacts, birth data, reasons or notes.
// The booking code lets staff look a booking up in Varco, where that access
// is authorized and audited.
type Payload struct {
	// ID is the event id: stable across retries and replays, so receivers
	// de-duplicate on it.
	ID         string    `json:"id"`
	Type       Event     `json:"type"`
	OccurredAt time.Time `json:"occurred_at"`
	// OrganizationID is the organization the webhook belongs to.
	OrganizationID string `json:"organization_id"`
	// Booking is the booking the event is about; for reschedules, the new
	// booking.
	Booking *BookingData `json:"booking,omitempty"`
	// PreviousBooking is the booking a reschedule replaced.
	PreviousBooking *BookingData `json:"previous_booking,omitempty"`
	// Change says who made a booking change.
	Change *ChangeData `json:"change,omitempty"`
	Ticket *TicketData `json:"ticket,omitempty"`
	Scan   *ScanData   `json:"scan,omitempty"`
}

// BookingData is a booking without personal data.
type BookingData struct {
	ID           string    `json:"id"`
	Code         string    `json:"code"`
	ResourceID   string    `json:"resource_id"`
	ResourceName string    `json:"resource_name"`
	PlaceID      string    `json:"place_id"`
	OperatorID   string    `json:"operator_id,omitempty"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	Seats        int       `json:"seats"`
	// Status after the event: confirmed, cancelled_by_user,
	// cancelled_by_operator, done, no_show, rescheduled.
	Status string `json:"status"`
	// Channel is "online" (booked by the citizen) or "counter" (by staff).
	Channel string `json:"channel"`
}

// ChangeData is who made a booking change: citizen, staff, system (e.g.
// a schedule change), cancel_link (the link in the e-mail) or device.
type ChangeData struct {
	Actor string `json:"actor"`
}

// TicketData is an entry ticket's gate state.
type TicketData struct {
	ID    string `json:"id"`
	Seats int    `json:"seats"`
	// EnteredAt is the first entry, which starts the maximum stay.
	EnteredAt *time.Time `json:"entered_at,omitempty"`
	// ExpiresAt is the end of the maximum stay, when there is one.
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// ScanData is the gate scan that let the holder in or out.
type ScanData struct {
	ID       string `json:"id"`
	DeviceID string `json:"device_id"`
	// Verdict is "accepted", or "flagged" for an exit after the stay ran
	// out (the overstay).
	Verdict string `json:"verdict"`
	// Reason is the scan reason ("OK", "STAY_EXPIRED", ...).
	Reason     string    `json:"reason"`
	ScannedAt  time.Time `json:"scanned_at"` // device clock
	ReceivedAt time.Time `json:"received_at"`
	// Offline scans were decided by the scanner and uploaded later;
	// Conflict means the server would have decided otherwise.
	Offline  bool `json:"offline"`
	Conflict bool `json:"conflict"`
}

// Encode marshals a payload.
func (p Payload) Encode() ([]byte, error) {
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode webhook payload: %w", err)
	}
	return b, nil
}

// eventNamespace derives event ids: the same source record always gives
// the same id, across feeder restarts and replays.
var eventNamespace = uuid.MustParse("6f1f3c2e-8a4b-5d7e-9c10-2b3a4d5e6f70")

// EventID derives the id of the event a source record produced. The key
// names the record and what identifies it beyond its row number, so a
// number SQLite reuses after a deletion gives a different id.
func EventID(key string) string {
	return uuid.NewSHA1(eventNamespace, []byte(key)).String()
}

func utc(t time.Time) time.Time { return t.UTC() }

func ptime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}
