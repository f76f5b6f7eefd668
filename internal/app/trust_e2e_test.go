package app_test

import (
	"context"
	"encoding/pem"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/notify/email/mailtest"
	"github.com/varco-gate/varco/internal/notify/push/pushtest"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// A push service, a webhook receiver and an SMTP server whose certificates
// come from private CAs (which no system trusts) get nothing until
// --extra-ca-certs names those CAs; then all three are delivered to.
func TestExtraCACerts(t *testing.T) {
	t.Parallel()
	for _, trusted := range []bool{false, true} {
		name := map[bool]string{false: "system roots only", true: "with --extra-ca-certs"}[trusted]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			clk := clock.NewFake(time.Now())
			recv := newReceiver(t)
			mailCert, _ := mailtest.SelfSigned(t)
			sink := &mailtest.Sink{}
			port := mailtest.Start(t, sink, mailtest.StartTLS, mailCert)
			// Two files: the CA of the push service and receiver, the
			// SMTP server's own.
			dir := t.TempDir()
			caFiles := []string{filepath.Join(dir, "web-ca.pem"), filepath.Join(dir, "mail-ca.pem")}
			for i, der := range [][]byte{recv.srv.Certificate().Raw, mailCert.Leaf.Raw} {
				require.NoError(t, os.WriteFile(caFiles[i], pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
			}
			b := setupOpts(t, clk, []app.Option{app.WithManualDispatch()}, func(c *config.Config) {
				c.WebhookAllowPrivate, c.PushAllowAnyHTTPS, c.VAPIDSubject = true, true, "mailto:varco@comune.example"
				c.SMTPHost, c.SMTPPort, c.SMTPTLS = "127.0.0.1", port, "starttls"
				if trusted {
					c.ExtraCACerts = caFiles
				}
			})
			ctx := context.Background()
			_, organizer := bootstrapOrganizer(t, b)
			_, err := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL).CreateWebhook(ctx, authBearer(&varcov1.CreateWebhookRequest{
				OrganizationId: demo.ComuneID, Url: recv.srv.URL + "/hook",
				Events: []varcov1.WebhookEvent{varcov1.WebhookEvent_WEBHOOK_EVENT_BOOKING_CREATED}}, organizer))
			require.NoError(t, err)
			notifications := varcov1connect.NewNotificationServiceClient(http.DefaultClient, b.baseURL)
			key, err := notifications.GetVapidPublicKey(ctx, connect.NewRequest(&varcov1.GetVapidPublicKeyRequest{}))
			require.NoError(t, err)
			// Every httptest TLS server presents the same certificate: the
			// push service is signed by the same private CA as the receiver.
			svc := pushtest.New(t, key.Msg.GetPublicKey(), "mailto:varco@comune.example", pushtest.Always201)
			p := registerCitizens(t, b, "TRU", 1)[0]
			_, err = notifications.SubscribePush(ctx, authBearer(&varcov1.SubscribePushRequest{Endpoint: svc.Endpoint, P256Dh: svc.P256dh(), Auth: svc.Auth()}, p.token))
			require.NoError(t, err)
			bookTour(t, p, tourSlot(t, b, clk.Now(), 0), 1)

			sent, err := b.app.DispatchOnce(ctx)
			require.NoError(t, err)
			_, hooks, err := b.app.WebhooksOnce(ctx)
			require.NoError(t, err)
			if !trusted {
				require.Zero(t, sent, "neither the push service's nor the SMTP server's certificate is trusted")
				require.Zero(t, svc.Requests())
				require.Empty(t, sink.Messages())
				require.Zero(t, hooks, "the receiver's certificate is not trusted")
				require.Empty(t, recv.take())
				return
			}
			require.Equal(t, 1, sent)
			require.Len(t, svc.Received(), 1)
			require.Len(t, sink.Messages(), 1)
			require.Equal(t, 1, hooks)
			require.Len(t, recv.take(), 1)
		})
	}
}
