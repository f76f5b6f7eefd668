package identity

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHumanDelay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		d          time.Duration
		it, en, de string
	}{
		{0, "1 secondo", "1 second", "1 Sekunde"},
		{300 * time.Millisecond, "1 secondo", "1 second", "1 Sekunde"},
		{59 * time.Second, "59 secondi", "59 seconds", "59 Sekunden"},
		{59*time.Second + time.Millisecond, "1 minuto", "1 minute", "1 Minute"},
		{61 * time.Second, "2 minuti", "2 minutes", "2 Minuten"},
		{15 * time.Minute, "15 minuti", "15 minutes", "15 Minuten"},
		{time.Hour, "1 ora", "1 hour", "1 Stunde"},
		{2*time.Hour + 30*time.Second, "2 ore e 1 minuto", "2 hours and 1 minute", "2 Stunden und 1 Minute"},
		{24 * time.Hour, "24 ore", "24 hours", "24 Stunden"},
	} {
		d := humanDelay(tc.d)
		require.Equal(t, tc.it, d.In("it"), tc.d)
		require.Equal(t, tc.en, d.In("en"), tc.d)
		require.Equal(t, tc.de, d.In("de"), tc.d)
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
