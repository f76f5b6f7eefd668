package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/notify/email/mailtest"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// A visitor who steps out and comes back in, on a ticket that allows it,
// is warned before the stay ends like anyone else: the exit cancelled the
// pending warning, the re-entry schedules it again for the end of the stay
// the first entry started.
func TestExpiryWarningAfterReentry(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	sink := &mailtest.Sink{}
	port := mailtest.Start(t, sink, mailtest.PlainOnly, nil)
	b := setupOpts(t, clk, []app.Option{app.WithManualDispatch()}, func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS, c.MailFrom = "127.0.0.1", port, "none", "Comune <noreply@comune.example>"
	})
	ctx := context.Background()
	dispatch := func() int {
		n, err := b.app.DispatchOnce(ctx)
		require.NoError(t, err)
		return n
	}
	_, organizer := bootstrapOrganizer(t, b)
	cat := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL)
	res, err := cat.GetResource(ctx, authBearer(&varcov1.GetResourceRequest{ResourceId: demo.TourID}, organizer))
	require.NoError(t, err)
	tour := res.Msg.GetResource()
	tour.GetPolicy().GetTickets().AllowReentry = true
	_, err = varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL).UpdateResource(ctx,
		authBearer(&varcov1.UpdateResourceRequest{Resource: tour}, organizer))
	require.NoError(t, err)

	p := registerCitizens(t, b, "RNT", 1)[0]
	slot := tourSlot(t, b, clk.Now(), 0)
	_, payload := bookTour(t, p, slot, 1)
	g := scanner{enrollGate(t, b, organizer, "Ingresso", varcov1.GateDirection_GATE_DIRECTION_BOTH), varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)}

	clk.Set(slot.GetStart().AsTime())
	v := g.scan(t, uuid.NewString(), payload, entry)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, v.GetVerdict())
	expires := v.GetExpiresAt().AsTime()
	clk.Advance(20 * time.Minute)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, g.scan(t, uuid.NewString(), payload, exit).GetVerdict())
	clk.Advance(10 * time.Minute)
	again := g.scan(t, uuid.NewString(), payload, entry)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, again.GetVerdict(), "re-entry allowed")
	require.Equal(t, expires, again.GetExpiresAt().AsTime(), "the stay is not reset")

	dispatch() // the confirmation and the reminder, due by now
	sent := len(sink.Messages())
	clk.Set(expires.Add(-10*time.Minute - time.Second))
	require.Zero(t, dispatch(), "not a second early")
	clk.Set(expires.Add(-10 * time.Minute))
	require.Equal(t, 1, dispatch(), "the warning, scheduled again by the re-entry")
	require.Len(t, sink.Messages(), sent+1)
	clk.Set(expires)
	require.Equal(t, 1, dispatch(), "and the expiry notice")
}
