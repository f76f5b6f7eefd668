package email

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/notify"
)

// The guest's one-time code e-mail is written from the catalog in the
// booking's language: Italian, English or German.
func TestComposeCodeLanguages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ lang, htmlLang, subject, validity string }{
		{"it", "it", "Il tuo codice per prenotare: 482913", "Vale 10 minuti, una sola volta."},
		{"en", "en", "Your booking code: 482913", "It works for 10 minutes, once."},
		{"de", "de", "Ihr Code zum Buchen: 482913", "Er gilt 10 Minuten und nur einmal."},
		{"fr", "it", "Il tuo codice per prenotare: 482913", "Vale 10 minuti, una sola volta."},
	} {
		m, err := ComposeCode(notify.GuestCodeView{Language: tc.lang, Email: "ospite@example.org", Code: "482913",
			Resource: "Visita guidata", OrgName: "Comune di Valle Serena", Valid: 10 * time.Minute}, "<id@varco>")
		require.NoError(t, err, tc.lang)
		require.Equal(t, tc.subject, m.Subject, tc.lang)
		require.Contains(t, m.Text, tc.validity, tc.lang)
		require.Contains(t, m.Text, "Visita guidata (Comune di Valle Serena)", tc.lang)
		require.Contains(t, m.HTML, `<html lang="`+tc.htmlLang+`">`, tc.lang)
	}
}
