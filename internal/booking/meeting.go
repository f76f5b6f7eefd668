package booking

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/outbox"
)

// maxMeetingURL bounds an operator's link, as catalog bounds a resource's.
const maxMeetingURL = 500

// SetMeetingURL sets (or, with "", clears) the video-call link of one
// booking, overriding the resource's configured meeting in the booking's
// details, messages and calendar file, and e-mails the citizen the new
// link. Only active video-call bookings have one.
func (s *Service) SetMeetingURL(ctx context.Context, staff Actor, bookingID, link string) (Booking, error) {
	if bookingID == "" {
		return Booking{}, fault.InvalidField("booking_id", "required")
	}
	link = strings.TrimSpace(link)
	if link != "" {
		u, err := url.Parse(link)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || utf8.RuneCountInString(link) > maxMeetingURL {
			return Booking{}, fault.InvalidField("meeting_url", "meeting_url")
		}
	}
	now := s.clk.Now()
	err := s.store.InTx(ctx, func(tx Tx) error {
		b, err := bookingInTx(ctx, tx, bookingID)
		if err != nil {
			return err
		}
		if b.Mode != catalog.ModeVideoCall {
			return fault.InvalidField("meeting_url", "not_video_call")
		}
		if !b.Active() {
			return ErrNotRescheduable
		}
		if err := tx.SetMeetingURL(ctx, b.ID, link, now); err != nil {
			return err
		}
		if err := tx.AddHistory(ctx, b.ID, Change{Status: b.Status, At: now, Actor: staff, Reason: link, Event: EventMeetingURLSet}); err != nil {
			return err
		}
		return tx.Enqueue(ctx, outbox.Message{ID: newID(), Kind: outbox.KindBookingMeetingLink, BookingID: b.ID,
			SubjectKey: outbox.BookingSubject(b.ID), DueAt: now, CreatedAt: now,
			Payload: outbox.Encode(outbox.BookingPayload{BookingID: b.ID})})
	})
	if err != nil {
		return Booking{}, fmt.Errorf("set meeting link: %w", err)
	}
	return s.store.GetBooking(ctx, bookingID)
}
