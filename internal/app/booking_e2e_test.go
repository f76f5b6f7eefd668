package app_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/person"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// A client with its own connection pool, so hundreds of them really open
// hundreds of connections to the server.
func newHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}, Timeout: 60 * time.Second}
}

type citizen struct {
	token   string
	cf      string
	booking varcov1connect.BookingServiceClient
}

// registerCitizens creates n accounts with distinct, valid codici fiscali.
func registerCitizens(t testing.TB, b *bundle, prefix string, n int) []citizen {
	t.Helper()
	auth := varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL)
	out := make([]citizen, n)
	for i := range out {
		cf := person.CompleteCodiceFiscale(fmt.Sprintf("%sMRA85T10A%03d", prefix, i))
		res, err := auth.Register(context.Background(), connect.NewRequest(&varcov1.RegisterRequest{
			GivenName: "Cittadino", FamilyName: "Numero", Email: fmt.Sprintf("%s%d@example.it", prefix, i),
			CodiceFiscale: cf, Phone: fmt.Sprintf("333000%04d", i), Password: "una password lunga", PrivacyConsent: true,
		}))
		require.NoError(t, err)
		out[i] = citizen{token: res.Msg.GetSession().GetToken(), cf: cf,
			booking: varcov1connect.NewBookingServiceClient(newHTTPClient(), b.baseURL)}
	}
	return out
}

// tourSlot finds a future guided-tour slot (30 seats) with every seat free.
func tourSlot(t testing.TB, b *bundle, now time.Time, skip int) *varcov1.Slot {
	t.Helper()
	rome, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	from := now.In(rome).AddDate(0, 0, 1)
	res, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL).GetAvailability(context.Background(),
		connect.NewRequest(&varcov1.GetAvailabilityRequest{ResourceId: demo.TourID,
			FromDate: from.Format(time.DateOnly), ToDate: from.AddDate(0, 0, 20).Format(time.DateOnly)}))
	require.NoError(t, err)
	for _, d := range res.Msg.GetDays() {
		for _, s := range d.GetSlots() {
			if s.GetState() == varcov1.SlotState_SLOT_STATE_AVAILABLE && s.GetSeatsLeft() == 30 {
				if skip == 0 {
					return s
				}
				skip--
			}
		}
	}
	t.Fatal("no free tour slot in the next three weeks")
	return nil
}

func (c citizen) hold(ctx context.Context, start *timestamppb.Timestamp, seats int32) (*varcov1.Hold, error) {
	res, err := c.booking.HoldSlots(ctx, authBearer(&varcov1.HoldSlotsRequest{ResourceId: demo.TourID, SlotStart: start, Seats: seats}, c.token))
	if err != nil {
		return nil, err
	}
	return res.Msg.GetHold(), nil
}

func (c citizen) confirm(ctx context.Context, holdID string) (*varcov1.Booking, error) {
	res, err := c.booking.ConfirmBooking(ctx, authBearer(&varcov1.ConfirmBookingRequest{
		HoldId: holdID, IdempotencyKey: uuid.NewString(), Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY},
	}, c.token))
	if err != nil {
		return nil, err
	}
	return res.Msg.GetBooking(), nil
}

func reasonOf(err error) string {
	var ce *connect.Error
	if !errors.As(err, &ce) {
		return ""
	}
	for _, d := range ce.Details() {
		if v, e := d.Value(); e == nil {
			if r, ok := v.(*varcov1.ErrorReason); ok {
				return r.GetCode()
			}
		}
	}
	return ""
}

func seatsLeft(t *testing.T, b *bundle, slot *varcov1.Slot) (int32, varcov1.SlotState) {
	t.Helper()
	rome, _ := time.LoadLocation("Europe/Rome")
	day := slot.GetStart().AsTime().In(rome).Format(time.DateOnly)
	res, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL).GetAvailability(context.Background(),
		connect.NewRequest(&varcov1.GetAvailabilityRequest{ResourceId: demo.TourID, FromDate: day}))
	require.NoError(t, err)
	for _, s := range res.Msg.GetDays()[0].GetSlots() {
		if s.GetStart().AsTime().Equal(slot.GetStart().AsTime()) {
			return s.GetSeatsLeft(), s.GetState()
		}
	}
	t.Fatal("slot vanished")
	return 0, 0
}

// Hundreds of clients race over the network for a 30-seat slot: exactly 30
// bookings are made, every loser is told why, and the grid agrees.
func TestNoOversell(t *testing.T) {
	t.Parallel()
	forEngines(t, noOversell)
}

func noOversell(t *testing.T, onEngine func(*config.Config)) {
	b := setup(t, onEngine)
	const clients = 240
	people := registerCitizens(t, b, "NSL", clients)
	slot := tourSlot(t, b, time.Now(), 0)

	var (
		mu       sync.Mutex
		booked   []*varcov1.Booking
		refusals = map[string]int{}
		wg       sync.WaitGroup
		start    = make(chan struct{})
	)
	for _, p := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ctx := context.Background()
			h, err := p.hold(ctx, slot.GetStart(), 1)
			var bk *varcov1.Booking
			if err == nil {
				bk, err = p.confirm(ctx, h.GetId())
			}
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				refusals[connect.CodeOf(err).String()+"/"+reasonOf(err)]++
				return
			}
			booked = append(booked, bk)
		}()
	}
	close(start)
	wg.Wait()

	require.Len(t, booked, 30, "refusals: %v", refusals)
	require.Equal(t, map[string]int{"resource_exhausted/slot_full": clients - 30}, refusals)
	codes := map[string]bool{}
	for _, bk := range booked {
		require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED, bk.GetStatus())
		require.False(t, codes[bk.GetCode()], "booking codes must be unique")
		codes[bk.GetCode()] = true
	}
	left, state := seatsLeft(t, b, slot)
	require.Equal(t, int32(0), left)
	require.Equal(t, varcov1.SlotState_SLOT_STATE_FULL, state)

	// A cancellation frees its seat at once, and exactly one racer gets it.
	first := people[0]
	for _, p := range people {
		if p.cf == booked[0].GetBeneficiary().GetCodiceFiscale() {
			first = p
		}
	}
	_, err := first.booking.CancelBooking(context.Background(), authBearer(&varcov1.CancelBookingRequest{BookingId: booked[0].GetId()}, first.token))
	require.NoError(t, err)
	left, _ = seatsLeft(t, b, slot)
	require.Equal(t, int32(1), left)
}

// Holds that lapse under load free their seats without any request, and
// their owners learn that their time ran out.
func TestHoldsExpiringUnderLoad(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	people := registerCitizens(t, b, "HLD", 120)
	slot := tourSlot(t, b, clk.Now(), 0)
	ctx := context.Background()

	race := func(group []citizen, confirm bool) (holds map[int]*varcov1.Hold, ok int, refused map[string]int) {
		holds, refused = map[int]*varcov1.Hold{}, map[string]int{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i, p := range group {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h, err := p.hold(ctx, slot.GetStart(), 1)
				if err == nil && confirm {
					_, err = p.confirm(ctx, h.GetId())
				}
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					refused[reasonOf(err)]++
					return
				}
				holds[i] = h
				ok++
			}()
		}
		wg.Wait()
		return holds, ok, refused
	}

	firstWave, held, refused := race(people[:60], false)
	require.Equal(t, 30, held)
	require.Equal(t, map[string]int{"slot_full": 30}, refused)
	_, state := seatsLeft(t, b, slot)
	require.Equal(t, varcov1.SlotState_SLOT_STATE_HELD, state, "full only because of holds")

	clk.Advance(10*time.Minute + time.Second) // the demo tour holds seats for 10 minutes
	left, state := seatsLeft(t, b, slot)
	require.Equal(t, int32(30), left, "lapsed holds free their seats for readers at once")
	require.Equal(t, varcov1.SlotState_SLOT_STATE_AVAILABLE, state)

	_, booked, refused := race(people[60:], true)
	require.Equal(t, 30, booked, "refusals: %v", refused)
	require.Equal(t, map[string]int{"slot_full": 30}, refused)

	var wg sync.WaitGroup
	var mu sync.Mutex
	late := map[string]int{}
	for i, h := range firstWave {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := people[i].confirm(ctx, h.GetId())
			mu.Lock()
			late[connect.CodeOf(err).String()+"/"+reasonOf(err)]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	require.Equal(t, map[string]int{"failed_precondition/hold_expired": 30}, late)
	left, _ = seatsLeft(t, b, slot)
	require.Equal(t, int32(0), left)
}

// A double submit of the same confirmation, racing, makes one booking and
// both requests get it.
func TestConcurrentDoubleSubmit(t *testing.T) {
	t.Parallel()
	b := setup(t)
	p := registerCitizens(t, b, "DBL", 1)[0]
	slot := tourSlot(t, b, time.Now(), 0)
	ctx := context.Background()
	h, err := p.hold(ctx, slot.GetStart(), 1)
	require.NoError(t, err)
	key := uuid.NewString()
	ids := make([]string, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := p.booking.ConfirmBooking(ctx, authBearer(&varcov1.ConfirmBookingRequest{HoldId: h.GetId(), IdempotencyKey: key,
				Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY}}, p.token))
			if err == nil {
				ids[i] = res.Msg.GetBooking().GetId()
			}
		}()
	}
	wg.Wait()
	for _, id := range ids {
		require.Equal(t, ids[0], id, "every submit returns the one booking")
	}
	require.NotEmpty(t, ids[0])
	left, _ := seatsLeft(t, b, slot)
	require.Equal(t, int32(29), left)
}
