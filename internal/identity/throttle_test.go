package identity

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHumanDelay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d      time.Duration
		it, en string
	}{
		{0, "1 secondo", "1 second"},
		{300 * time.Millisecond, "1 secondo", "1 second"},
		{59 * time.Second, "59 secondi", "59 seconds"},
		{59*time.Second + time.Millisecond, "1 minuto", "1 minute"},
		{61 * time.Second, "2 minuti", "2 minutes"},
		{15 * time.Minute, "15 minuti", "15 minutes"},
		{time.Hour, "1 ora", "1 hour"},
		{2*time.Hour + 30*time.Second, "2 ore e 1 minuto", "2 hours and 1 minute"},
		{24 * time.Hour, "24 ore", "24 hours"},
	} {
		it, en := humanDelay(tc.d)
		require.Equal(t, tc.it, it, tc.d)
		require.Equal(t, tc.en, en, tc.d)
	}
}

func TestAddressKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"192.0.2.1":                "ip:192.0.2.1",
		"::ffff:192.0.2.1":         "ip:192.0.2.1",
		"2001:db8:1:2:3:4:5:6":     "ip:2001:db8:1:2::/64",
		"2001:db8:1:2::9":          "ip:2001:db8:1:2::/64",
		"fe80::1%eth0":             "ip:fe80::/64",
		"not an address":           "ip:not an address",
		"2001:db8:1:3:ffff::ffff:": "ip:2001:db8:1:3:ffff::ffff:",
	} {
		require.Equal(t, want, addressKey(in), in)
	}
}
