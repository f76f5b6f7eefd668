package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/mail"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/notify/email/mailtest"
	"github.com/varco-gate/varco/internal/notify/push/pushtest"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// waiter is a citizen with a waiting-list client.
type waiter struct {
	citizen
	lists varcov1connect.WaitlistServiceClient
}

func waiters(b *bundle, cs []citizen) []waiter {
	out := make([]waiter, len(cs))
	for i, c := range cs {
		out[i] = waiter{c, varcov1connect.NewWaitlistServiceClient(newHTTPClient(), b.baseURL)}
	}
	return out
}

func (w waiter) join(ctx context.Context, slot *varcov1.Slot, seats int32) (*varcov1.WaitlistEntry, error) {
	res, err := w.lists.JoinWaitlist(ctx, authBearer(&varcov1.JoinWaitlistRequest{ResourceId: demo.TourID, SlotStart: slot.GetStart(), Seats: seats}, w.token))
	if err != nil {
		return nil, err
	}
	return res.Msg.GetEntry(), nil
}

// mine is the waiter's entry for the slot.
func (w waiter) mine(t *testing.T, slot *varcov1.Slot) *varcov1.WaitlistEntry {
	t.Helper()
	res, err := w.lists.ListMyWaitlist(context.Background(), authBearer(&varcov1.ListMyWaitlistRequest{}, w.token))
	require.NoError(t, err)
	for _, e := range res.Msg.GetEntries() {
		if e.GetSlot().GetStart().AsTime().Equal(slot.GetStart().AsTime()) {
			return e
		}
	}
	t.Fatal("no entry for the slot")
	return nil
}

// fillTour books every seat of a tour slot (5 × 6 seats).
func fillTour(t *testing.T, b *bundle, prefix string, slot *varcov1.Slot) ([]citizen, []*varcov1.Booking) {
	t.Helper()
	cs := registerCitizens(t, b, prefix, 5)
	var out []*varcov1.Booking
	for _, c := range cs {
		bk, _ := bookTour(t, c, slot, 6)
		out = append(out, bk)
	}
	left, _ := seatsLeft(t, b, slot)
	require.Zero(t, left)
	return cs, out
}

// The waiting list end to end, on both engines: a full slot's line, a
// cancellation offering the freed seats in the same transaction (e-mail
// through a real SMTP server, Web Push through a push service), strict
// order (a request that does not fit blocks those behind it), an offer
// confirmed, an offer lapsing on the fake clock and passing on, raised
// capacity serving several in order, the staff list and the statistics.
func TestWaitlistEndToEnd(t *testing.T) {
	t.Parallel()
	forEngines(t, waitlistEndToEnd)
}

func waitlistEndToEnd(t *testing.T, onEngine func(*config.Config)) {
	clk := clock.NewFake(time.Now())
	sink := &mailtest.Sink{}
	port := mailtest.Start(t, sink, mailtest.PlainOnly, nil)
	lt := &lateTransport{}
	b := setupOpts(t, clk, []app.Option{app.WithManualDispatch(), app.WithPushHTTPClient(&http.Client{Transport: lt})},
		onEngine, func(c *config.Config) {
			c.SMTPHost, c.SMTPPort, c.SMTPTLS = "127.0.0.1", port, "none"
			c.MailFrom, c.VAPIDSubject, c.PushAllowAnyHTTPS = "Comune <noreply@comune.example>", "mailto:varco@comune.example", true
		})
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	notifications := varcov1connect.NewNotificationServiceClient(http.DefaultClient, b.baseURL)
	key, err := notifications.GetVapidPublicKey(ctx, connect.NewRequest(&varcov1.GetVapidPublicKeyRequest{}))
	require.NoError(t, err)
	push := pushtest.New(t, key.Msg.GetPublicKey(), "mailto:varco@comune.example", pushtest.Always201)
	lt.rt.Store(push.Client().Transport)

	slot := tourSlot(t, b, clk.Now(), 0)
	fillers, booked := fillTour(t, b, "WLF", slot)
	ws := waiters(b, registerCitizens(t, b, "WLW", 5))
	a, bb, c, d, e := ws[0], ws[1], ws[2], ws[3], ws[4]
	_, err = notifications.SubscribePush(ctx, authBearer(&varcov1.SubscribePushRequest{Endpoint: push.Endpoint, P256Dh: push.P256dh(), Auth: push.Auth()}, a.token))
	require.NoError(t, err)
	mailsBefore := len(sink.Messages())

	// Validation and refusals.
	_, err = a.join(ctx, slot, 7)
	requireFieldViolation(t, err, "seats")
	_, err = a.lists.JoinWaitlist(ctx, authBearer(&varcov1.JoinWaitlistRequest{SlotStart: slot.GetStart()}, a.token))
	requireFieldViolation(t, err, "resource_id")
	_, err = a.join(ctx, tourSlot(t, b, clk.Now(), 1), 1)
	require.Equal(t, "slot_not_full", reasonOf(err), "a slot with seats is booked, not waited for")

	// The line: A 2 seats, B 1, C 4, D 1, E 1.
	for i, w := range []struct {
		who   waiter
		seats int32
	}{{a, 2}, {bb, 1}, {c, 4}, {d, 1}, {e, 1}} {
		en, err := w.who.join(ctx, slot, w.seats)
		require.NoError(t, err)
		require.EqualValues(t, i+1, en.GetPosition())
		require.Equal(t, varcov1.WaitlistState_WAITLIST_STATE_WAITING, en.GetState())
	}
	_, err = a.join(ctx, slot, 1)
	require.Equal(t, "already_waiting", reasonOf(err))

	// A cancellation frees 6 seats: A (2) and B (1) get offers at once; C
	// wants 4 of the 3 left and keeps its place, and D and E, who would
	// fit, do not overtake it.
	_, err = fillers[0].booking.CancelBooking(ctx, authBearer(&varcov1.CancelBookingRequest{BookingId: booked[0].GetId()}, fillers[0].token))
	require.NoError(t, err)
	offerA := a.mine(t, slot)
	require.Equal(t, varcov1.WaitlistState_WAITLIST_STATE_OFFERED, offerA.GetState())
	require.NotEmpty(t, offerA.GetHoldId())
	require.Equal(t, clk.Now().Add(30*time.Minute).UnixMilli(), offerA.GetOfferExpiresAt().AsTime().UnixMilli(), "30 minutes by default")
	require.Equal(t, varcov1.WaitlistState_WAITLIST_STATE_OFFERED, bb.mine(t, slot).GetState())
	for _, w := range []waiter{c, d, e} {
		require.Equal(t, varcov1.WaitlistState_WAITLIST_STATE_WAITING, w.mine(t, slot).GetState())
	}
	require.EqualValues(t, 3, c.mine(t, slot).GetPosition(), "C is third among those in line")
	// The 3 seats left are the line's: nobody else takes them.
	other := registerCitizens(t, b, "WLO", 1)[0]
	_, err = other.hold(ctx, slot.GetStart(), 1)
	require.Equal(t, "waitlist_first", reasonOf(err))
	// And the grid says so: the slot is full for everyone else (the
	// citizen app then offers the list, not a hold that would be refused).
	left, state := seatsLeft(t, b, slot)
	require.EqualValues(t, 3, left, "the free seats are counted")
	require.Equal(t, varcov1.SlotState_SLOT_STATE_FULL, state, "but they are the line's")

	// The offer reaches A by e-mail and push.
	_, err = b.app.DispatchOnce(ctx)
	require.NoError(t, err)
	var offerMail *mail.Message
	for _, m := range sink.Messages()[mailsBefore:] {
		msg, _ := parseMail(t, m.Data)
		if m.To[0] == "WLW0@example.it" {
			offerMail = msg
		}
	}
	require.NotNil(t, offerMail, "A got the offer by e-mail")
	require.Contains(t, subjectOf(t, offerMail), "Si è liberato un posto: confermalo entro le")
	pushes := push.Received()
	require.Len(t, pushes, 1)
	var pp notify.PushPayload
	require.NoError(t, json.Unmarshal(pushes[0].Plaintext, &pp))
	require.Equal(t, "Si è liberato un posto", pp.Title)
	require.True(t, strings.HasSuffix(pp.URL, "/#/lista-attesa"), pp.URL)

	// A confirms the offer like any hold.
	bk, err := a.confirm(ctx, offerA.GetHoldId())
	require.NoError(t, err)
	require.EqualValues(t, 2, bk.GetSeats())
	conv := a.mine(t, slot)
	require.Equal(t, varcov1.WaitlistState_WAITLIST_STATE_CONVERTED, conv.GetState())
	require.Equal(t, bk.GetId(), conv.GetBookingId())

	// B lets the offer lapse: its seat and the 3 free ones go to C.
	clk.Advance(31 * time.Minute)
	require.NoError(t, b.app.WaitlistOnce(ctx))
	require.Equal(t, varcov1.WaitlistState_WAITLIST_STATE_LAPSED, bb.mine(t, slot).GetState())
	require.Equal(t, varcov1.WaitlistState_WAITLIST_STATE_OFFERED, c.mine(t, slot).GetState())
	require.Equal(t, varcov1.WaitlistState_WAITLIST_STATE_WAITING, d.mine(t, slot).GetState())
	_, err = bb.confirm(ctx, bb.mine(t, slot).GetHoldId())
	require.Equal(t, "hold_expired", reasonOf(err))

	// The organizer raises the slot to 32 seats: D and E, in order.
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	sch, err := admin.GetSchedule(ctx, authBearer(&varcov1.GetScheduleRequest{ResourceId: demo.TourID}, organizer))
	require.NoError(t, err)
	rules := sch.Msg.GetSchedule().GetRules()
	for _, r := range rules {
		r.SeatsPerSlot = 32
	}
	_, err = admin.SetSchedule(ctx, authBearer(&varcov1.SetScheduleRequest{ResourceId: demo.TourID, Rules: rules}, organizer))
	require.NoError(t, err)
	require.NoError(t, b.app.WaitlistOnce(ctx))
	de, ee := d.mine(t, slot), e.mine(t, slot)
	require.Equal(t, varcov1.WaitlistState_WAITLIST_STATE_OFFERED, de.GetState())
	require.Equal(t, varcov1.WaitlistState_WAITLIST_STATE_OFFERED, ee.GetState())
	require.False(t, ee.GetOfferedAt().AsTime().Before(de.GetOfferedAt().AsTime()))
	left, _ = seatsLeft(t, b, slot)
	require.Zero(t, left, "offers hold their seats: 0 oversold")

	// E declines: the seat goes back (nobody else waits) and is free.
	_, err = e.lists.LeaveWaitlist(ctx, authBearer(&varcov1.LeaveWaitlistRequest{EntryId: ee.GetId()}, e.token))
	require.NoError(t, err)
	require.Equal(t, varcov1.WaitlistState_WAITLIST_STATE_DECLINED, e.mine(t, slot).GetState())
	left, _ = seatsLeft(t, b, slot)
	require.EqualValues(t, 1, left)

	// Staff see the line, with who waits; other citizens' entries are not
	// theirs to leave.
	list, err := admin.ListWaitlist(ctx, authBearer(&varcov1.ListWaitlistRequest{OrganizationId: demo.ComuneID, ResourceId: demo.TourID,
		SlotStart: slot.GetStart(), IncludeEnded: true}, organizer))
	require.NoError(t, err)
	var states []varcov1.WaitlistState
	for i, en := range list.Msg.GetEntries() {
		require.Equal(t, "Cittadino Numero", en.GetPersonName())
		require.Equal(t, fmt.Sprintf("WLW%d@example.it", i), en.GetPersonEmail())
		states = append(states, en.GetState())
	}
	require.Equal(t, []varcov1.WaitlistState{varcov1.WaitlistState_WAITLIST_STATE_CONVERTED, varcov1.WaitlistState_WAITLIST_STATE_LAPSED,
		varcov1.WaitlistState_WAITLIST_STATE_OFFERED, varcov1.WaitlistState_WAITLIST_STATE_OFFERED, varcov1.WaitlistState_WAITLIST_STATE_DECLINED}, states)
	_, err = a.lists.LeaveWaitlist(ctx, authBearer(&varcov1.LeaveWaitlistRequest{EntryId: de.GetId()}, a.token))
	require.Equal(t, connect.CodeNotFound, connect.CodeOf(err))
	_, err = a.lists.ListMyWaitlist(ctx, authBearer(&varcov1.ListMyWaitlistRequest{}, organizer))
	require.NoError(t, err, "any account may list its own")

	// The statistics count the line.
	day := slot.GetStart().AsTime().In(rome(t)).Format(time.DateOnly)
	st, err := admin.GetStats(ctx, authBearer(&varcov1.GetStatsRequest{OrganizationId: demo.ComuneID, FromDate: day, ToDate: day}, organizer))
	require.NoError(t, err)
	s := st.Msg.GetCurrent()
	require.EqualValues(t, 5, s.GetWaitlistJoined())
	require.EqualValues(t, 5, s.GetWaitlistOffered())
	require.EqualValues(t, 1, s.GetWaitlistConverted())
	require.EqualValues(t, 1, s.GetWaitlistLapsed())
}

func rome(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	return loc
}
