package notify

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 14, 16, 25, 0, 0, time.UTC)
	const limit = 24 * time.Hour
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
		{"99999999999", limit},
		{"Sat, 14 Mar 2026 16:26:30 GMT", 90 * time.Second},
		{"Saturday, 14-Mar-26 16:26:30 GMT", 90 * time.Second}, // RFC 850, still valid
		{"Sat, 14 Mar 2026 16:00:00 GMT", 0},                   // already past
		{"Sun, 15 Mar 2026 18:00:00 GMT", limit},
	}
	for _, tt := range tests {
		require.Equal(t, tt.want, RetryAfter(tt.in, now, limit), tt.in)
	}
}

func TestSanitise(t *testing.T) {
	t.Parallel()
	require.Equal(t, "VAPID public key mismatch", Sanitise("VAPID public key\r\n mismatch\x00"))
	require.Equal(t, "ok", Sanitise("\xffok"))
}
