package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/emersion/go-ical"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/notify/email/mailtest"
	"github.com/varco-gate/varco/internal/notify/push/pushtest"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// lateTransport lets the test point the server's push client at a push
// service created after the server (it needs the server's VAPID key).
type lateTransport struct{ rt atomic.Value }

func (l *lateTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return l.rt.Load().(http.RoundTripper).RoundTrip(r)
}

type mailPart struct {
	contentType, contentID string
	body                   []byte
}

// parseMail walks a MIME message into its leaf parts.
func parseMail(t *testing.T, raw []byte) (*mail.Message, []mailPart) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	require.NoError(t, err)
	var parts []mailPart
	var walk func(ct string, body io.Reader, cid, enc string)
	walk = func(ct string, body io.Reader, cid, enc string) {
		mt, params, err := mime.ParseMediaType(ct)
		require.NoError(t, err)
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				require.NoError(t, err)
				walk(p.Header.Get("Content-Type"), p, p.Header.Get("Content-ID"), p.Header.Get("Content-Transfer-Encoding"))
			}
		}
		data, err := io.ReadAll(body)
		require.NoError(t, err)
		parts = append(parts, mailPart{contentType: mt, contentID: cid, body: decodeTransfer(t, enc, data)})
	}
	walk(msg.Header.Get("Content-Type"), msg.Body, "", msg.Header.Get("Content-Transfer-Encoding"))
	return msg, parts
}

func decodeTransfer(t *testing.T, enc string, data []byte) []byte {
	t.Helper()
	switch strings.ToLower(enc) {
	case "base64":
		out, err := io.ReadAll(base64Reader(data))
		require.NoError(t, err)
		return out
	case "quoted-printable":
		out, err := io.ReadAll(qpReader(data))
		require.NoError(t, err)
		return out
	}
	return data
}

func subjectOf(t *testing.T, m *mail.Message) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	require.NoError(t, err)
	return s
}

func TestNotificationsEndToEnd(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	sink := &mailtest.Sink{}
	port := mailtest.Start(t, sink, mailtest.PlainOnly, nil)
	lt := &lateTransport{}
	b := setupOpts(t, clk, []app.Option{app.WithManualDispatch(), app.WithPushHTTPClient(&http.Client{Transport: lt})},
		func(c *config.Config) {
			c.SMTPHost, c.SMTPPort, c.SMTPTLS = "127.0.0.1", port, "none"
			c.MailFrom, c.VAPIDSubject, c.PushAllowAnyHTTPS = "Comune <noreply@comune.example>", "mailto:varco@comune.example", true
		})
	ctx := context.Background()
	dispatch := func() int {
		n, err := b.app.DispatchOnce(ctx)
		require.NoError(t, err)
		return n
	}
	_, organizer := bootstrapOrganizer(t, b) // before any citizen: bootstrap needs an empty database
	notifications := varcov1connect.NewNotificationServiceClient(http.DefaultClient, b.baseURL)
	key, err := notifications.GetVapidPublicKey(ctx, connect.NewRequest(&varcov1.GetVapidPublicKeyRequest{}))
	require.NoError(t, err)
	svc := pushtest.New(t, key.Msg.GetPublicKey(), "mailto:varco@comune.example", pushtest.Always201)
	lt.rt.Store(svc.Client().Transport)

	p := registerCitizens(t, b, "NTF", 1)[0]
	_, err = notifications.SubscribePush(ctx, authBearer(&varcov1.SubscribePushRequest{Endpoint: svc.Endpoint, P256Dh: svc.P256dh(), Auth: svc.Auth()}, p.token))
	require.NoError(t, err)
	_, err = notifications.SubscribePush(ctx, authBearer(&varcov1.SubscribePushRequest{Endpoint: "http://169.254.169.254/latest", P256Dh: svc.P256dh(), Auth: svc.Auth()}, p.token))
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "plain http endpoints are refused")

	slot := tourSlot(t, b, clk.Now(), 0)
	book := func() (*varcov1.Booking, string) {
		h, err := p.hold(ctx, slot.GetStart(), 2)
		require.NoError(t, err)
		bk, err := p.confirm(ctx, h.GetId())
		require.NoError(t, err)
		tk, err := p.booking.GetTicket(ctx, authBearer(&varcov1.GetTicketRequest{BookingId: bk.GetId()}, p.token))
		require.NoError(t, err)
		return bk, tk.Msg.GetTickets()[0].GetPayload()
	}
	bk, payload := book()
	require.Equal(t, 1, dispatch())
	require.Zero(t, dispatch(), "sent once")

	// The confirmation e-mail: receipt, QR of the real ticket, .ics, cancel link.
	msgs := sink.Messages()
	require.Len(t, msgs, 1)
	m, parts := parseMail(t, msgs[0].Data)
	require.Contains(t, subjectOf(t, m), bk.GetCode())
	var sawQR, sawICS bool
	var text string
	for _, part := range parts {
		switch part.contentType {
		case "image/png":
			require.Equal(t, "<qr>", part.contentID)
			require.Equal(t, payload, decodeQR(t, part.body), "the inline QR is the ticket")
			sawQR = true
		case "text/calendar":
			cal, err := ical.NewDecoder(bytes.NewReader(part.body)).Decode()
			require.NoError(t, err)
			start, err := cal.Events()[0].DateTimeStart(time.UTC)
			require.NoError(t, err)
			require.Equal(t, slot.GetStart().AsTime(), start)
			sawICS = true
		case "text/plain":
			text = string(part.body)
		}
	}
	require.True(t, sawQR && sawICS)
	link := regexp.MustCompile(`https?://\S+/bookings/[A-Z0-9]+/cancel\?token=\S+`).FindString(text)
	require.NotEmpty(t, link, text)
	res, err := http.Get(b.baseURL + link[strings.Index(link, "/bookings/"):])
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode, "the cancel link opens its page")
	pushes := svc.Received()
	require.Len(t, pushes, 1)
	var pp notify.PushPayload
	require.NoError(t, json.Unmarshal(pushes[0].Plaintext, &pp))
	require.Equal(t, "Prenotazione confermata", pp.Title)
	require.True(t, strings.HasSuffix(pp.URL, "/#/prenotazioni/"+bk.GetId()), "a tap opens the booking in the citizen app: %s", pp.URL)

	// Entry starts the 90-minute stay; the warning comes 10 minutes before.
	g := scanner{enrollGate(t, b, organizer, "Ingresso", varcov1.GateDirection_GATE_DIRECTION_BOTH), varcov1connect.NewGateServiceClient(http.DefaultClient, b.baseURL)}
	_, payload2 := book()
	require.Equal(t, 1, dispatch())
	clk.Set(slot.GetStart().AsTime().Add(-5 * time.Minute))
	v := g.scan(t, uuid.NewString(), payload, entry)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, v.GetVerdict())
	v2 := g.scan(t, uuid.NewString(), payload2, entry) // a second group enters with them
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, v2.GetVerdict())
	expires := v.GetExpiresAt().AsTime()
	require.Equal(t, 2, dispatch(), "the two bookings' reminders (3 hours before) are due by now")

	// The second group leaves after 20 minutes: its warning is cancelled.
	clk.Advance(20 * time.Minute)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, g.scan(t, uuid.NewString(), payload2, exit).GetVerdict())

	clk.Set(expires.Add(-10*time.Minute - time.Second))
	require.Zero(t, dispatch(), "not a second early")
	clk.Set(expires.Add(-10 * time.Minute))
	require.Equal(t, 1, dispatch(), "one warning, on time, for the group still inside")
	msgs = sink.Messages()
	require.Len(t, msgs, 5) // 2 confirmations, 2 reminders, 1 warning
	wm, _ := parseMail(t, msgs[4].Data)
	rome, _ := time.LoadLocation("Europe/Rome")
	require.Contains(t, subjectOf(t, wm)+string(msgs[4].Data), expires.In(rome).Format("15:04"), "«il tuo biglietto scade alle …»")
	pushes = svc.Received()
	require.Len(t, pushes, 5)
	require.Equal(t, "high", pushes[4].Urgency)
	require.NoError(t, json.Unmarshal(pushes[4].Plaintext, &pp))
	require.Contains(t, pp.Body, "scade alle "+expires.In(rome).Format("15:04"))

	// The first group leaves before the stay ends: no "expired" notice.
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, g.scan(t, uuid.NewString(), payload, exit).GetVerdict())
	clk.Set(expires.Add(time.Hour))
	require.Zero(t, dispatch(), "exits cancelled the pending messages")
	require.Len(t, sink.Messages(), 5)
}
