package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/i18n"
)

// The tables and sentences the CLI prints follow --lang (or VARCO_LANG):
// Italian, English and German, from the cli domain of the one catalog.
func TestTablesFollowLang(t *testing.T) {
	t.Parallel()
	u := admin(t)

	for _, tc := range []struct{ lang, whoami, mine, dryRun string }{
		{"it", "amministratore dell'installazione  sì", "Nessuna prenotazione.\n",
			"13 creati, 0 aggiornati, 0 invariati (prova: nulla è stato cambiato)."},
		{"en", "installation administrator  yes", "No bookings.\n",
			"13 created, 0 updated, 0 unchanged (dry run: nothing was changed)."},
		{"de", "Administrator der Installation  ja", "Keine Buchungen.\n",
			"13 angelegt, 0 geändert, 0 unverändert (Probelauf: nichts wurde geändert)."},
	} {
		require.Contains(t, u.ok("whoami", "--lang", tc.lang), tc.whoami, tc.lang)
		require.Equal(t, tc.mine, u.ok("mine", "--lang", tc.lang), tc.lang)
		require.Contains(t, u.ok("apply", "-f", "testdata/comune.yaml", "--dry-run", "--lang", tc.lang), tc.dryRun, tc.lang)
	}
	dry := u.ok("apply", "-f", "testdata/comune.yaml", "--dry-run", "--lang", "de")
	require.Contains(t, dry, "würde angelegt  Körperschaft  Comune di Valle Serena")

	// The environment sets the default; the flag wins.
	de := newUser(t, u.srv, "VARCO_LANG", "de", "VARCO_TOKEN", u.token())
	require.Contains(t, de.ok("whoami"), "Administrator der Installation")
	require.Contains(t, de.ok("whoami", "--lang", "it"), "amministratore dell'installazione")

	_, errOut, err := u.run("", "mine", "--lang", "fr")
	require.Error(t, err)
	require.Equal(t, "varco: --lang \"fr\": use it, en or de\n", errOut)
}

// Every label of the stats table is in the catalog (they are keys in a
// table, which TestGoKeysInCatalog does not see).
func TestStatRowsInCatalog(t *testing.T) {
	t.Parallel()
	for _, row := range statRows {
		require.True(t, i18n.Has(row.label), row.label)
	}
}
