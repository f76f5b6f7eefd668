package api

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// A read is coalesced only into the last record of the same account,
// organization, action and request, within the window; a clock that went
// back records again; repeats are reported once.
func TestReadCoalescer(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	week := &varcov1.ListBookingsRequest{OrganizationId: "org", FromDate: "2026-03-09", ToDate: "2026-03-15"}
	key := readKey("org", "anna", "calendar.view", week)
	for _, tc := range []struct {
		name   string
		key    [32]byte
		at     time.Time
		skip   bool
		detail string
	}{
		{"same read within the window", key, t0.Add(ReadCoalesceWindow - time.Second), true, ""},
		{"another account", readKey("org", "marco", "calendar.view", week), t0.Add(time.Minute), false, ""},
		{"another organization", readKey("org2", "anna", "calendar.view", week), t0.Add(time.Minute), false, ""},
		{"another action", readKey("org", "anna", "booking.view", week), t0.Add(time.Minute), false, ""},
		{"another week", readKey("org", "anna", "calendar.view",
			&varcov1.ListBookingsRequest{OrganizationId: "org", FromDate: "2026-03-16", ToDate: "2026-03-22"}), t0.Add(time.Minute), false, ""},
		{"the clock went back", key, t0.Add(-time.Second), false, ""},
		{"past the window", key, t0.Add(ReadCoalesceWindow), false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var c readCoalescer
			c.recorded(key, t0)
			skip, detail := c.skip(tc.key, tc.at)
			require.Equal(t, tc.skip, skip)
			require.Equal(t, tc.detail, detail)
		})
	}

	t.Run("repeats reported once", func(t *testing.T) {
		t.Parallel()
		var c readCoalescer
		c.recorded(key, t0)
		for i := range 3 {
			skip, _ := c.skip(key, t0.Add(time.Duration(i+1)*time.Minute))
			require.True(t, skip)
		}
		later := t0.Add(ReadCoalesceWindow + time.Minute)
		skip, detail := c.skip(key, later)
		require.False(t, skip)
		require.Equal(t, "repeats=3 since=2026-03-10T09:00:00Z", detail)
		c.recorded(key, later)
		_, detail = c.skip(key, later.Add(ReadCoalesceWindow))
		require.Empty(t, detail, "counted in the previous record")
	})

	t.Run("forgets what it has nothing to report about", func(t *testing.T) {
		t.Parallel()
		var c readCoalescer
		other := readKey("org", "marco", "calendar.view", week)
		c.recorded(key, t0)
		c.recorded(other, t0)
		_, _ = c.skip(other, t0.Add(time.Minute)) // a repeat to report
		c.recorded(readKey("org", "lia", "calendar.view", week), t0.Add(ReadCoalesceWindow))
		require.NotContains(t, c.seen, key)
		require.Contains(t, c.seen, other, "kept for its repeats")
		c.recorded(readKey("org", "lia", "calendar.view", week), t0.Add(24*time.Hour))
		require.NotContains(t, c.seen, other, "not beyond a day")
	})
}
