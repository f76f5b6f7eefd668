package appio_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/notify/appio"
	"github.com/varco-gate/varco/internal/notify/appio/appiotest"
)

func TestSend(t *testing.T) {
	t.Parallel()
	const (
		org, other        = "org-1", "org-2"
		inIO, refused, no = "RSSMRA85T10A562S", "BNCLRA90A41F205X", "VRDGPP80A01H501Z"
	)
	msg := func(cf string) notify.IOMessage {
		return notify.IOMessage{OutboxID: "m1", Kind: "booking.confirmed", OrganizationID: org, FiscalCode: cf,
			Subject: "Prenotazione confermata", Markdown: strings.Repeat("Il tuo appuntamento è confermato. ", 4)}
	}
	for _, tc := range []struct {
		name       string
		msg        notify.IOMessage
		keys       map[string]string
		fail       []int
		wantStatus int
		wantErr    error // nil: sent
		retry      bool
		after      time.Duration
		requests   int
	}{
		{name: "sent", msg: msg(inIO), wantStatus: 201, requests: 2},
		{name: "no IO profile", msg: msg(no), wantStatus: 404, wantErr: appio.ErrNoProfile, requests: 1},
		{name: "citizen turned the service off", msg: msg(refused), wantStatus: 200, wantErr: appio.ErrSenderNotAllowed, requests: 1},
		{name: "rate limited", msg: msg(inIO), fail: []int{429}, wantStatus: 429, retry: true, after: time.Second, requests: 2},
		{name: "IO down", msg: msg(inIO), fail: []int{503}, wantStatus: 503, retry: true, requests: 2},
		{name: "key refused", msg: msg(inIO), keys: map[string]string{org: "wrong"}, wantStatus: 401, retry: true, requests: 1},
		{name: "organization without IO", msg: func() notify.IOMessage { m := msg(inIO); m.OrganizationID = other; return m }(),
			wantErr: appio.ErrNotConfigured},
		{name: "subject too short for IO", msg: func() notify.IOMessage { m := msg(inIO); m.Subject = "Ciao"; return m }(),
			wantErr: notify.ErrPermanent},
		{name: "body too short for IO", msg: func() notify.IOMessage { m := msg(inIO); m.Markdown = "Breve."; return m }(),
			wantErr: notify.ErrPermanent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			io := appiotest.Start(t, "key-1")
			io.AddProfile(inIO, true)
			io.AddProfile(refused, false)
			io.FailNext(tc.fail...)
			keys := tc.keys
			if keys == nil {
				keys = map[string]string{org: "key-1"}
			}
			s := appio.New(appio.Config{BaseURL: io.URL, Keys: keys})
			out, err := s.Send(context.Background(), tc.msg)
			require.Equal(t, tc.wantStatus, out.Status)
			require.Equal(t, tc.requests, io.Requests())
			var re *notify.RetryError
			switch {
			case tc.retry:
				require.ErrorAs(t, err, &re)
				require.Equal(t, tc.after, re.After)
				require.Empty(t, io.Messages())
			case tc.wantErr != nil:
				require.ErrorIs(t, err, tc.wantErr)
				require.ErrorIs(t, err, notify.ErrPermanent, "not retried")
				require.False(t, errors.As(err, &re))
				require.Empty(t, io.Messages())
			default:
				require.NoError(t, err)
				got := io.Messages()
				require.Len(t, got, 1)
				require.Equal(t, out.MessageID, got[0].ID)
				require.Equal(t, inIO, got[0].FiscalCode)
				require.Equal(t, tc.msg.Subject, got[0].Subject)
				require.Equal(t, "key-1", got[0].Key)
			}
		})
	}
	// The key is a secret: it is in a header, never in an error.
	s := appio.New(appio.Config{BaseURL: "http://127.0.0.1:1", Keys: map[string]string{org: "s3cret-key"}})
	_, err := s.Send(context.Background(), msg(inIO))
	require.Error(t, err)
	require.NotContains(t, err.Error(), "s3cret-key")
	require.True(t, s.Enabled(org))
	require.False(t, s.Enabled(other))
}
