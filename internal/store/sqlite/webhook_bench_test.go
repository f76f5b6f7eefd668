package sqlite_test

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/notify/dispatch"
	whsend "github.com/varco-gate/varco/internal/notify/webhook"
	"github.com/varco-gate/varco/internal/outbox"
	"github.com/varco-gate/varco/internal/store/sqlite"
	"github.com/varco-gate/varco/internal/webhook"
)

const benchBatch = 100

// bookMany writes n bookings with their history lines in one transaction.
func bookMany(b *testing.B, db *sqlite.DB, n int) {
	b.Helper()
	require.NoError(b, db.WriteTx(context.Background(), func(_ context.Context, tx *sql.Tx) error {
		for range n {
			id := uuid.NewString()
			if _, err := tx.Exec(`INSERT INTO bookings (id, code, organization_id, resource_id, start_ms, end_ms, slot_starts, seats, status,
				given_name, family_name, codice_fiscale, email, privacy_consent_ms, cancel_token_hash, idempotency_key, created_at_ms, updated_at_ms)
				VALUES (?, ?, ?, ?, 0, 1, '[]', 1, 1, 'G', 'F', 'CF', 'e@example.it', 0, ?, ?, 0, 0)`,
				id, id[:8], demo.ComuneID, demo.TourID, []byte(id), id); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO booking_history (booking_id, status, at_ms, actor_kind) VALUES (?, ?, 0, 2)`,
				id, booking.Confirmed); err != nil {
				return err
			}
		}
		return nil
	}))
}

// BenchmarkWebhookPipeline measures deliveries per second through the
// feeder and the dispatcher, against the outbox dispatcher alone in the
// same run (the notifications' cost: claim, render, record, no-op
// channel). "feed+dispatch" records each attempt with no network;
// "feed+dispatch+https" posts to an in-process TLS receiver on loopback.
func BenchmarkWebhookPipeline(b *testing.B) {
	log := slog.New(slog.DiscardHandler)
	open := func(b *testing.B) (*sqlite.DB, *clock.Fake) {
		db, err := sqlite.Open(context.Background(), b.TempDir()+"/varco.db", sqlite.Options{Logger: log})
		require.NoError(b, err)
		b.Cleanup(func() { db.Close() })
		_, err = demo.Load(context.Background(), db, t0)
		require.NoError(b, err)
		return db, clock.NewFake(t0)
	}
	b.Run("outbox", func(b *testing.B) {
		db, clk := open(b)
		noop := dispatch.Channels{Email: func(context.Context, notify.Email) error { return nil }}
		d := dispatch.New(dispatch.Config{Batch: benchBatch}, db, oneEmail{}, noop, clk, log)
		ctx := context.Background()
		for b.Loop() {
			b.StopTimer()
			require.NoError(b, db.InTx(ctx, func(tx booking.Tx) error {
				for range benchBatch {
					if err := tx.Enqueue(ctx, outbox.Message{ID: uuid.NewString(), Kind: outbox.KindBookingReminder,
						Payload: []byte(`{}`), DueAt: clk.Now(), CreatedAt: clk.Now()}); err != nil {
						return err
					}
				}
				return nil
			}))
			b.StartTimer()
			if n, err := d.RunOnce(ctx); err != nil || n != benchBatch {
				b.Fatalf("dispatched %d: %v", n, err)
			}
		}
		b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "deliveries/s")
	})
	pipeline := func(b *testing.B, send func(db *sqlite.DB, clk clock.Clock) func(context.Context, notify.Webhook) error, url string) {
		db, clk := open(b)
		_, err := db.CreateWebhook(context.Background(), webhook.Webhook{ID: uuid.NewString(), OrganizationID: demo.ComuneID,
			URL: url, Events: webhook.Events, Secret: "whsec_bench", CreatedAt: t0}, webhook.MaxPerOrganization)
		require.NoError(b, err)
		feeder := webhook.NewFeeder(webhook.FeederConfig{Batch: 500}, db, clk, log)
		q := db.WebhookQueue()
		d := dispatch.New(dispatch.Config{Batch: benchBatch}, q, whsend.NewRenderer(q),
			dispatch.Channels{Webhook: send(db, clk)}, clk, log)
		ctx := context.Background()
		for b.Loop() {
			b.StopTimer()
			bookMany(b, db, benchBatch)
			b.StartTimer()
			if n, err := feeder.RunOnce(ctx); err != nil || n != benchBatch {
				b.Fatalf("fed %d: %v", n, err)
			}
			if n, err := d.RunOnce(ctx); err != nil || n != benchBatch {
				b.Fatalf("dispatched %d: %v", n, err)
			}
		}
		b.ReportMetric(float64(b.N*benchBatch)/b.Elapsed().Seconds(), "deliveries/s")
	}
	b.Run("feed+dispatch", func(b *testing.B) {
		pipeline(b, func(db *sqlite.DB, clk clock.Clock) func(context.Context, notify.Webhook) error {
			q := db.WebhookQueue()
			return func(ctx context.Context, w notify.Webhook) error {
				return q.RecordAttempt(ctx, w.DeliveryID, http.StatusNoContent, "", clk.Now())
			}
		}, "https://example.org/h")
	})
	b.Run("feed+dispatch+https", func(b *testing.B) {
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
		defer srv.Close()
		pipeline(b, func(db *sqlite.DB, clk clock.Clock) func(context.Context, notify.Webhook) error {
			s := whsend.New(whsend.Config{TLS: srv.Client().Transport.(*http.Transport).TLSClientConfig, AllowPrivate: true, Clock: clk})
			return whsend.Channel(s, db.WebhookQueue(), clk, slog.New(slog.DiscardHandler))
		}, srv.URL+"/h")
	})
}

// oneEmail renders every outbox message as one e-mail.
type oneEmail struct{}

func (oneEmail) Deliveries(_ context.Context, m outbox.Claimed) ([]dispatch.Delivery, error) {
	return []dispatch.Delivery{{Key: "email", Email: &notify.Email{To: "a@example.it", MessageID: m.ID}}}, nil
}
