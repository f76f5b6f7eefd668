package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/store/sqlite"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// keepOutbox stops the dispatcher, which would send (and clear) the
// confirmation at once, before the test reads its cancel token.
var keepOutbox = []app.Option{app.WithManualDispatch()}

// cancelTokenFromOutbox reads the cancel-link secret the confirmation
// e-mail will carry: it exists in plain form only in that outbox row.
func cancelTokenFromOutbox(t *testing.T, b *bundle, bookingID string) string {
	t.Helper()
	db, err := sqlite.Open(context.Background(), b.dbPath, sqlite.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	require.NoError(t, err)
	defer db.Close()
	msgs, err := db.PendingMessages(context.Background(), bookingID)
	require.NoError(t, err)
	for _, m := range msgs {
		if m.Kind == outbox.KindBookingConfirmed || m.Kind == outbox.KindBookingRescheduled {
			var p outbox.BookingPayload
			require.NoError(t, json.Unmarshal(m.Payload, &p))
			return p.CancelToken
		}
	}
	t.Fatalf("no confirmation message for %s", bookingID)
	return ""
}

func requireReason(t *testing.T, err error, code connect.Code, reason string) {
	t.Helper()
	require.Equal(t, code, connect.CodeOf(err), "%v", err)
	require.Equal(t, reason, reasonOf(err), "%v", err)
}

func TestBookingErrorsAndLifecycle(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupOpts(t, clk, keepOutbox)
	people := registerCitizens(t, b, "ERR", 3)
	mario, anna, luca := people[0], people[1], people[2]
	ctx := context.Background()
	slot := tourSlot(t, b, clk.Now(), 0)
	privacy := []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY}

	// Unknown hold.
	_, err := mario.booking.ConfirmBooking(ctx, authBearer(&varcov1.ConfirmBookingRequest{
		HoldId: uuid.NewString(), IdempotencyKey: uuid.NewString(), Consents: privacy}, mario.token))
	requireReason(t, err, connect.CodeNotFound, "hold_not_found")

	// Someone else's hold.
	h, err := mario.hold(ctx, slot.GetStart(), 2)
	require.NoError(t, err)
	_, err = anna.booking.ConfirmBooking(ctx, authBearer(&varcov1.ConfirmBookingRequest{
		HoldId: h.GetId(), IdempotencyKey: uuid.NewString(), Consents: privacy}, anna.token))
	requireReason(t, err, connect.CodePermissionDenied, "hold_not_yours")

	// Missing consent and invalid person data name the field.
	_, err = mario.booking.ConfirmBooking(ctx, authBearer(&varcov1.ConfirmBookingRequest{
		HoldId: h.GetId(), IdempotencyKey: uuid.NewString()}, mario.token))
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
	requireFieldViolation(t, err, "consents")
	for field, p := range map[string]*varcov1.Person{
		"beneficiary.codice_fiscale": {GivenName: "Lia", FamilyName: "Neri", CodiceFiscale: "RSSMRA85T10A562X", Email: "lia@example.it"},
		"beneficiary.email":          {GivenName: "Lia", FamilyName: "Neri", CodiceFiscale: "BNCLRA92E52F205Y", Email: "lia@"},
		"beneficiary.given_name":     {GivenName: "L1a", FamilyName: "Neri", CodiceFiscale: "BNCLRA92E52F205Y", Email: "lia@example.it"},
		"beneficiary.birth_date":     {GivenName: "Lia", FamilyName: "Neri", CodiceFiscale: "BNCLRA92E52F205Y", Email: "lia@example.it", BirthDate: "1990-01-01"},
	} {
		_, err = mario.booking.ConfirmBooking(ctx, authBearer(&varcov1.ConfirmBookingRequest{
			HoldId: h.GetId(), IdempotencyKey: uuid.NewString(), Consents: privacy, Beneficiary: p}, mario.token))
		require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), field)
		requireFieldViolation(t, err, field)
	}

	// Booking on behalf of someone else, retried with the same key.
	key := uuid.NewString()
	confirm := func() *varcov1.Booking {
		res, err := mario.booking.ConfirmBooking(ctx, authBearer(&varcov1.ConfirmBookingRequest{
			HoldId: h.GetId(), IdempotencyKey: key, Consents: privacy, Reason: "Visita con la nonna",
			Beneficiary: &varcov1.Person{GivenName: "Laura", FamilyName: "Bianchi", CodiceFiscale: "bnclra92e52f205y", Email: "laura@example.it"},
		}, mario.token))
		require.NoError(t, err)
		return res.Msg.GetBooking()
	}
	first := confirm()
	again := confirm()
	require.Equal(t, first.GetId(), again.GetId(), "a retried confirm returns the same booking")
	require.True(t, first.GetOnBehalf())
	require.Equal(t, "BNCLRA92E52F205Y", first.GetBeneficiary().GetCodiceFiscale())
	require.Equal(t, "1992-05-12", first.GetBeneficiary().GetBirthDate(), "derived from the codice fiscale")
	require.Equal(t, int32(2), first.GetSeats())
	left, _ := seatsLeft(t, b, slot)
	require.Equal(t, int32(28), left)

	// Expired hold: the clock passes the 10-minute countdown.
	h2, err := luca.hold(ctx, slot.GetStart(), 1)
	require.NoError(t, err)
	clk.Advance(11 * time.Minute)
	_, err = luca.confirm(ctx, h2.GetId())
	requireReason(t, err, connect.CodeFailedPrecondition, "hold_expired")

	// The cancel link works without logging in; a wrong token does not.
	tok := cancelTokenFromOutbox(t, b, first.GetId())
	// One character changed (never to itself: a token may have an "A" there).
	wrong := "A"
	if tok[3] == 'A' {
		wrong = "B"
	}
	_, err = luca.booking.GetBooking(ctx, connect.NewRequest(&varcov1.GetBookingRequest{Code: first.GetCode(), CancelToken: "vc_" + wrong + tok[4:]}))
	requireReason(t, err, connect.CodePermissionDenied, "cancel_token_invalid")
	_, err = luca.booking.CancelBooking(ctx, connect.NewRequest(&varcov1.CancelBookingRequest{Code: first.GetCode(), CancelToken: "vc_nope"}))
	requireReason(t, err, connect.CodePermissionDenied, "cancel_token_invalid")
	viaLink, err := luca.booking.GetBooking(ctx, connect.NewRequest(&varcov1.GetBookingRequest{Code: first.GetCode(), CancelToken: tok}))
	require.NoError(t, err)
	require.Equal(t, first.GetId(), viaLink.Msg.GetBooking().GetId())

	// Another citizen cannot see or cancel it by id.
	_, err = anna.booking.CancelBooking(ctx, authBearer(&varcov1.CancelBookingRequest{BookingId: first.GetId()}, anna.token))
	requireReason(t, err, connect.CodeNotFound, "booking_not_found")

	// Reschedule to another slot: new seats taken, old ones given back.
	other := tourSlot(t, b, clk.Now(), 1)
	moved, err := mario.booking.RescheduleBooking(ctx, authBearer(&varcov1.RescheduleBookingRequest{
		BookingId: first.GetId(), NewSlotStart: other.GetStart(), IdempotencyKey: uuid.NewString()}, mario.token))
	require.NoError(t, err)
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_RESCHEDULED, moved.Msg.GetPrevious().GetStatus())
	require.Equal(t, moved.Msg.GetBooking().GetId(), moved.Msg.GetPrevious().GetRescheduledToId())
	require.Equal(t, first.GetId(), moved.Msg.GetBooking().GetRescheduledFromId())
	left, _ = seatsLeft(t, b, slot)
	require.Equal(t, int32(30), left)
	left, _ = seatsLeft(t, b, other)
	require.Equal(t, int32(28), left)

	// Cancel with the new booking's link, after the cut-off (2 hours before
	// the start for the tour): refused, the seats stay booked.
	newTok := cancelTokenFromOutbox(t, b, moved.Msg.GetBooking().GetId())
	clk.Set(other.GetStart().AsTime().Add(-time.Hour))
	_, err = luca.booking.CancelBooking(ctx, connect.NewRequest(&varcov1.CancelBookingRequest{
		Code: moved.Msg.GetBooking().GetCode(), CancelToken: newTok}))
	requireReason(t, err, connect.CodeFailedPrecondition, "cancel_cutoff_passed")
	clk.Set(other.GetStart().AsTime().Add(-3 * time.Hour))
	cancelled, err := luca.booking.CancelBooking(ctx, connect.NewRequest(&varcov1.CancelBookingRequest{
		Code: moved.Msg.GetBooking().GetCode(), CancelToken: newTok, Reason: "Imprevisto"}))
	require.NoError(t, err)
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CANCELLED_BY_USER, cancelled.Msg.GetBooking().GetStatus())
	hist := cancelled.Msg.GetBooking().GetHistory()
	require.Equal(t, "Imprevisto", hist[len(hist)-1].GetReason())
	require.Equal(t, varcov1.PrincipalKind_PRINCIPAL_KIND_ANONYMOUS, hist[len(hist)-1].GetActor().GetKind(), "cancelled from the e-mail link")
	_, err = luca.booking.CancelBooking(ctx, connect.NewRequest(&varcov1.CancelBookingRequest{
		Code: moved.Msg.GetBooking().GetCode(), CancelToken: newTok}))
	requireReason(t, err, connect.CodeFailedPrecondition, "not_cancellable")

	// Mario's list shows the rescheduled and cancelled bookings.
	list, err := mario.booking.ListMyBookings(ctx, authBearer(&varcov1.ListMyBookingsRequest{}, mario.token))
	require.NoError(t, err)
	require.Len(t, list.Msg.GetBookings(), 2)
}

// The e-mail's cancel link opens a page without login; its form cancels.
func TestCancelLinkPage(t *testing.T) {
	t.Parallel()
	b := setupOpts(t, clock.Real{}, keepOutbox)
	p := registerCitizens(t, b, "LNK", 1)[0]
	ctx := context.Background()
	slot := tourSlot(t, b, time.Now(), 0)
	h, err := p.hold(ctx, slot.GetStart(), 1)
	require.NoError(t, err)
	bk, err := p.confirm(ctx, h.GetId())
	require.NoError(t, err)
	tok := cancelTokenFromOutbox(t, b, bk.GetId())
	link := b.baseURL + "/bookings/" + bk.GetCode() + "/cancel?token=" + tok

	res, err := http.Get(link)
	require.NoError(t, err)
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, string(page), bk.GetCode())
	require.Contains(t, string(page), "Annulla la prenotazione")

	res, err = http.Get(b.baseURL + "/bookings/" + bk.GetCode() + "/cancel?token=vc_wrong")
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusNotFound, res.StatusCode)

	res, err = http.PostForm(link, url.Values{"reason": {"Ho cambiato idea"}})
	require.NoError(t, err)
	page, _ = io.ReadAll(res.Body)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Contains(t, string(page), "è stata annullata")
	left, _ := seatsLeft(t, b, slot)
	require.Equal(t, int32(30), left, "the seat is free again")
}

// A group asking for more seats than are left is told how many are left.
func TestGroupToldHowManySeatsAreLeft(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx := context.Background()
	people := registerCitizens(t, b, "GRP", 6)
	slot := tourSlot(t, b, time.Now(), 0) // 30 seats, at most 6 a booking
	for i, seats := range []int32{6, 6, 6, 6, 5} {
		_, err := people[i].hold(ctx, slot.GetStart(), seats)
		require.NoError(t, err)
	}
	bookings := varcov1connect.NewBookingServiceClient(http.DefaultClient, b.baseURL)
	hold := func(lang string) error {
		req := authBearer(&varcov1.HoldSlotsRequest{ResourceId: demo.TourID, SlotStart: slot.GetStart(), Seats: 2}, people[5].token)
		req.Header().Set("Accept-Language", lang)
		_, err := bookings.HoldSlots(ctx, req)
		return err
	}
	err := hold("it")
	require.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err))
	require.Equal(t, "slot_full", reasonOf(err), "the same stable code")
	require.Contains(t, err.Error(), "resta solo 1 posto dei 2 richiesti")
	require.Contains(t, hold("en").Error(), "Only 1 of the 2 seats asked for is left")
	_, err = people[5].hold(ctx, slot.GetStart(), 1)
	require.NoError(t, err, "the last seat can still be had")
	require.NotContains(t, hold("it").Error(), "resta solo", "a full slot is simply full")
}
