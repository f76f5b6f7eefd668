package render

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/notify"
	"github.com/varco-gate/varco/internal/outbox"
)

// Every kind, in both languages, fits IO's limits, even for a service with
// a very long name and nothing else to say; text from organizers cannot
// inject Markdown.
func TestIOTextFitsIOLimits(t *testing.T) {
	t.Parallel()
	rome, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	start := time.Date(2026, 10, 25, 9, 30, 0, 0, rome) // the day summer time ends
	views := map[string]notify.BookingView{
		"bare": {Resource: "Museo", Code: "KM7R-4TXA", Start: start, TimeZone: rome, TicketExpires: start.Add(90 * time.Minute)},
		"long": {Resource: strings.Repeat("Visita guidata lunghissima ", 10), Code: "KM7R-4TXA", Start: start, TimeZone: rome,
			Place: "Sala *grande*", Reason: "[clicca](http://evil.example)", OrgName: "Comune", Documents: []string{"- Documento"},
			TicketExpires: start.Add(90 * time.Minute)},
	}
	kinds := []string{outbox.KindBookingConfirmed, outbox.KindBookingRescheduled, outbox.KindBookingCancelled,
		outbox.KindBookingReminder, outbox.KindTicketExpiryWarning, outbox.KindTicketExpired}
	for name, v := range views {
		for _, kind := range kinds {
			for _, lang := range []string{"it", "en"} {
				subject, body := IOText(kind, v, lang)
				require.True(t, utf8.RuneCountInString(subject) >= 10 && utf8.RuneCountInString(subject) <= 120, "%s %s %s: %q", name, kind, lang, subject)
				require.True(t, utf8.RuneCountInString(body) >= 80 && utf8.RuneCountInString(body) <= 10000, "%s %s %s", name, kind, lang)
				require.NotContains(t, body, "[clicca](", "a reason cannot become a link")
			}
		}
	}
	_, body := IOText(outbox.KindTicketExpiryWarning, views["bare"], "it")
	require.Contains(t, body, "devi uscire entro le 11:00")
	_, body = IOText(outbox.KindTicketExpiryWarning, views["bare"], "en")
	require.Contains(t, body, "please leave by 11:00")
	_, body = IOText(outbox.KindBookingCancelled, views["long"], "it")
	require.Contains(t, body, `Motivo: \[clicca\](http://evil.example)`)
}
