package receipt_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/receipt"
	"github.com/varco-gate/varco/internal/ticket"
)

// pdfText reads a PDF back with poppler's pdftotext, a tool that shares
// nothing with the writer.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext missing (CI must install poppler-utils: see .ci/run)")
		}
		t.Skip("pdftotext (poppler-utils) not installed")
	}
	path := filepath.Join(t.TempDir(), "r.pdf")
	require.NoError(t, os.WriteFile(path, pdf, 0o644))
	out, err := exec.Command(bin, "-layout", path, "-").Output()
	require.NoError(t, err)
	return string(out)
}

func TestReceiptReadsBack(t *testing.T) {
	t.Parallel()
	rome, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	qr, err := ticket.PNG("VT1:ABC123", 480)
	require.NoError(t, err)
	base := receipt.Receipt{
		OrgName: "Comune di Borgo Varco", OrgContact: "+39 0376 000000", Service: "Carta d'identità elettronica",
		Place: "Ufficio Anagrafe", Address: "Piazza del Municipio 1, 46010 Borgo Varco (MN)",
		Start: time.Date(2026, 12, 7, 8, 30, 0, 0, rome), End: time.Date(2026, 12, 7, 8, 50, 0, 0, rome), TimeZone: rome,
		Code: "KM7R-4TXA", Beneficiary: "Giulia Verdi", CodiceFiscale: "VRDGLI80A41F205V", BookedBy: "Mario Rossi",
		Documents: []string{"Una fototessera recente", "La vecchia carta d'identità"}, IssuedAt: time.Date(2026, 12, 2, 9, 0, 0, 0, rome),
	}
	for _, tc := range []struct {
		lang, status string
		qr           bool
		want         []string
	}{
		{lang: "it", status: "Confermata", want: []string{"Ricevuta di prenotazione", "KM7R-4TXA", "Comune di Borgo Varco",
			"Carta d'identità elettronica", "lunedì 7 dicembre 2026, ore 08:30 – 08:50", "Ufficio Anagrafe", "Piazza del Municipio 1",
			"Giulia Verdi", "VRDGLI80A41F205V", "Prenotata da", "Mario Rossi", "Documenti da portare", "Una fototessera recente",
			"Stato", "Confermata", "Ricevuta generata il mercoledì 2 dicembre 2026, ore 09:00"}},
		{lang: "en", status: "Confirmed", qr: true, want: []string{"Booking receipt", "Monday 7 December 2026, 08:30 – 08:50",
			"Show this QR code at the entrance", "Valid for one person", "Documents to bring"}},
	} {
		r := base
		r.Language, r.Status = tc.lang, tc.status
		if tc.qr {
			r.QRPNG, r.TicketLines = qr, []string{"Valid for one person"}
		}
		pdf, err := receipt.PDF(r)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(string(pdf), "%PDF-"))
		require.Less(t, len(pdf), 120<<10, "fonts are subset: a receipt stays small")
		text := strings.Join(strings.Fields(pdfText(t, pdf)), " ")
		for _, w := range tc.want {
			require.Contains(t, text, w, tc.lang)
		}
	}
}
