package app_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/api"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// An organizer who hangs up after the first chunk of an export (RPC) or
// the first bytes of a download (GET) has read personal data all the same:
// the read is on record before the first byte arrives, and its end is
// recorded as aborted.
func TestAbortedExportsAreAudited(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC))
	b := setupWith(t, clk)
	_, organizer := bootstrapOrganizer(t, b)
	seedExport(t, b, 20000) // several MB: far more than the socket buffers hold
	admin := newAdminClient(b)
	const period = "2026-01-01..2026-01-31"
	trail := func(action string) []string {
		t.Helper()
		res, err := admin.ListAuditEvents(context.Background(), authBearer(&varcov1.ListAuditEventsRequest{
			OrganizationId: demo.ComuneID, PageSize: 500}, organizer))
		require.NoError(t, err)
		var out []string
		for _, ev := range res.Msg.GetEvents() {
			if ev.GetAction() == action {
				out = append(out, ev.GetDetail())
			}
		}
		return out
	}
	// The end of an aborted call is recorded once the server notices the
	// hang-up: poll for it, with a deadline.
	awaitEnd := func(want string) {
		t.Helper()
		recorded := func() bool {
			for _, d := range trail("bookings.export.end") {
				if strings.HasPrefix(d, period) && strings.HasSuffix(d, want) {
					return true
				}
			}
			return false
		}
		require.Eventually(t, recorded, 10*time.Second, 10*time.Millisecond, "no end recorded ending in %q", want)
	}

	// RPC: one chunk, then the client goes away.
	ctx, cancel := context.WithCancel(context.Background())
	stream, err := admin.ExportBookings(ctx, authBearer(&varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID,
		FromDate: "2026-01-01", ToDate: "2026-01-31"}, organizer))
	require.NoError(t, err)
	require.True(t, stream.Receive(), "%v", stream.Err())
	require.NotEmpty(t, stream.Msg().GetChunk())
	require.Equal(t, []string{period + " via=rpc"}, trail("bookings.export"), "on record before the first chunk arrived")
	cancel()
	_ = stream.Close()
	awaitEnd("via=rpc result=aborted")

	// GET: a few bytes, then the client goes away.
	q := url.Values{"organization_id": {demo.ComuneID}, "from_date": {"2026-01-01"}, "to_date": {"2026-01-31"}}
	req, err := http.NewRequest(http.MethodGet, b.baseURL+api.ExportBookingsPath+"?"+q.Encode(), nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+organizer)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, res.StatusCode)
	_, err = io.ReadFull(res.Body, make([]byte, 100))
	require.NoError(t, err)
	require.Contains(t, trail("bookings.export"), period+" via=bearer", "on record before the first byte arrived")
	require.NoError(t, res.Body.Close())
	awaitEnd("via=bearer result=aborted")
}
