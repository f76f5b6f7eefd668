package main

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/browsertest"
	"github.com/varco-gate/varco/internal/qrcode"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// enrollCodeIn reads the enrollment code out of what the QR holds, as the
// gate app does (web/src/gate/enroll.tsx codeFrom): a link to /gate/ with
// ?codice=.
func enrollCodeIn(t *testing.T, server, text string) string {
	t.Helper()
	prefix := server + "/gate/#/?"
	require.True(t, strings.HasPrefix(text, prefix), "QR %q is a link to the gate app", text)
	q, err := url.ParseQuery(strings.TrimPrefix(text, prefix))
	require.NoError(t, err)
	return q.Get("codice")
}

// textModules reads back the half-block drawing of qrText: blank is dark.
func textModules(t *testing.T, text string) [][]bool {
	t.Helper()
	var m [][]bool
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		var top, bottom []bool
		for _, r := range line {
			switch r {
			case '█':
				top, bottom = append(top, false), append(bottom, false)
			case '▀':
				top, bottom = append(top, false), append(bottom, true)
			case '▄':
				top, bottom = append(top, true), append(bottom, false)
			case ' ':
				top, bottom = append(top, true), append(bottom, true)
			default:
				t.Fatalf("unexpected %q in the QR drawing", r)
			}
		}
		m = append(m, top, bottom)
	}
	return m
}

// The enrollment code comes as a QR too: drawn in the terminal and written
// as a PNG with --png, each read back by zbarimg (not the library that drew
// it) as a link to the gate app holding the very code the server made,
// with a quiet zone of 4 modules all round.
func TestEnrollCodeQR(t *testing.T) {
	t.Parallel()
	u := admin(t)
	report := u.apply("-f", "testdata/comune.yaml")
	event := changeID(t, report, "resource", "Concerto d'autunno")
	file := filepath.Join(t.TempDir(), "codice.png")

	out := u.ok("enroll-code", "--org", report.OrganizationID, "--name", "Ingresso teatro", "--resource", event, "--direction", "entry", "--png", file)
	i := strings.Index(out, "Enrollment code for ")
	require.Positive(t, i, out)
	drawing, rest := out[:i], out[i:]
	line := strings.SplitN(rest, "\n", 2)[0]
	code := line[strings.LastIndex(line, " ")+1:]

	img, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, code, enrollCodeIn(t, u.srv.URL, browsertest.DecodeQR(t, img)))

	m := textModules(t, drawing)
	// A QR with its quiet zone has an odd side, so the last line of text
	// has only its upper half drawn.
	require.Len(t, m, len(m[0])+1, "square")
	m = m[:len(m[0])]
	for _, row := range [][]bool{m[0], m[1], m[2], m[3]} {
		require.NotContains(t, row, true, "quiet zone at the top")
	}
	for _, row := range m {
		require.NotContains(t, row[:4], true, "quiet zone on the left")
		require.NotContains(t, row[len(row)-4:], true, "quiet zone on the right")
	}
	for _, row := range m[len(m)-4:] {
		require.NotContains(t, row, true, "quiet zone at the bottom")
	}
	drawn, err := qrcode.Code(m).PNG(qrPNGModule)
	require.NoError(t, err)
	require.Equal(t, code, enrollCodeIn(t, u.srv.URL, browsertest.DecodeQR(t, drawn)))

	// With --output json the answer stays JSON, and the PNG is written.
	require.NoError(t, os.Remove(file))
	var res varcov1.CreateDeviceEnrollmentResponse
	u.proto(&res, "enroll-code", "--org", report.OrganizationID, "--name", "Uscita", "--resource", event, "--direction", "exit", "--png", file)
	img, err = os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, res.GetEnrollmentCode(), enrollCodeIn(t, u.srv.URL, browsertest.DecodeQR(t, img)))
}
