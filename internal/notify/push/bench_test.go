package push

import (
	"github.com/varco-gate/varco/internal/notify/push/pushtest"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/notify"
)

// benchSender returns a Sender and a subscription on a local TLS push
// endpoint that drains the body and answers 201, so the numbers measure
// what Varco does per message (ECDH, HKDF, AES-GCM, an ES256 JWT, one
// HTTPS round trip on a kept-alive connection), not the decryption the
// test service would add.
func benchSender(b *testing.B) (*Sender, notify.Push) {
	b.Helper()
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusCreated)
	}))
	b.Cleanup(srv.Close)
	client := srv.Client()
	// Let parallel senders keep a connection each instead of redialling.
	client.Transport.(*http.Transport).MaxIdleConnsPerHost = 64
	keys, err := GenerateVAPID()
	require.NoError(b, err)
	s, err := New(Config{Subject: testSubject, Keys: keys, HTTPClient: client, AllowAnyHTTPS: true})
	require.NoError(b, err)
	svc := pushtest.New(b, keys.PublicKey, testSubject, pushtest.Always201) // only for a key pair
	return s, notify.Push{
		Subscription: notify.Subscription{Endpoint: srv.URL + "/push/bench", P256dh: svc.P256dh(), Auth: svc.Auth()},
		Payload:      expiryPayload(b),
		TTL:          15 * time.Minute,
		Urgency:      notify.UrgencyHigh,
		Topic:        "ticket-KM7R4TXA",
	}
}

// BenchmarkSend measures push dispatch throughput to a local endpoint,
// one message at a time and with concurrent senders.
func BenchmarkSend(b *testing.B) {
	b.Run("serial", func(b *testing.B) {
		s, p := benchSender(b)
		ctx := b.Context()
		for b.Loop() {
			if err := s.Send(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
	b.Run("parallel", func(b *testing.B) {
		s, p := benchSender(b)
		ctx := b.Context()
		b.SetParallelism(4)
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := s.Send(ctx, p); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}
