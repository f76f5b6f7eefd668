package app_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/gate"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// An operator of the guided tour watches its live occupancy in the staff
// app (GateService.WatchOccupancy streamed to the browser with the staff
// session): a gate's entry scan shows up without a reload, and so do
// the people still inside past their maximum stay. The operator is
// offered neither webhooks nor the audit trail, and their routes are not
// found.
func TestStaffLiveOccupancyInTheBrowser(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	b := setupWith(t, clk)
	_, organizer := bootstrapOrganizer(t, b)
	ctx := context.Background()
	dev := enrollDevice(t, b, organizer, "Ingresso", varcov1.GateDirection_GATE_DIRECTION_BOTH, clk)
	people := registerCitizens(t, b, "OCB", 2)
	_, err := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL).GrantRole(ctx, authBearer(&varcov1.GrantRoleRequest{
		OrganizationId: demo.ComuneID, Login: people[1].cf, Kind: varcov1.StaffRoleKind_STAFF_ROLE_KIND_OPERATOR,
		ResourceIds: []string{demo.TourID}}, organizer))
	require.NoError(t, err)
	slot := tourSlot(t, b, clk.Now(), 0)
	_, payload := bookTour(t, people[0], slot, 2)
	start := slot.GetStart().AsTime()
	clk.Set(start.Add(-5 * time.Minute)) // the day of the tour, the gate open

	u := staffUI{&citizenUI{t: t, b: b, ctx: browsertest.New(t).NewTab(t)}}
	u.open("", "#login")
	u.login(people[1].cf, "una password lunga")
	require.True(t, eval[bool](u.citizenUI, `!!document.querySelector("#nav-occupancy") && !document.querySelector("#nav-webhooks") && !document.querySelector("#nav-audit")`))
	for _, route := range []string{"webhook", "registro"} {
		u.open(route, "#page-title")
		require.Equal(t, "Pagina non trovata", u.text("#page-title"))
	}

	row := fmt.Sprintf(`#occ-table tr[data-slot=%q]`, start.UTC().Format("2006-01-02T15:04:05.000Z"))
	u.run(chromedp.Click("#nav-occupancy"), chromedp.WaitVisible(row+`[data-inside="0"]`))
	require.Contains(t, u.text("#occ-state"), "In diretta")
	u.snap("occupancy-before")

	require.Equal(t, gate.Accepted, dev.scan(t, payload, gate.Entry).Verdict)
	u.run(chromedp.WaitVisible(row + `[data-inside="2"][data-entries="2"]`))
	require.Equal(t, "2", u.text("#occ-inside"))
	u.snap("occupancy")

	// Past the maximum stay (90 minutes from the entry), still inside.
	clk.Advance(100 * time.Minute)
	u.run(chromedp.WaitVisible(row + `[data-overstays="2"]`))
	require.Equal(t, "2", u.text("#occ-overstays"))
	u.snap("occupancy-overstay")
}
