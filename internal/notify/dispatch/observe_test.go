package dispatch_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/notify/dispatch"
)

// Every delivery attempt is reported with its channel and what it came
// to: the metrics of deliveries and failures are built on it.
func TestObserveReportsEachAttempt(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		emailErrs []error
		pushErrs  []error
		want      []string
	}{
		{"both delivered", nil, nil, []string{"email delivered", "push delivered"}},
		{"temporary e-mail failure", []error{&notify.RetryError{Err: errors.New("451")}}, nil,
			[]string{"email temporary", "push delivered"}},
		{"permanent e-mail failure", []error{errors.New("550 no such user")}, nil,
			[]string{"email permanent", "push delivered"}},
		{"gone subscription", nil, []error{notify.ErrGone}, []string{"email delivered", "push gone"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var seen []string
			e := setup(t, dispatch.Config{Observe: func(channel string, o dispatch.Outcome) {
				mu.Lock()
				defer mu.Unlock()
				seen = append(seen, channel+" "+string(o))
			}})
			e.rec.emailErrs, e.rec.pushErrs = tc.emailErrs, tc.pushErrs
			e.enqueue(t, e.clk.Now())
			_, err := e.d.RunOnce(context.Background())
			require.NoError(t, err)
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, tc.want, seen)
		})
	}
}

func TestDeliveryChannel(t *testing.T) {
	t.Parallel()
	for want, d := range map[string]dispatch.Delivery{
		"email":   {Email: &notify.Email{}},
		"push":    {Push: &notify.Push{}},
		"webhook": {Webhook: &notify.Webhook{}},
		"io":      {IO: &notify.IOMessage{}},
	} {
		require.Equal(t, want, d.Channel())
	}
}
