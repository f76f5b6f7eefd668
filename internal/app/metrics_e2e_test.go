package app_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/clock"
)

// The queue gauges scraped from a running server: a booking's confirmation
// waits in the outbox (the dispatcher is held back), its age grows with the
// clock, and it leaves the backlog once sent.
func TestQueueBacklogMetrics(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupOpts(t, clk, []app.Option{app.WithManualDispatch()})
	scrape := func() string {
		res, err := http.Get(b.baseURL + "/metrics")
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return string(body)
	}
	value := func(body, metric, queue string) float64 {
		m := regexp.MustCompile(metric + `\{queue="` + regexp.QuoteMeta(queue) + `"\} (\S+)`).FindStringSubmatch(body)
		if m == nil {
			return -1
		}
		v, err := strconv.ParseFloat(m[1], 64)
		require.NoError(t, err)
		return v
	}
	body := scrape()
	require.Equal(t, 0.0, value(body, "varco_queue_due", "webhook"), "the webhook queue is always reported")
	require.Equal(t, -1.0, value(body, "varco_queue_due", "outbox:booking.confirmed"))

	p := registerCitizens(t, b, "MET", 1)[0]
	bookTour(t, p, tourSlot(t, b, clk.Now(), 0), 1)
	clk.Advance(90 * time.Second)
	body = scrape()
	require.Equal(t, 1.0, value(body, "varco_queue_due", "outbox:booking.confirmed"))
	require.InDelta(t, 90, value(body, "varco_queue_oldest_due_seconds", "outbox:booking.confirmed"), 1)

	_, err := b.app.DispatchOnce(context.Background())
	require.NoError(t, err)
	body = scrape()
	require.Equal(t, -1.0, value(body, "varco_queue_due", "outbox:booking.confirmed"), "sent: no longer due")
}
