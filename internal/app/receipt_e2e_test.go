package app_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/config"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// poppler runs one of poppler-utils' tools (pdftotext, pdftoppm): readers
// that share nothing with the PDF writer.
func poppler(t *testing.T, tool string, args ...string) []byte {
	t.Helper()
	bin, err := exec.LookPath(tool)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s missing (CI must install poppler-utils: see .ci/run)", tool)
		}
		t.Skipf("%s (poppler-utils) not installed", tool)
	}
	out, err := exec.Command(bin, args...).Output()
	require.NoError(t, err, tool)
	return out
}

// readPDF returns a PDF's text (words joined by single spaces) and its
// first page as a PNG.
func readPDF(t *testing.T, pdf []byte) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "r.pdf")
	require.NoError(t, os.WriteFile(path, pdf, 0o644))
	text := strings.Join(strings.Fields(string(poppler(t, "pdftotext", "-layout", path, "-"))), " ")
	poppler(t, "pdftoppm", "-png", "-r", "150", "-singlefile", path, filepath.Join(dir, "page"))
	png, err := os.ReadFile(filepath.Join(dir, "page.png"))
	require.NoError(t, err)
	return text, png
}

// A citizen downloads the receipt of a ticketed booking over the RPC and
// from its no-login link: the text read back by pdftotext holds the
// booking's facts, the QR read back by zbarimg is the ticket; a wrong link
// is a 404; after the cancellation the receipt says so and has no QR.
func TestReceiptEndToEnd(t *testing.T) {
	t.Parallel()
	const public = "https://prenota.example"
	clk := clock.NewFake(time.Now())
	b := setupOpts(t, clk, nil, func(c *config.Config) { c.PublicBaseURL = public })
	ctx := context.Background()
	p := registerCitizens(t, b, "RCP", 1)[0]
	slot := tourSlot(t, b, clk.Now(), 0)
	bk, payload := bookTour(t, p, slot, 2)

	res, err := p.booking.GetReceipt(ctx, authBearer(&varcov1.GetReceiptRequest{BookingId: bk.GetId()}, p.token))
	require.NoError(t, err)
	require.Equal(t, "ricevuta-"+strings.ReplaceAll(bk.GetCode(), "-", "")+".pdf", res.Msg.GetFileName())
	text, page := readPDF(t, res.Msg.GetPdf())
	rome, _ := time.LoadLocation("Europe/Rome")
	start := slot.GetStart().AsTime().In(rome)
	for _, want := range []string{"Ricevuta di prenotazione", bk.GetCode(), "Comune di Borgo Varco", "Visita guidata al Palazzo Comunale",
		"Palazzo Comunale", "ore " + start.Format("15:04"), "Cittadino Numero", p.cf, "Confermata", "Posti 2",
		"Valido per 2 persone", "Permanenza massima: 1 h 30 min dall'ingresso", "+39 0376 000000"} {
		require.Contains(t, text, want)
	}
	require.Equal(t, payload, browsertest.DecodeQR(t, page), "the receipt's QR is the ticket")

	// In English when the app asks so.
	req := authBearer(&varcov1.GetReceiptRequest{BookingId: bk.GetId()}, p.token)
	req.Header().Set("Accept-Language", "en")
	en, err := p.booking.GetReceipt(ctx, req)
	require.NoError(t, err)
	enText, _ := readPDF(t, en.Msg.GetPdf())
	require.Contains(t, enText, "Booking receipt")
	require.Contains(t, enText, "Valid for 2 people")

	// The no-login link, at the public address.
	link := res.Msg.GetUrl()
	require.True(t, strings.HasPrefix(link, public+"/bookings/"), link)
	local := b.baseURL + strings.TrimPrefix(link, public)
	get := func(u string) (*http.Response, []byte) {
		resp, err := http.Get(u)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp, body
	}
	resp, body := get(local)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	linkText, _ := readPDF(t, body)
	require.Contains(t, linkText, bk.GetCode())
	calendarLinkSig := strings.Replace(local, "/receipt.pdf", "/calendar.ics", 1)
	for _, u := range []string{local[:len(local)-2] + "AA", strings.Replace(local, "sig=", "token=", 1)} {
		resp, _ := get(u)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, u)
	}
	resp, _ = get(calendarLinkSig)
	require.Equal(t, http.StatusNotFound, resp.StatusCode, "a receipt's MAC does not open the calendar file")

	_, err = p.booking.CancelBooking(ctx, authBearer(&varcov1.CancelBookingRequest{BookingId: bk.GetId()}, p.token))
	require.NoError(t, err)
	resp, body = get(local)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	cancelled, _ := readPDF(t, body)
	require.Contains(t, cancelled, "Annullata")
	require.NotContains(t, cancelled, "Mostra questo QR", "a cancelled booking's receipt has no ticket")
}
