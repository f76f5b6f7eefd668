package main

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/notify/email/mailtest"
	"github.com/varco-gate/varco/internal/person"
	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// muteSMTP is a mail server that accepts connections and never answers: a
// send to it cannot finish. connected receives once per connection, when a
// sender has started a send.
func muteSMTP(t *testing.T) (port int, connected <-chan struct{}) {
	t.Helper()
	mute, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = mute.Close() })
	conns := make(chan struct{}, 100)
	go func() {
		for {
			c, err := mute.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { _ = c.Close() })
			select {
			case conns <- struct{}{}:
			default:
			}
		}
	}()
	return mute.Addr().(*net.TCPAddr).Port, conns
}

// bookFirstTour registers a citizen through base and books the demo tour's
// first slot, returning the booking code.
func bookFirstTour(t *testing.T, base, email, cf, key string) string {
	t.Helper()
	ctx := context.Background()
	reg, err := varcov1connect.NewAuthServiceClient(http.DefaultClient, base).Register(ctx, connect.NewRequest(&varcov1.RegisterRequest{
		GivenName: "Mario", FamilyName: "Rossi", Email: email, CodiceFiscale: cf,
		Phone: "3331234567", Password: "una password lunga", PrivacyConsent: true,
	}))
	require.NoError(t, err)
	tok := reg.Msg.GetSession().GetToken()
	grid, err := varcov1connect.NewCatalogServiceClient(http.DefaultClient, base).GetAvailability(ctx,
		connect.NewRequest(&varcov1.GetAvailabilityRequest{ResourceId: demo.TourID, FromDate: time.Now().AddDate(0, 0, 1).Format(time.DateOnly),
			ToDate: time.Now().AddDate(0, 0, 14).Format(time.DateOnly)}))
	require.NoError(t, err)
	var slot *varcov1.Slot
	for _, d := range grid.Msg.GetDays() {
		if len(d.GetSlots()) > 0 && slot == nil {
			slot = d.GetSlots()[0]
		}
	}
	require.NotNil(t, slot)
	bookings := varcov1connect.NewBookingServiceClient(http.DefaultClient, base)
	hreq := connect.NewRequest(&varcov1.HoldSlotsRequest{ResourceId: demo.TourID, SlotStart: slot.GetStart()})
	hreq.Header().Set("Authorization", "Bearer "+tok)
	hold, err := bookings.HoldSlots(ctx, hreq)
	require.NoError(t, err)
	creq := connect.NewRequest(&varcov1.ConfirmBookingRequest{HoldId: hold.Msg.GetHold().GetId(), IdempotencyKey: key,
		Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY}})
	creq.Header().Set("Authorization", "Bearer "+tok)
	conf, err := bookings.ConfirmBooking(ctx, creq)
	require.NoError(t, err)
	return conf.Msg.GetBooking().GetCode()
}

// Two replicas on one PostgreSQL database. Replica A claims a confirmation
// and is stuck sending it (its mail server never answers), renewing its
// lease, while replica B starts. A is SIGKILLed: B sends the message once A's lease has
// run out — seconds, without any restart — exactly once. A restarted
// rejoins and serves bookings whose mail goes out.
func TestDeadReplicasMessagesTakenOver(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	bin := buildServer(t)
	sink := &mailtest.Sink{Arrived: make(chan mailtest.Received, 10)}
	port := mailtest.Start(t, sink, mailtest.PlainOnly, nil)
	const lease = 3 * time.Second
	common := []string{"--db", url, "--smtp-tls", "none", "--mail-from", "Comune <noreply@comune.example>",
		"--notify-lease", lease.String(), "--notify-poll-interval", "100ms"}
	smtp := append([]string{"--smtp-host", "127.0.0.1", "--smtp-port", strconv.Itoa(port)}, common...)

	mutePort, sending := muteSMTP(t)
	a := start(t, bin, append([]string{"--smtp-host", "127.0.0.1", "--smtp-port", strconv.Itoa(mutePort), "--demo"}, common...)...)
	code := bookFirstTour(t, "http://"+a.addr, "mario.rossi@example.it", "RSSMRA85T10A562S", "replica-kill-0001")
	select {
	case <-sending: // A has claimed the confirmation and is stuck sending it
	case <-time.After(30 * time.Second):
		t.Fatal("A never started sending the confirmation")
	}

	// B starts while A holds (and renews, TestLeaseRenewedWhileSending)
	// the claim.
	b := start(t, bin, smtp...)
	require.Empty(t, sink.Messages(), "B sent a message A was still sending")

	require.NoError(t, a.cmd.Process.Kill())
	<-a.done
	killed := time.Now()
	select {
	case m := <-sink.Arrived:
		require.Contains(t, string(m.Data), code)
		took := time.Since(killed)
		t.Logf("the dead replica's confirmation was sent by the other %v after the kill (lease %v)", took.Round(10*time.Millisecond), lease)
		require.Less(t, took, lease+5*time.Second, "taken over within the lease and a poll or two")
	case <-time.After(30 * time.Second):
		t.Fatal("the dead replica's confirmation was never sent")
	}

	// A comes back and rejoins: a booking through it is confirmed and
	// mailed (by whichever replica claims it first).
	a = start(t, bin, smtp...)
	code2 := bookFirstTour(t, "http://"+a.addr, "anna.bianchi@example.it", person.CompleteCodiceFiscale("BNCNNA90A41F205"), "replica-kill-0002")
	select {
	case m := <-sink.Arrived:
		require.Contains(t, string(m.Data), code2)
	case <-time.After(30 * time.Second):
		t.Fatal("the rejoined replica's booking was never mailed")
	}
	a.stop(t)
	b.stop(t)
	require.Len(t, sink.Messages(), 2, "each confirmation sent exactly once")
}
