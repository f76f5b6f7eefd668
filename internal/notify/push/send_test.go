package push

import (
	"encoding/json"
	"errors"
	"github.com/varco-gate/varco/internal/notify/push/pushtest"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/notify"
)

const testSubject = "mailto:ops@comune.example"

// bundle is what a send test works with.
type bundle struct {
	svc    *pushtest.Service
	sender *Sender
	clock  *clock.Fake
	sub    notify.Subscription
}

// setup starts a push service answering with answer and a Sender whose
// VAPID subject is subject; the service requires the JWT sub wantSub.
func setup(t testing.TB, subject, wantSub string, answer func(int) (int, http.Header)) *bundle {
	t.Helper()
	keys, err := GenerateVAPID()
	require.NoError(t, err)
	svc := pushtest.New(t, keys.PublicKey, wantSub, answer)
	clk := clock.NewFake(time.Date(2026, 3, 14, 16, 25, 0, 0, time.UTC))
	sender, err := New(Config{
		Subject:       subject,
		Keys:          keys,
		HTTPClient:    svc.Client(),
		AllowAnyHTTPS: true, // the service listens on 127.0.0.1:port
		Clock:         clk,
	})
	require.NoError(t, err)
	return &bundle{
		svc:    svc,
		sender: sender,
		clock:  clk,
		sub: notify.Subscription{
			ID:       "sub-1",
			Endpoint: svc.Endpoint,
			P256dh:   svc.P256dh(),
			Auth:     svc.Auth(),
		},
	}
}

func expiryPayload(t testing.TB) []byte {
	t.Helper()
	b, err := json.Marshal(notify.PushPayload{
		Title: "Biglietto in scadenza",
		Body:  "Il tuo biglietto scade alle 16:40",
		URL:   "https://varco.comune.example/biglietti/KM7R-4TXA",
		Tag:   "ticket-KM7R-4TXA",
	})
	require.NoError(t, err)
	return b
}

// TestSendRealEndpointInTurn is the must-show: a push service that checks
// VAPID and decrypts the payload answers 201, 410, 429 and 500 in turn.
func TestSendRealEndpointInTurn(t *testing.T) {
	t.Parallel()
	answers := []func() (int, http.Header){
		func() (int, http.Header) { return http.StatusCreated, nil },
		func() (int, http.Header) { return http.StatusGone, nil },
		func() (int, http.Header) {
			return http.StatusTooManyRequests, http.Header{"Retry-After": {"120"}}
		},
		func() (int, http.Header) { return http.StatusInternalServerError, nil },
	}
	b := setup(t, testSubject, testSubject, func(n int) (int, http.Header) { return answers[n%len(answers)]() })
	payload := expiryPayload(t)
	push := notify.Push{
		Subscription: b.sub,
		Payload:      payload,
		TTL:          15 * time.Minute,
		Urgency:      notify.UrgencyHigh,
		Topic:        "ticket-KM7R4TXA",
	}
	ctx := t.Context()

	require.NoError(t, b.sender.Send(ctx, push), "201")

	err := b.sender.Send(ctx, push)
	require.ErrorIs(t, err, notify.ErrGone, "410")
	require.NotErrorIs(t, err, notify.ErrPermanent)
	var re *notify.RetryError
	require.False(t, errors.As(err, &re), "a gone subscription is not retried")
	var se *StatusError
	require.ErrorAs(t, err, &se)
	require.Equal(t, http.StatusGone, se.StatusCode)

	err = b.sender.Send(ctx, push)
	require.ErrorAs(t, err, &re, "429")
	require.Equal(t, 120*time.Second, re.After)
	require.NotErrorIs(t, err, notify.ErrGone)

	err = b.sender.Send(ctx, push)
	require.ErrorAs(t, err, &re, "500")
	require.Zero(t, re.After)
	require.ErrorAs(t, err, &se)
	require.Equal(t, http.StatusInternalServerError, se.StatusCode)

	got := b.svc.Received()
	require.Len(t, got, 4, "every request passed VAPID and decryption")
	for _, r := range got {
		require.JSONEq(t, string(payload), string(r.Plaintext))
		require.Equal(t, "900", r.TTL)
		require.Equal(t, "high", r.Urgency)
		require.Equal(t, "ticket-KM7R4TXA", r.Topic)
		require.Equal(t, testSubject, r.Sub)
		// webpush-go ignores Options.VapidExpiration and always signs
		// wall clock + 12h; the service checked it is within 24h.
		require.WithinDuration(t, time.Now().Add(12*time.Hour), r.Exp, 5*time.Minute)
	}
}

func TestSendSubjectHasOneMailto(t *testing.T) {
	t.Parallel()
	tests := []struct{ subject, wantSub string }{
		{"mailto:ops@comune.example", "mailto:ops@comune.example"},
		{"ops@comune.example", "mailto:ops@comune.example"},
		{"MAILTO:ops@comune.example", "mailto:ops@comune.example"},
		{"  mailto:ops@comune.example ", "mailto:ops@comune.example"},
		{"https://varco.comune.example/contatti", "https://varco.comune.example/contatti"},
		{"HTTPS://varco.comune.example/contatti", "https://varco.comune.example/contatti"},
	}
	for _, tt := range tests {
		t.Run(tt.subject, func(t *testing.T) {
			t.Parallel()
			b := setup(t, tt.subject, tt.wantSub, pushtest.Always201)
			require.NoError(t, b.sender.Send(t.Context(), notify.Push{Subscription: b.sub, Payload: []byte(`{}`)}))
			got := b.svc.Received()
			require.Len(t, got, 1)
			require.Equal(t, tt.wantSub, got[0].Sub)
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	keys, err := GenerateVAPID()
	require.NoError(t, err)
	for _, subject := range []string{
		"", "mailto:", "mailto:mailto:ops@comune.example", "Ops <ops@comune.example>",
		"http://varco.comune.example", "https://", "tel:+39061234567", "ops",
	} {
		_, err := New(Config{Subject: subject, Keys: keys})
		require.Error(t, err, "subject %q", subject)
	}
	other, err := GenerateVAPID()
	require.NoError(t, err)
	_, err = New(Config{Subject: testSubject, Keys: VAPIDKeys{PublicKey: other.PublicKey, PrivateKey: keys.PrivateKey}})
	require.Error(t, err, "mismatched VAPID pair")
	_, err = New(Config{Subject: testSubject, Keys: keys, AllowedHosts: []string{" ", "."}})
	require.Error(t, err, "allow-list with no usable entry")
}

func TestSendClassifiesStatus(t *testing.T) {
	t.Parallel()
	const (
		ok = iota
		gone
		retry
		permanent
	)
	tests := []struct {
		name      string
		status    int
		header    http.Header
		want      int
		wantAfter time.Duration
	}{
		{"200", http.StatusOK, nil, ok, 0},
		{"202", http.StatusAccepted, nil, ok, 0},
		{"404", http.StatusNotFound, nil, gone, 0},
		{"400", http.StatusBadRequest, nil, permanent, 0},
		{"401", http.StatusUnauthorized, nil, permanent, 0},
		{"403", http.StatusForbidden, nil, permanent, 0},
		{"413", http.StatusRequestEntityTooLarge, nil, permanent, 0},
		{"408", http.StatusRequestTimeout, nil, retry, 0},
		{"502", http.StatusBadGateway, nil, retry, 0},
		{"503 seconds", http.StatusServiceUnavailable, http.Header{"Retry-After": {"30"}}, retry, 30 * time.Second},
		// The date form is measured against the injected clock, which
		// setup sets to 16:25:00; 16:26:30 is 90s later.
		{"503 date", http.StatusServiceUnavailable, http.Header{"Retry-After": {"Sat, 14 Mar 2026 16:26:30 GMT"}}, retry, 90 * time.Second},
		{"429 junk", http.StatusTooManyRequests, http.Header{"Retry-After": {"soon"}}, retry, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := setup(t, testSubject, testSubject, func(int) (int, http.Header) { return tt.status, tt.header })
			err := b.sender.Send(t.Context(), notify.Push{Subscription: b.sub, Payload: []byte(`{"title":"x"}`)})
			var re *notify.RetryError
			switch tt.want {
			case ok:
				require.NoError(t, err)
				return
			case gone:
				require.ErrorIs(t, err, notify.ErrGone)
			case retry:
				require.ErrorAs(t, err, &re)
				require.Equal(t, tt.wantAfter, re.After)
			case permanent:
				require.ErrorIs(t, err, notify.ErrPermanent)
				require.NotErrorIs(t, err, notify.ErrGone)
				require.False(t, errors.As(err, &re))
			}
			var se *StatusError
			require.ErrorAs(t, err, &se)
			require.Equal(t, tt.status, se.StatusCode)
			require.Contains(t, err.Error(), tt.name[:3])
			require.NotContains(t, err.Error(), "gAAAAABk-test-token", "the endpoint is a capability, keep it out of errors")
		})
	}
}

func TestSendPermanentBeforeSending(t *testing.T) {
	t.Parallel()
	b := setup(t, testSubject, testSubject, pushtest.Always201)
	tests := []struct {
		name string
		push notify.Push
	}{
		{"payload too large", notify.Push{Payload: make([]byte, MaxPayload+1)}},
		{"expired", notify.Push{Payload: []byte(`{}`), TTL: -time.Minute}},
		{"unknown urgency", notify.Push{Payload: []byte(`{}`), Urgency: "urgent"}},
		{"topic too long", notify.Push{Payload: []byte(`{}`), Topic: strings.Repeat("a", 33)}},
		{"topic not base64url", notify.Push{Payload: []byte(`{}`), Topic: "ticket KM7R"}},
		{"bad subscription", notify.Push{Payload: []byte(`{}`), Subscription: notify.Subscription{Endpoint: "http://x"}}},
	}
	for _, tt := range tests {
		p := tt.push
		if p.Subscription.Endpoint == "" {
			p.Subscription = b.sub
		}
		err := b.sender.Send(t.Context(), p)
		require.ErrorIs(t, err, notify.ErrPermanent, tt.name)
	}
	require.Zero(t, b.svc.Requests(), "nothing reached the push service")
}

func TestSendTTLAndLimits(t *testing.T) {
	t.Parallel()
	b := setup(t, testSubject, testSubject, pushtest.Always201)
	largest := []byte(`"` + strings.Repeat("x", MaxPayload-2) + `"`)
	for _, p := range []notify.Push{
		{Payload: []byte(`{}`)},                               // TTL 0: the default
		{Payload: []byte(`{}`), TTL: 1500 * time.Millisecond}, // rounded up
		{Payload: largest, Urgency: "very-low"},
	} {
		p.Subscription = b.sub
		require.NoError(t, b.sender.Send(t.Context(), p))
	}
	got := b.svc.Received()
	require.Len(t, got, 3)
	require.Equal(t, "86400", got[0].TTL)
	require.Empty(t, got[0].Urgency, "no Urgency header means normal (RFC 8030 §5.3)")
	require.Empty(t, got[0].Topic)
	require.Equal(t, "2", got[1].TTL)
	require.Equal(t, largest, got[2].Plaintext, "MaxPayload bytes still fit the record")
	require.Equal(t, "very-low", got[2].Urgency)
}

// TestServiceRejectsForgeries shows the test service is not vacuous: a
// wrong subject, a foreign VAPID key or the wrong auth secret is refused,
// and Send reports the refusal as permanent with the service's reason.
func TestServiceRejectsForgeries(t *testing.T) {
	t.Parallel()
	push := func(b *bundle) notify.Push { return notify.Push{Subscription: b.sub, Payload: []byte(`{}`)} }

	t.Run("subject", func(t *testing.T) {
		t.Parallel()
		b := setup(t, testSubject, "mailto:someone-else@comune.example", pushtest.Always201)
		err := b.sender.Send(t.Context(), push(b))
		require.ErrorIs(t, err, notify.ErrPermanent)
		require.ErrorContains(t, err, "vapid: sub")
	})
	t.Run("VAPID key", func(t *testing.T) {
		t.Parallel()
		b := setup(t, testSubject, testSubject, pushtest.Always201)
		other, err := New(Config{Subject: testSubject, Keys: mustKeys(t), HTTPClient: b.svc.Client(), AllowAnyHTTPS: true})
		require.NoError(t, err)
		err = other.Send(t.Context(), push(b))
		require.ErrorIs(t, err, notify.ErrPermanent)
		require.ErrorContains(t, err, "k is not our VAPID public key")
	})
	t.Run("auth secret", func(t *testing.T) {
		t.Parallel()
		b := setup(t, testSubject, testSubject, pushtest.Always201)
		p := push(b)
		p.Subscription.Auth = b64(make([]byte, 16))
		err := b.sender.Send(t.Context(), p)
		require.ErrorIs(t, err, notify.ErrPermanent)
		require.ErrorContains(t, err, "decrypt")
		require.Empty(t, b.svc.Received())
	})
}
