package push

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/clock"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 14, 16, 25, 0, 0, time.UTC)
	s := &Sender{clock: clock.NewFake(now)}
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"120", 120 * time.Second},
		{" 120 ", 120 * time.Second},
		{"0", 0},
		{"-5", 0},
		{"1.5", 0},
		{"later", 0},
		{"99999999999", maxRetryAfter},
		{"Sat, 14 Mar 2026 16:26:30 GMT", 90 * time.Second},
		{"Saturday, 14-Mar-26 16:26:30 GMT", 90 * time.Second}, // RFC 850, still valid
		{"Sat, 14 Mar 2026 16:00:00 GMT", 0},                   // already past
		{"Sun, 15 Mar 2026 18:00:00 GMT", maxRetryAfter},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, s.retryAfter(tt.in), tt.in)
	}
}

func TestSanitise(t *testing.T) {
	t.Parallel()
	require.Equal(t, "VAPID public key mismatch", sanitise("VAPID public key\r\n mismatch\x00"))
	require.Equal(t, "ok", sanitise("\xffok"))
}
