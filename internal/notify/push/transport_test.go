package push

import (
	"context"
	"github.com/varco-gate/varco/internal/notify/push/pushtest"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/notify"
)

func TestSendDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	var target atomic.Value
	b := setup(t, testSubject, testSubject, func(int) (int, http.Header) {
		return http.StatusTemporaryRedirect, http.Header{"Location": {target.Load().(string)}}
	})
	target.Store(b.svc.URL() + "/internal/admin")
	err := b.sender.Send(t.Context(), notify.Push{Subscription: b.sub, Payload: []byte(`{}`)})
	require.ErrorIs(t, err, notify.ErrPermanent)
	require.EqualValues(t, 1, b.svc.Requests(), "the redirect target was not requested")
}

// TestSendClosesBodies checks every response body is closed, whatever the
// status, so connections are not leaked.
func TestSendClosesBodies(t *testing.T) {
	t.Parallel()
	statuses := []int{http.StatusCreated, http.StatusGone, http.StatusTooManyRequests, http.StatusBadRequest, http.StatusInternalServerError}
	keys, err := GenerateVAPID()
	require.NoError(t, err)
	svc := pushtest.New(t, keys.PublicKey, testSubject, func(n int) (int, http.Header) {
		return statuses[n%len(statuses)], nil
	})
	counting := &countingTransport{base: svc.Client().Transport}
	sender, err := New(Config{Subject: testSubject, Keys: keys, HTTPClient: &http.Client{Transport: counting}, AllowAnyHTTPS: true})
	require.NoError(t, err)
	sub := notify.Subscription{Endpoint: svc.Endpoint, P256dh: svc.P256dh(), Auth: svc.Auth()}
	for range statuses {
		_ = sender.Send(t.Context(), notify.Push{Subscription: sub, Payload: []byte(`{}`)})
	}
	require.EqualValues(t, len(statuses), counting.opened.Load())
	require.EqualValues(t, len(statuses), counting.closed.Load())
}

type countingTransport struct {
	base           http.RoundTripper
	opened, closed atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	c.opened.Add(1)
	resp.Body = &countingBody{ReadCloser: resp.Body, closed: &c.closed}
	return resp, nil
}

type countingBody struct {
	io.ReadCloser
	closed *atomic.Int64
}

func (b *countingBody) Close() error {
	b.closed.Add(1)
	return b.ReadCloser.Close()
}

func TestSendHonoursContext(t *testing.T) {
	t.Parallel()
	arrived := make(chan struct{}, 1)
	release := make(chan struct{})
	b := setup(t, testSubject, testSubject, func(int) (int, http.Header) {
		arrived <- struct{}{}
		<-release
		return http.StatusCreated, nil
	})
	// Registered after setup's server.Close, so it runs first and the
	// blocked handler can return before the server waits for it.
	t.Cleanup(func() { close(release) })
	push := notify.Push{Subscription: b.sub, Payload: []byte(`{}`)}

	t.Run("cancelled before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		err := b.sender.Send(ctx, push)
		require.ErrorIs(t, err, context.Canceled)
		var re *notify.RetryError
		require.ErrorAs(t, err, &re, "an unsent message is retried later")
		require.Zero(t, b.svc.Requests())
	})
	t.Run("cancelled in flight", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan error, 1)
		go func() { done <- b.sender.Send(ctx, push) }()
		<-arrived
		cancel()
		err := <-done
		require.ErrorIs(t, err, context.Canceled)
		var re *notify.RetryError
		require.ErrorAs(t, err, &re)
	})
}

func TestSendNetworkErrorIsRetried(t *testing.T) {
	t.Parallel()
	b := setup(t, testSubject, testSubject, pushtest.Always201)
	b.svc.Close() // nothing listens on the endpoint any more
	err := b.sender.Send(t.Context(), notify.Push{Subscription: b.sub, Payload: []byte(`{}`)})
	var re *notify.RetryError
	require.ErrorAs(t, err, &re)
	require.Zero(t, re.After)
	require.NotErrorIs(t, err, notify.ErrGone)
	require.NotContains(t, err.Error(), "gAAAAABk-test-token")
}

func TestHTTPClientIsCopied(t *testing.T) {
	t.Parallel()
	keys, err := GenerateVAPID()
	require.NoError(t, err)
	mine := &http.Client{}
	s, err := New(Config{Subject: testSubject, Keys: keys, HTTPClient: mine})
	require.NoError(t, err)
	require.Zero(t, mine.Timeout, "the caller's client is left alone")
	require.Nil(t, mine.CheckRedirect)
	require.Equal(t, DefaultTimeout, s.client.Timeout)
	require.NotNil(t, s.client.CheckRedirect)
	require.Equal(t, keys.PublicKey, s.PublicKey())
}
