package api

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// The hand-written texts of the edge come from the catalog in the
// caller's language, German included: the shutdown notice of endless
// streams and the operator's sentence for a scan reason (which exports
// reuse).
func TestEdgeTextsInEveryLanguage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ acceptLanguage, shutdown, inside string }{
		{"", "Il server si sta riavviando: riconnettersi.", "Già entrato: il titolare risulta dentro"},
		{"en-GB", "The server is restarting: reconnect.", "Already inside"},
		{"de-AT, en;q=0.5", "Der Server wird neu gestartet: Bitte neu verbinden.", "Bereits eingetreten: Der Inhaber ist drinnen"},
	} {
		lang := Language(http.Header{"Accept-Language": {tc.acceptLanguage}})
		require.Equal(t, tc.shutdown, shuttingDownMessage(lang), tc.acceptLanguage)
		require.Equal(t, tc.inside, ScanReasonText("ALREADY_INSIDE", lang), tc.acceptLanguage)
	}
	require.Empty(t, ScanReasonText("NO_SUCH_REASON", "de"))
}
