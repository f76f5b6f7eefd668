package webhook_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/notify/webhook"
)

// The signature is checked against a value computed outside Go (Python's
// hmac module): HMAC-SHA256 keyed with the secret over "<t>.<body>".
func TestSignKnownAnswer(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) // 1767225600
	got := webhook.Sign("whsec_test", at, []byte(`{"id":"e1"}`))
	require.Equal(t, "t=1767225600,v1=454f7f9597bf74f9ee7b13eab0ac98e91665e9039d783864ee4129a0f2c9c88f", got)
	require.NotEqual(t, got, webhook.Sign("whsec_other", at, []byte(`{"id":"e1"}`)), "the key matters")
	require.NotEqual(t, got, webhook.Sign("whsec_test", at.Add(time.Second), []byte(`{"id":"e1"}`)), "the time matters")
	require.NotEqual(t, got, webhook.Sign("whsec_test", at, []byte(`{"id":"e2"}`)), "the body matters")
}

func tlsServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func senderFor(srv *httptest.Server, allowPrivate bool, clk clock.Clock) *webhook.Sender {
	return webhook.New(webhook.Config{TLS: srv.Client().Transport.(*http.Transport).TLSClientConfig, AllowPrivate: allowPrivate,
		Clock: clk, Timeout: 5 * time.Second})
}

// Every answer is classified: 2xx delivered; 408, 429 and 5xx retried
// with Retry-After (seconds or HTTP-date); redirects are not followed and,
// like other 4xx (410 included), are final.
func TestSendClassifiesAnswers(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	clk := clock.NewFake(now)
	for _, tc := range []struct {
		status     int
		retryAfter string
		want       string // "ok", "retry", "permanent"
		after      time.Duration
	}{
		{200, "", "ok", 0},
		{204, "", "ok", 0},
		{301, "", "permanent", 0},
		{400, "", "permanent", 0},
		{401, "", "permanent", 0},
		{404, "", "permanent", 0},
		{410, "", "permanent", 0},
		{408, "", "retry", 0},
		{429, "30", "retry", 30 * time.Second},
		{429, now.Add(2 * time.Minute).Format(http.TimeFormat), "retry", 2 * time.Minute},
		{500, "", "retry", 0},
		{503, "999999", "retry", 6 * time.Hour},
		{503, "soon", "retry", 0},
	} {
		var hits atomic.Int32
		srv := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			if tc.status == 301 {
				w.Header().Set("Location", "https://169.254.169.254/")
			}
			if tc.retryAfter != "" {
				w.Header().Set("Retry-After", tc.retryAfter)
			}
			w.WriteHeader(tc.status)
			_, _ = io.WriteString(w, "line one\nline two")
		})
		status, err := senderFor(srv, true, clk).Send(context.Background(), notify.Webhook{DeliveryID: "d1", URL: srv.URL + "/h",
			Secret: "whsec_x", Event: "booking.created", EventID: "e1", Body: []byte(`{}`)})
		require.Equal(t, tc.status, status, tc.status)
		require.Equal(t, int32(1), hits.Load(), "one request, no redirect followed")
		var re *notify.RetryError
		switch tc.want {
		case "ok":
			require.NoError(t, err)
		case "retry":
			require.ErrorAs(t, err, &re, tc.status)
			require.Equal(t, tc.after, re.After, tc.retryAfter)
		case "permanent":
			require.ErrorIs(t, err, notify.ErrPermanent, tc.status)
			require.Contains(t, err.Error(), "line one line two", "the answer's start, on one line")
		}
	}
}

// The request carries the documented headers and the body unchanged.
func TestSendHeaders(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var got *http.Request
	var body []byte
	srv := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		got, body = r.Clone(context.Background()), must(io.ReadAll(r.Body))
	})
	_, err := senderFor(srv, true, clk).Send(context.Background(), notify.Webhook{DeliveryID: "d1", URL: srv.URL + "/h?k=v",
		Secret: "whsec_test", Event: "booking.created", EventID: "e1", Body: []byte(`{"id":"e1"}`)})
	require.NoError(t, err)
	require.Equal(t, http.MethodPost, got.Method)
	require.Equal(t, "/h", got.URL.Path)
	require.Equal(t, `{"id":"e1"}`, string(body))
	require.Equal(t, "application/json", got.Header.Get("Content-Type"))
	require.Equal(t, "Varco-Webhooks/1", got.Header.Get("User-Agent"))
	require.Equal(t, "booking.created", got.Header.Get("Varco-Event"))
	require.Equal(t, "e1", got.Header.Get("Varco-Event-Id"))
	require.Equal(t, "d1", got.Header.Get("Varco-Delivery"))
	require.Equal(t, "t=1767225600,v1=454f7f9597bf74f9ee7b13eab0ac98e91665e9039d783864ee4129a0f2c9c88f", got.Header.Get("Varco-Signature"))
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Without AllowPrivate the connection to a loopback address is refused at
// dial time (after resolution), permanently, and nothing reaches it.
func TestSendRefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := tlsServer(t, func(http.ResponseWriter, *http.Request) { hits.Add(1) })
	for _, u := range []string{srv.URL, "https://localhost:" + srv.URL[len("https://127.0.0.1:"):]} {
		status, err := senderFor(srv, false, clock.Real{}).Send(context.Background(), notify.Webhook{URL: u, Secret: "s", Body: []byte(`{}`)})
		require.Zero(t, status)
		require.ErrorIs(t, err, webhook.ErrForbiddenAddress, u)
		require.ErrorIs(t, err, notify.ErrPermanent)
	}
	require.Zero(t, hits.Load())
}

// A receiver that does not answer in time is retried, and the error does
// not quote the URL (which may carry a token).
func TestSendTimeoutIsRetried(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := tlsServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the dispatcher's per-attempt deadline has passed
	_, err := senderFor(srv, true, clock.Real{}).Send(ctx, notify.Webhook{URL: srv.URL + "/h?token=secret", Secret: "s", Body: []byte(`{}`)})
	var re *notify.RetryError
	require.True(t, errors.As(err, &re))
	require.NotContains(t, err.Error(), "token=secret")
}
