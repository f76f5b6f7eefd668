package app_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// setupShot checks a page state of the organizer's setup: no serious
// accessibility violation, and a docs/ screenshot staff-setup-NN-name.png
// when asked for.
func (u staffUI) setupShot(name string) {
	u.t.Helper()
	browsertest.RequireNoSeriousAxe(u.t, u.ctx, name)
	if dir := os.Getenv("VARCO_SCREENSHOTS"); dir != "" {
		u.shot++
		png, err := chromedp.Run(u.ctx, chromedp.FullScreenshot(100))
		require.NoError(u.t, err)
		require.NoError(u.t, os.WriteFile(filepath.Join(dir, fmt.Sprintf("staff-setup-%02d-%s.png", u.shot, name)), png, 0o644))
	}
}

// The organizer's setup in the browser: a new place (after the server
// refused its time zone, under the field), a service there, a weekly rule
// and a closure whose week grid is previewed before saving — and the grid
// citizens get afterwards is exactly the preview. Then a citizen is made
// operator of the new service, and as operator sees none of the setup.
func TestStaffSetupInTheBrowser(t *testing.T) {
	t.Parallel()
	b, organizer := setupWithOrganizer(t)
	ctx := context.Background()
	people := registerCitizens(t, b, "SET", 2)
	clerk, citizen := people[0], people[1]
	cat := varcov1connect.NewCatalogServiceClient(http.DefaultClient, b.baseURL)

	// browsertest reduces motion: Bootstrap's smooth scrolling would
	// lose clicks on these long forms.
	tab := browsertest.New(t).NewTab(t)
	u := staffUI{&citizenUI{t: t, b: b, ctx: tab}}
	u.open("", "#login")
	u.login("admin@comune.example", adminPassword)

	// A place; the time zone is the server's to check.
	u.run(chromedp.Click("#nav-places"), chromedp.WaitVisible("#places-table"))
	u.setupShot("places")
	u.run(chromedp.Click("#place-new"), chromedp.WaitVisible("#place-name"))
	require.Equal(t, "Europe/Rome", eval[string](u.citizenUI, `document.querySelector("#place-zone").value`), "the default time zone")
	u.run(chromedp.SendKeys("#place-name", "Ufficio tributi"), chromedp.SendKeys("#place-street", "Piazza Corte Spagnola 2"),
		chromedp.SendKeys("#place-postal", "46010"), chromedp.SendKeys("#place-city", "Curtatone"), chromedp.SendKeys("#place-province", "MN"),
		chromedp.SendKeys("#place-lat", "45.1564"), chromedp.SendKeys("#place-lon", "10.7917"),
		chromedp.SendKeys("#place-phone", "0376 358111"), chromedp.SendKeys("#place-email", "tributi@comune.example"))
	browsertest.RequireNoConsoleErrors(t, u.ctx) // an error on purpose follows
	u.setInput("#place-zone", "Europa/Roma", "input")
	u.run(chromedp.Click("#place-save"), chromedp.WaitVisible("#place-zone-error"))
	require.Equal(t, "true", eval[string](u.citizenUI, `document.querySelector("#place-zone").getAttribute("aria-invalid")`))
	require.Contains(t, eval[string](u.citizenUI, `document.querySelector("#place-zone").getAttribute("aria-describedby")`), "place-zone-error")
	u.setupShot("place-error")
	u.setInput("#place-zone", "Europe/Rome", "input")
	u.run(chromedp.Click("#place-save"), chromedp.WaitVisible(`tr[data-place="Ufficio tributi"]`))
	places, err := cat.ListPlaces(ctx, connect.NewRequest(&varcov1.ListPlacesRequest{OrganizationId: demo.ComuneID}))
	require.NoError(t, err)
	var place *varcov1.Place
	for _, p := range places.Msg.GetPlaces() {
		if p.GetName() == "Ufficio tributi" {
			place = p
		}
	}
	require.NotNil(t, place)
	require.Equal(t, "Europe/Rome", place.GetTimeZone())
	require.InDelta(t, 45.1564, place.GetLocation().GetLatitude(), 1e-9)
	require.Equal(t, "Curtatone", place.GetAddress().GetCity())
	// Edited: the new phone is saved, the rest kept.
	u.open("luoghi/"+place.GetId(), "#place-phone")
	u.setInput("#place-phone", "0376 358200", "input")
	u.run(chromedp.Click("#place-save"), chromedp.WaitVisible("#place-saved"))
	require.Equal(t, "+390376358200", eval[string](u.citizenUI, `document.querySelector("#place-phone").value`), "the form shows what the server kept")
	places, err = cat.ListPlaces(ctx, connect.NewRequest(&varcov1.ListPlacesRequest{OrganizationId: demo.ComuneID}))
	require.NoError(t, err)
	for _, p := range places.Msg.GetPlaces() {
		if p.GetId() == place.GetId() {
			require.Equal(t, "+390376358200", p.GetContacts().GetPhone(), "normalized by the server")
			require.Equal(t, "Piazza Corte Spagnola 2", p.GetAddress().GetStreet())
			require.InDelta(t, 10.7917, p.GetLocation().GetLongitude(), 1e-9)
		}
	}

	// A service there, with one operator.
	u.run(chromedp.Click("#nav-tree"), chromedp.WaitVisible("#resource-tree"))
	u.setupShot("tree")
	u.run(chromedp.Click("#resource-new"), chromedp.WaitVisible("#res-name"))
	// The places load after the form: choosing one before its option
	// exists would leave the select on another place (seen under CI load).
	u.run(chromedp.WaitReady(`#res-place option[value="` + place.GetId() + `"]`))
	u.setInput("#res-place", place.GetId(), "change")
	require.Equal(t, place.GetId(), eval[string](u.citizenUI, `document.querySelector("#res-place").value`))
	u.run(chromedp.SendKeys("#res-name", "Sportello tributi"), chromedp.SendKeys("#res-documents", "Documento d'identità\nUltimo avviso TARI"))
	// No operator: the server's refusal shows under the operators.
	u.run(chromedp.Click("#resource-save"), chromedp.WaitVisible("#res-operators-error"))
	require.Contains(t, u.text("#res-operators-error"), "operatore")
	u.setupShot("resource-error")
	u.run(chromedp.SendKeys("#res-op-0", "Sportello 1"))
	u.setupShot("resource-form")
	u.run(chromedp.Click("#resource-save"), chromedp.WaitVisible(`li[data-resource="Sportello tributi"]`))
	tree, err := cat.ListResources(ctx, connect.NewRequest(&varcov1.ListResourcesRequest{OrganizationId: demo.ComuneID, PlaceId: place.GetId()}))
	require.NoError(t, err)
	require.Len(t, tree.Msg.GetResources(), 1)
	service := tree.Msg.GetResources()[0]
	require.Equal(t, varcov1.ResourceKind_RESOURCE_KIND_APPOINTMENT, service.GetKind())
	require.Equal(t, []string{"Documento d'identità", "Ultimo avviso TARI"}, service.GetDocumentsToBring())
	require.Len(t, service.GetOperators(), 1)

	// The guided tour's venue takes 40 people at once; a cap that is not a
	// number is refused before it is sent.
	before, err := cat.GetResource(ctx, connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: demo.TourID}))
	require.NoError(t, err)
	u.open("servizi/"+demo.TourID, "#res-maxInside")
	u.setInput("#res-maxInside", "quaranta", "input")
	u.run(chromedp.Click("#resource-save"), chromedp.WaitVisible("#res-maxInside-error"))
	u.setInput("#res-maxInside", "40", "input")
	u.run(chromedp.Click("#resource-save"), chromedp.WaitVisible("#resource-saved"))
	tour, err := cat.GetResource(ctx, connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: demo.TourID}))
	require.NoError(t, err)
	// Only the cap changed: every other field came back as it was.
	want := proto.Clone(before.Msg.GetResource()).(*varcov1.Resource)
	want.GetPolicy().GetTickets().MaxInside = 40
	require.True(t, proto.Equal(want, tour.Msg.GetResource()), "want %v\ngot  %v", want, tour.Msg.GetResource())
	u.setupShot("event-saved")

	// Opening hours: Monday 9-11 in 30-minute slots, closed on the
	// Wednesday of the week two weeks from now.
	rome := admRome(t)
	now := time.Now().In(rome)
	monday := now.AddDate(0, 0, 14-int((now.Weekday()+6)%7))
	mon, wed := monday.Format(time.DateOnly), monday.AddDate(0, 0, 2).Format(time.DateOnly)
	u.run(chromedp.Click("#nav-tree"), chromedp.WaitVisible(`li[data-resource="Sportello tributi"]`))
	u.run(chromedp.Click(`li[data-resource="Sportello tributi"] a[data-action="schedule"]`), chromedp.WaitVisible("#rule-add"))
	u.run(chromedp.Click("#rule-add"), chromedp.WaitVisible("#rule-0-start"))
	u.setInput("#rule-0-end", "11:00", "input")
	u.run(chromedp.Click("#rule-add"), chromedp.WaitVisible("#rule-1-start"))
	u.setInput("#rule-1-weekday", "3", "change") // Wednesday, closed that week
	u.setInput("#exc-start-date", wed, "input")
	u.run(chromedp.SendKeys("#exc-reason", "Inventario"), chromedp.Click("#exc-add"), chromedp.WaitVisible(`[data-new-exception="0"]`))
	require.True(t, eval[bool](u.citizenUI, `document.querySelector("#schedule-save").disabled`), "no saving before a preview")
	u.setInput("#preview-week", mon, "input")
	u.run(chromedp.Click("#preview-run"), chromedp.WaitVisible(`#preview-grid[data-current="true"]`))
	gridOf := func(sel string) []string {
		return eval[[]string](u.citizenUI, fmt.Sprintf(`[...document.querySelectorAll(%q)].flatMap(d =>
			d.dataset.closed ? [d.dataset.date + " closed " + d.dataset.closed] :
			[...d.querySelectorAll("li[data-start]")].map(li => d.dataset.date + " " + li.dataset.start + " " + li.dataset.state))`, sel))
	}
	preview := gridOf("#preview-grid section[data-date]")
	require.Contains(t, preview, wed+" closed Inventario")
	require.Contains(t, preview, mon+" 09:00 AVAILABLE")
	require.Contains(t, preview, mon+" 10:30 AVAILABLE")
	require.NotContains(t, preview, mon+" 11:00 AVAILABLE")
	u.setupShot("schedule-preview")

	u.run(chromedp.Click("#schedule-save"), chromedp.WaitVisible("#schedule-saved"))
	u.setupShot("schedule-saved")
	// What citizens get now is exactly the preview.
	grid, err := cat.GetAvailability(ctx, connect.NewRequest(&varcov1.GetAvailabilityRequest{ResourceId: service.GetId(),
		FromDate: mon, ToDate: monday.AddDate(0, 0, 6).Format(time.DateOnly)}))
	require.NoError(t, err)
	var got []string
	for _, d := range grid.Msg.GetDays() {
		switch {
		case d.GetClosedReason() != "":
			got = append(got, d.GetDate()+" closed "+d.GetClosedReason())
		case len(d.GetSlots()) == 0:
			got = append(got, d.GetDate()+" closed -")
		}
		for _, s := range d.GetSlots() {
			got = append(got, d.GetDate()+" "+s.GetLocalStart()+" "+strings.TrimPrefix(s.GetState().String(), "SLOT_STATE_"))
		}
	}
	require.Equal(t, preview, got)
	require.Len(t, grid.Msg.GetDays()[0].GetSlots(), 4, "09:00, 09:30, 10:00, 10:30")

	// A citizen books Monday 10:30; closing at 10:30 instead would strand
	// that booking: the preview names it with the phone to call, and so
	// does the page once saved. The booking is kept.
	last := grid.Msg.GetDays()[0].GetSlots()[3]
	hold, err := citizen.booking.HoldSlots(ctx, authBearer(&varcov1.HoldSlotsRequest{ResourceId: service.GetId(), SlotStart: last.GetStart()}, citizen.token))
	require.NoError(t, err)
	conf, err := citizen.booking.ConfirmBooking(ctx, authBearer(&varcov1.ConfirmBookingRequest{HoldId: hold.Msg.GetHold().GetId(),
		IdempotencyKey: uuid.NewString(), Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY}}, citizen.token))
	require.NoError(t, err)
	code := conf.Msg.GetBooking().GetCode()
	u.run(chromedp.WaitVisible("#rule-0-end"))
	u.run(chromedp.Click("#preview-run"), chromedp.WaitVisible(`#preview-grid[data-current="true"]`))
	u.setInput("#rule-0-end", "10:30", "input")
	u.run(chromedp.WaitVisible(`#preview-grid[data-current="false"]`))
	require.True(t, eval[bool](u.citizenUI, `document.querySelector("#schedule-save").disabled`), "a changed proposal needs a new preview")
	u.run(chromedp.Click("#preview-run"), chromedp.WaitVisible(`#preview-grid[data-current="true"]`),
		chromedp.WaitVisible(fmt.Sprintf(`#preview-stranded li[data-code=%q]`, code)))
	require.Contains(t, u.text(fmt.Sprintf(`#preview-stranded li[data-code=%q]`, code)), "3330000001")
	require.NotContains(t, gridOf("#preview-grid section[data-date]"), mon+" 10:30 FULL")
	u.setupShot("schedule-stranded")
	u.run(chromedp.Click("#schedule-save"), chromedp.WaitVisible(fmt.Sprintf(`#saved-stranded li[data-code=%q]`, code)))
	kept, err := citizen.booking.GetBooking(ctx, authBearer(&varcov1.GetBookingRequest{BookingId: conf.Msg.GetBooking().GetId()}, citizen.token))
	require.NoError(t, err)
	require.Equal(t, varcov1.BookingStatus_BOOKING_STATUS_CONFIRMED, kept.Msg.GetBooking().GetStatus())

	// A service with bookings is paused, not deleted, and the tree says so.
	u.run(chromedp.Click("#nav-tree"), chromedp.WaitVisible(`li[data-resource="Sportello tributi"]`),
		chromedp.Click(`li[data-resource="Sportello tributi"] button[data-action="delete"]`),
		chromedp.Click(`li[data-resource="Sportello tributi"] button[data-action="confirm-delete"]`), chromedp.WaitVisible("#tree-note"))
	require.Contains(t, u.text("#tree-note"), "in pausa")
	u.run(chromedp.WaitVisible(`//li[@data-resource="Sportello tributi"]//span[.="in pausa"]`))
	u.setupShot("tree-paused")
	paused, err := cat.ListResources(ctx, authBearer(&varcov1.ListResourcesRequest{OrganizationId: demo.ComuneID, PlaceId: place.GetId(), IncludeInactive: true}, organizer))
	require.NoError(t, err)
	require.False(t, paused.Msg.GetResources()[0].GetActive())

	// Staff: the citizen becomes operator of the new service.
	u.run(chromedp.Click("#nav-staff"), chromedp.WaitVisible("#staff-table"))
	u.run(chromedp.SendKeys("#grant-login", clerk.cf), chromedp.Click("#grant-res-"+service.GetId()), chromedp.Click("#grant-submit"),
		chromedp.WaitVisible(`tr[data-email="SET0@example.it"]`))
	require.Contains(t, u.text(`tr[data-email="SET0@example.it"]`), "Sportello tributi")
	require.Contains(t, u.text(`tr[data-email="SET0@example.it"] td.role`), "operatore")
	u.setupShot("staff")
	staff, err := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL).ListStaff(ctx,
		authBearer(&varcov1.ListStaffRequest{OrganizationId: demo.ComuneID}, organizer))
	require.NoError(t, err)
	var granted bool
	for _, m := range staff.Msg.GetMembers() {
		if m.GetEmail() == "SET0@example.it" {
			granted = m.GetRole().GetKind() == varcov1.StaffRoleKind_STAFF_ROLE_KIND_OPERATOR && len(m.GetRole().GetResourceIds()) == 1
		}
	}
	require.True(t, granted)

	// In English.
	u.run(chromedp.Click(`button[lang="en"]`), chromedp.WaitVisible(`//h1[.="Staff and roles"]`))
	require.Contains(t, u.text(`tr[data-email="SET0@example.it"] td.role`), "operator")
	u.setupShot("staff-en")

	// The operator sees none of it, and the routes are not there.
	u.run(chromedp.Click("#logout"), chromedp.WaitVisible("#login"))
	u.login(clerk.cf, "una password lunga")
	require.False(t, eval[bool](u.citizenUI, `!!document.querySelector("#nav-places, #nav-tree, #nav-staff")`))
	for _, route := range []string{"luoghi", "servizi", "orari/" + service.GetId(), "personale"} {
		u.open(route, `//h1[.="Page not found"]`)
	}
}
