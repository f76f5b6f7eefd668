package app_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/demo"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// An organizer registers a webhook in the staff app (after the server
// refused a plain-HTTP address, under the address), reads its signing
// secret once, sees the delivery of a booking made through the API fail
// with the receiver's status, sends it again from the page and sees the
// replay delivered with the same event id; then finds their own read of
// that booking's details in the audit trail, filtered by action and by
// who, and the server's refusal of an inverted period under the date.
func TestStaffWebhooksAndAuditInTheBrowser(t *testing.T) {
	t.Parallel()
	e := setupWebhooks(t)
	ctx := context.Background()
	u := staffUI{&citizenUI{t: t, b: e.b, ctx: browsertest.New(t).NewTab(t)}}
	u.open("", "#login")
	u.login("admin@comune.example", adminPassword)

	u.run(chromedp.Click("#nav-webhooks"), chromedp.WaitVisible("#hook-create"))
	u.setInput("#hook-url", "http://gestionale.example/varco", "input")
	u.run(chromedp.Click("#hook-create"), chromedp.WaitVisible("#hook-url-error"))
	require.NotEmpty(t, u.text("#hook-url-error"))
	u.snap("webhooks-error")

	u.setInput("#hook-url", e.recv.srv.URL+"/varco", "input")
	u.run(chromedp.Click("#hook-create"), chromedp.WaitVisible("#hook-secret"), chromedp.WaitVisible("#hook-table"))
	require.NotEmpty(t, u.text("#hook-secret"))
	hooks, err := e.admin.ListWebhooks(ctx, authBearer(&varcov1.ListWebhooksRequest{OrganizationId: demo.ComuneID}, e.organizer))
	require.NoError(t, err)
	require.Len(t, hooks.Msg.GetWebhooks(), 1)
	hook := hooks.Msg.GetWebhooks()[0]
	require.Equal(t, e.recv.srv.URL+"/varco", hook.GetUrl())
	require.Equal(t, []varcov1.WebhookEvent{varcov1.WebhookEvent_WEBHOOK_EVENT_BOOKING_CREATED, varcov1.WebhookEvent_WEBHOOK_EVENT_BOOKING_CANCELLED},
		hook.GetEvents(), "the events ticked by default")
	u.snap("webhooks")

	// A booking; the receiver refuses its delivery (400: not retried).
	p := registerCitizens(t, e.b, "WHB", 1)[0]
	bk, _ := bookTour(t, p, tourSlot(t, e.b, e.clk.Now(), 0), 1)
	e.recv.script(answer{status: 400})
	_, sent := e.run(t)
	require.Equal(t, 1, sent)
	first := e.deliveries(t, hook.GetId())
	require.Len(t, first, 1)
	failed := fmt.Sprintf(`#delivery-table tr[data-delivery=%q][data-state="FAILED"]`, first[0].GetId())
	u.run(chromedp.Click(fmt.Sprintf(`tr[data-webhook=%q] .hook-deliveries`, hook.GetId())), chromedp.WaitVisible(failed))
	require.Contains(t, u.text(failed), "booking.created")
	require.Contains(t, u.text(failed), "400")
	u.snap("webhooks-deliveries")

	// Sent again from the page: a new delivery of the same event, delivered.
	u.run(chromedp.Click(failed+" .hook-replay"), chromedp.WaitVisible("#hook-note"))
	replayed := fmt.Sprintf(`#delivery-table tr[data-replay-of=%q][data-event-id=%q]`, first[0].GetId(), first[0].GetEventId())
	u.run(chromedp.WaitVisible(replayed + `[data-state="PENDING"]`))
	_, sent = e.run(t)
	require.Equal(t, 1, sent)
	u.run(chromedp.Click("#hook-refresh"), chromedp.WaitVisible(replayed+`[data-state="DELIVERED"]`))
	got := e.recv.take()
	require.Len(t, got, 2, "the refused attempt and the replay")
	require.Equal(t, got[0].header.Get("Varco-Event-Id"), got[1].header.Get("Varco-Event-Id"))
	require.Equal(t, "booking.created", decodeEvent(t, got[1]).Type)
	require.Equal(t, bk.GetId(), decodeEvent(t, got[1]).Booking.ID)
	u.snap("webhooks-replayed")

	// The audit trail shows the organizer's read of the booking's details.
	_, err = e.admin.GetBookingDetails(ctx, authBearer(&varcov1.GetBookingDetailsRequest{BookingId: bk.GetId()}, e.organizer))
	require.NoError(t, err)
	read := fmt.Sprintf(`#audit-table tr[data-action="booking.view"][data-target=%q]`, bk.GetId())
	u.run(chromedp.Click("#nav-audit"), chromedp.WaitVisible("#audit-show"))
	u.setInput("#audit-action", "booking.view", "input")
	u.run(chromedp.Click("#audit-show"), chromedp.WaitVisible(read))
	require.Contains(t, u.text(read), "Anna Verdi")
	require.True(t, eval[bool](u.citizenUI, `[...document.querySelectorAll("#audit-table tbody tr")].every((tr) => tr.dataset.action === "booking.view")`))
	actor := eval[string](u.citizenUI, fmt.Sprintf(`document.querySelector(%q).dataset.actor`, read))
	u.setInput("#audit-actor", actor, "change")
	u.setInput("#audit-action", "booking.", "input")
	u.run(chromedp.Click("#audit-show"), chromedp.WaitVisible(read))
	require.True(t, eval[bool](u.citizenUI, fmt.Sprintf(`[...document.querySelectorAll("#audit-table tbody tr")].every((tr) => tr.dataset.actor === %q)`, actor)))
	u.snap("audit")

	u.setInput("#audit-from", "2026-12-10", "change")
	u.setInput("#audit-to", "2026-12-01", "change")
	u.run(chromedp.Click("#audit-show"), chromedp.WaitVisible("#audit-to-error"))
	require.Equal(t, "true", eval[string](u.citizenUI, `document.querySelector("#audit-to").getAttribute("aria-invalid")`))
	u.snap("audit-error")

	// Deleting asks for a confirmation first.
	u.run(chromedp.Click("#nav-webhooks"), chromedp.WaitVisible("#hook-table"), chromedp.Click(".hook-delete"),
		chromedp.Click(".hook-delete-confirm"), chromedp.WaitNotPresent("#hook-table"))
	hooks, err = e.admin.ListWebhooks(ctx, authBearer(&varcov1.ListWebhooksRequest{OrganizationId: demo.ComuneID}, e.organizer))
	require.NoError(t, err)
	require.Empty(t, hooks.Msg.GetWebhooks())
}
