package app_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/app"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/notify/email/mailtest"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// The e-mails people actually receive: a ticket's confirmation states its
// seats, entry window and longest stay; someone booked for reads who
// booked for them but not the booker's private reason for cancelling; an
// office cancellation apologizes and links to book again; the office's
// phone reads as people write it.
func TestClearerMessagesEndToEnd(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(time.Now())
	sink := &mailtest.Sink{}
	port := mailtest.Start(t, sink, mailtest.PlainOnly, nil)
	b := setupOpts(t, clk, []app.Option{app.WithManualDispatch()}, func(c *config.Config) {
		c.SMTPHost, c.SMTPPort, c.SMTPTLS = "127.0.0.1", port, "none"
		c.PublicBaseURL = "https://prenota.example"
	})
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	booker := registerCitizens(t, b, "MSG", 1)[0]
	slot := tourSlot(t, b, clk.Now(), 0)
	textOf := func(to string) []string {
		var out []string
		for _, m := range sink.Messages() {
			if !strings.Contains(strings.Join(m.To, ","), to) {
				continue
			}
			_, parts := parseMail(t, m.Data)
			for _, p := range parts {
				if p.contentType == "text/plain" {
					out = append(out, string(p.body))
				}
			}
		}
		return out
	}
	bookFor := func(email string) *varcov1.Booking {
		h, err := booker.hold(ctx, slot.GetStart(), 2)
		require.NoError(t, err)
		res, err := booker.booking.ConfirmBooking(ctx, authBearer(&varcov1.ConfirmBookingRequest{
			HoldId: h.GetId(), IdempotencyKey: uuid.NewString(), Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY},
			Beneficiary: &varcov1.Person{GivenName: "Giulia", FamilyName: "Verdi", CodiceFiscale: "VRDGLI80A41F205V", Email: email},
		}, booker.token))
		require.NoError(t, err)
		return res.Msg.GetBooking()
	}

	// Booked for Giulia, then cancelled by the booker with a private reason.
	first := bookFor("giulia@example.it")
	_, err := b.app.DispatchOnce(ctx)
	require.NoError(t, err)
	conf := textOf("giulia@example.it")
	require.Len(t, conf, 1)
	rome, _ := time.LoadLocation("Europe/Rome")
	start := slot.GetStart().AsTime().In(rome)
	for _, want := range []string{
		"Questa prenotazione è stata fatta per te da Cittadino Numero.", // registerCitizens names them so
		"Valido per 2 persone",
		"Ingresso dalle ",
		"Permanenza massima: 1 h 30 min dall'ingresso",
		"+39 0376 000000", // the office's phone, grouped
	} {
		require.Contains(t, conf[0], want)
	}
	require.Contains(t, conf[0], start.Format("15:04"))
	// The receipt's link in the confirmation opens the PDF without logging in.
	receiptAt := strings.Index(conf[0], "https://prenota.example/bookings/")
	require.Positive(t, receiptAt)
	receiptURL := strings.Fields(conf[0][receiptAt:])[0]
	require.Contains(t, receiptURL, "/receipt.pdf?token=vc_")
	res, err := http.Get(b.baseURL + strings.TrimPrefix(receiptURL, "https://prenota.example"))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Equal(t, "application/pdf", res.Header.Get("Content-Type"))
	_, err = booker.booking.CancelBooking(ctx, authBearer(&varcov1.CancelBookingRequest{BookingId: first.GetId(),
		Reason: "Litigato con Giulia, non voglio che venga"}, booker.token))
	require.NoError(t, err)
	_, err = b.app.DispatchOnce(ctx)
	require.NoError(t, err)
	cancelled := textOf("giulia@example.it")
	require.Len(t, cancelled, 2)
	require.Contains(t, cancelled[1], "la tua prenotazione è stata annullata.")
	require.NotContains(t, cancelled[1], "Litigato", "the booker's reason is not the beneficiary's to read")

	// Booked for Giulia again; this time the office cancels.
	second := bookFor("giulia.verdi@example.it")
	admin := varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)
	_, err = admin.CancelBookingAsOperator(ctx, authBearer(&varcov1.CancelBookingAsOperatorRequest{BookingId: second.GetId(),
		Reason: "La sala è inagibile per un guasto"}, organizer))
	require.NoError(t, err)
	_, err = b.app.DispatchOnce(ctx)
	require.NoError(t, err)
	office := textOf("giulia.verdi@example.it")
	require.NotEmpty(t, office)
	for _, want := range []string{
		"l'ufficio ha dovuto annullare la tua prenotazione. Ci scusiamo per il disagio.",
		"Motivo: La sala è inagibile per un guasto",
		"Puoi scegliere un nuovo appuntamento:",
		"https://prenota.example/#/servizio/" + demo.TourID,
	} {
		require.Contains(t, office[len(office)-1], want)
	}
}
