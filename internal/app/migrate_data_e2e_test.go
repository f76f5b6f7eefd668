package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/notify/email/mailtest"
	"github.com/varco-gate/varco/internal/store/sqlite/pgtest"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// An installation used on SQLite (bookings, a gate scan, e-mails still in
// the outbox, a webhook that already received events) moves to
// PostgreSQL with MigrateData, and a server started on PostgreSQL carries
// on where the old one stopped: the same bookings, old sessions and
// passwords, old tickets verified with the copied keys and their gate
// state, the pending e-mails delivered, the webhook's next events without
// a repeat, and new rows with fresh ids (the sequences restarted past the
// copied ones).
func TestMigrateDataToPostgres(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	sink := &mailtest.Sink{}
	port := mailtest.Start(t, sink, mailtest.PlainOnly, nil)
	recv := newReceiver(t)
	opts := []app.Option{app.WithManualDispatch(), app.WithWebhookTLS(recv.tls()), app.WithWebhookJitter(func() float64 { return 0 })}
	onDB := func(db string, demoData bool) func(*config.Config) {
		return func(c *config.Config) {
			c.DB, c.Demo, c.WebhookAllowPrivate = db, demoData, true
			c.SMTPHost, c.SMTPPort, c.SMTPTLS, c.MailFrom = "127.0.0.1", port, "none", "Comune <noreply@comune.example>"
		}
	}
	ctx := context.Background()

	// The old installation, on SQLite.
	file := filepath.Join(t.TempDir(), "varco.db")
	old := setupOpts(t, clk, opts, onDB(file, true))
	_, organizer := bootstrapOrganizer(t, old)
	_, err := varcov1connect.NewAdminServiceClient(http.DefaultClient, old.baseURL).CreateWebhook(ctx, authBearer(&varcov1.CreateWebhookRequest{
		OrganizationId: demo.ComuneID, Url: recv.srv.URL + "/hook", Events: []varcov1.WebhookEvent{
			varcov1.WebhookEvent_WEBHOOK_EVENT_BOOKING_CREATED, varcov1.WebhookEvent_WEBHOOK_EVENT_TICKET_ENTERED}}, organizer))
	require.NoError(t, err)
	people := registerCitizens(t, old, "MIG", 2)
	slot := tourSlot(t, old, clk.Now(), 0)
	first, firstTicket := bookTour(t, people[0], slot, 2)
	second, secondTicket := bookTour(t, people[1], slot, 1)
	cred := enrollGate(t, old, organizer, "Ingresso", varcov1.GateDirection_GATE_DIRECTION_BOTH)
	clk.Set(slot.GetStart().AsTime().Add(-10 * time.Minute))
	gate := scanner{cred, varcov1connect.NewGateServiceClient(http.DefaultClient, old.baseURL)}
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, gate.scan(t, uuid.NewString(), firstTicket, entry).GetVerdict())
	fed, sent, err := old.app.WebhooksOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, []int{3, 3}, []int{fed, sent}, "two bookings and an entry, delivered on SQLite")
	recv.take()
	require.Empty(t, sink.Messages(), "the confirmations are still in the outbox")
	require.NoError(t, old.stop())

	url := pgtest.URL(t)
	report, err := app.MigrateData(ctx, file, url, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	counts := map[string]int64{}
	for _, tc := range report.Tables {
		require.Equal(t, tc.Source, tc.Copied, tc.Table)
		counts[tc.Table] = tc.Copied
	}
	require.Equal(t, int64(2), counts["bookings"])
	require.Equal(t, int64(1), counts["scans"])
	require.Equal(t, int64(1), counts["webhooks"])
	require.Positive(t, counts["ticket_keys"])
	require.Positive(t, counts["outbox"])

	// The new installation, on PostgreSQL, without --demo: everything
	// comes from the copy.
	b := setupOpts(t, clk, opts, onDB(url, false))
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	list, err := admin.ListBookings(ctx, authBearer(&varcov1.ListBookingsRequest{OrganizationId: demo.ComuneID,
		FromDate: slot.GetStart().AsTime().In(mustRome(t)).Format(time.DateOnly)}, organizer))
	require.NoError(t, err, "the organizer's session survived the move")
	var ids []string
	for _, bk := range list.Msg.GetBookings() {
		ids = append(ids, bk.GetId())
	}
	require.ElementsMatch(t, []string{first.GetId(), second.GetId()}, ids)

	login, err := varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL).Login(ctx,
		connect.NewRequest(&varcov1.LoginRequest{Login: people[1].cf, Password: "una password lunga"}))
	require.NoError(t, err, "the old password works")
	mine, err := rebind(people[1], b).booking.ListMyBookings(ctx, authBearer(&varcov1.ListMyBookingsRequest{}, login.Msg.GetSession().GetToken()))
	require.NoError(t, err)
	require.Len(t, mine.Msg.GetBookings(), 1)
	require.Equal(t, second.GetCode(), mine.Msg.GetBookings()[0].GetCode())

	// The enrolled gate, the copied keys and the copied gate state.
	gate = scanner{cred, varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)}
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, gate.scan(t, uuid.NewString(), secondTicket, entry).GetVerdict(),
		"a ticket signed on SQLite verifies")
	require.Equal(t, varcov1.ScanReason_SCAN_REASON_ALREADY_INSIDE, gate.scan(t, uuid.NewString(), firstTicket, entry).GetReason(),
		"the scan made on SQLite counts")

	// The confirmations queued on SQLite go out now.
	n, err := b.app.DispatchOnce(ctx)
	require.NoError(t, err)
	require.Positive(t, n)
	var subjects []string
	for _, m := range sink.Messages() {
		msg, _ := parseMail(t, m.Data)
		subjects = append(subjects, subjectOf(t, msg))
	}
	for _, bk := range []*varcov1.Booking{first, second} {
		require.True(t, slices.ContainsFunc(subjects, func(s string) bool { return strings.Contains(s, bk.GetCode()) }),
			"the confirmation of %s is delivered: %q", bk.GetCode(), subjects)
	}

	// A new booking: fresh history and scan ids, and the webhook gets the
	// new events only.
	third, _ := bookTour(t, rebind(people[0], b), tourSlot(t, b, clk.Now(), 0), 1)
	fed, sent, err = b.app.WebhooksOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, []int{2, 2}, []int{fed, sent}, "the scan above and the new booking, nothing delivered twice")
	var types []string
	for _, r := range recv.take() {
		e := decodeEvent(t, r)
		types = append(types, e.Type)
		if e.Type == "booking.created" {
			require.Equal(t, third.GetId(), e.Booking.ID)
		}
	}
	require.ElementsMatch(t, []string{"ticket.entered", "booking.created"}, types)
}
