package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/notify/appio"
	"github.com/varco-gate/varco/internal/notify/appio/appiotest"
	"github.com/varco-gate/varco/internal/notify/email/mailtest"
	"github.com/varco-gate/varco/internal/store/sqlite"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// App IO beside e-mail, against a local IO implementing the profile check
// and message submission: a confirmation and an expiry warning reach the
// citizen in IO with the right subject and Markdown; a citizen without IO,
// one who turned the service off in IO and one who opted out in Varco get
// e-mail only; 429 and 5xx are retried, across a server restart, without
// resending the e-mail; every attempt is recorded with IO's answer.
func TestAppIOEndToEnd(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	sink := &mailtest.Sink{}
	port := mailtest.Start(t, sink, mailtest.PlainOnly, nil)
	ioSrv := appiotest.Start(t, "chiave-io-comune")
	var dbPath string
	start := func() *bundle {
		return setupOpts(t, clk, []app.Option{app.WithManualDispatch(), app.WithNotifyBackoff(time.Second)}, func(c *config.Config) {
			c.SMTPHost, c.SMTPPort, c.SMTPTLS = "127.0.0.1", port, "none"
			c.AppIOURL, c.AppIOKeys = ioSrv.URL, map[string]string{demo.ComuneID: "chiave-io-comune"}
			if dbPath != "" {
				c.DB = dbPath
			}
		})
	}
	b := start()
	dbPath = b.dbPath
	ctx := context.Background()
	dispatch := func() int {
		n, err := b.app.DispatchOnce(ctx)
		require.NoError(t, err)
		return n
	}
	_, organizer := bootstrapOrganizer(t, b)
	people := registerCitizens(t, b, "AIO", 4)
	inIO, noProfile, refused, optedOut := people[0], people[1], people[2], people[3]
	ioSrv.AddProfile(inIO.cf, true)
	ioSrv.AddProfile(refused.cf, false)
	ioSrv.AddProfile(optedOut.cf, true)
	auth := varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL)
	off := true
	upd, err := auth.UpdateProfile(ctx, authBearer(&varcov1.UpdateProfileRequest{AppIoOptOut: &off}, optedOut.token))
	require.NoError(t, err)
	require.True(t, upd.Msg.GetAccount().GetAppIoOptOut())

	slot := tourSlot(t, b, clk.Now(), 0)
	bk, payload := bookTour(t, inIO, slot, 1)
	for _, p := range people[1:] {
		bookTour(t, p, slot, 1)
	}
	require.Equal(t, 4, dispatch())
	require.Len(t, sink.Messages(), 4, "everyone gets the e-mail")
	msgs := ioSrv.Messages()
	require.Len(t, msgs, 1, "only the citizen in IO who did not opt out")
	require.Equal(t, inIO.cf, msgs[0].FiscalCode)
	require.Equal(t, "Prenotazione confermata: Visita guidata al Palazzo Comunale", msgs[0].Subject)
	require.Contains(t, msgs[0].Markdown, "**"+bk.GetCode()+"**")
	require.Contains(t, msgs[0].Markdown, "[annulla la prenotazione](")
	require.Contains(t, msgs[0].Markdown, "Messaggio inviato da Comune di Borgo Varco")

	attempts := func() map[int]int {
		db, err := sqlite.Open(ctx, dbPath, sqlite.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		require.NoError(t, err)
		defer db.Close()
		list, err := db.RecentAppIOAttempts(ctx, demo.ComuneID, 100)
		require.NoError(t, err)
		out := map[int]int{}
		for _, a := range list {
			out[a.Status]++
			if a.Status == http.StatusCreated {
				require.NotEmpty(t, a.IOMessageID)
			}
			require.NotContains(t, a.Error, "chiave-io-comune", "the key never lands in the record")
		}
		return out
	}
	// 201 sent; 404 no profile; 200 on the profile check with
	// sender_allowed false (the citizen turned the service off); the
	// opted-out citizen was not even asked.
	require.Equal(t, map[int]int{201: 1, 404: 1, 200: 1}, attempts())

	// IO rate-limits, then fails; the e-mail goes at once and only once.
	ioSrv.FailNext(http.StatusTooManyRequests, http.StatusServiceUnavailable)
	slot2 := tourSlot(t, b, clk.Now(), 1)
	bookTour(t, inIO, slot2, 1)
	require.Zero(t, dispatch(), "IO said 429: the message waits for a retry")
	require.Len(t, sink.Messages(), 5)
	clk.Advance(2 * time.Second)
	require.Zero(t, dispatch(), "503")
	require.Len(t, ioSrv.Messages(), 1)
	// The process ends while the message waits: a new one delivers it.
	require.NoError(t, b.stop())
	b = start()
	clk.Advance(5 * time.Second)
	require.Equal(t, 1, dispatch())
	require.Len(t, ioSrv.Messages(), 2)
	require.Len(t, sink.Messages(), 5, "the e-mail was not sent again")
	require.Equal(t, map[int]int{201: 2, 404: 1, 200: 1, 429: 1, 503: 1}, attempts())

	// The expiry warning tells the person inside when to leave.
	g := scanner{enrollGate(t, b, organizer, "Ingresso", varcov1.GateDirection_GATE_DIRECTION_BOTH), varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)}
	clk.Set(slot.GetStart().AsTime().Add(-5 * time.Minute))
	dispatch() // the reminders due by now
	v := g.scan(t, uuid.NewString(), payload, entry)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, v.GetVerdict())
	expires := v.GetExpiresAt().AsTime()
	clk.Set(expires.Add(-10 * time.Minute))
	require.Equal(t, 1, dispatch())
	msgs = ioSrv.Messages()
	last := msgs[len(msgs)-1]
	require.Equal(t, "Il tuo biglietto sta per scadere", last.Subject)
	rome, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	require.Contains(t, last.Markdown, "devi uscire entro le "+expires.In(rome).Format("15:04"))
	for _, m := range msgs {
		require.GreaterOrEqual(t, len([]rune(m.Subject)), appio.MinSubject)
		require.GreaterOrEqual(t, len([]rune(m.Markdown)), appio.MinMarkdown)
		require.NotContains(t, []string{noProfile.cf, refused.cf}, m.FiscalCode)
		require.NotEqual(t, optedOut.cf, m.FiscalCode)
		require.False(t, strings.Contains(m.Markdown, "token=") && m.FiscalCode != inIO.cf)
	}
}
