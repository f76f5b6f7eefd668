package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/client"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

// parseExport checks the BOM and returns the CSV's records.
func parseExport(t *testing.T, data []byte, comma rune) [][]string {
	t.Helper()
	require.True(t, bytes.HasPrefix(data, []byte("\ufeff")), "UTF-8 BOM")
	r := csv.NewReader(bytes.NewReader(data[3:]))
	r.Comma = comma
	rows, err := r.ReadAll()
	require.NoError(t, err)
	return rows
}

// varco export writes bookings or scans to a file (atomically, private)
// or to stdout, with a summary on stderr and the server's errors in plain
// words.
func TestExport(t *testing.T) {
	t.Parallel()
	staff := admin(t)
	report := staff.apply("-f", "testdata/comune.yaml")
	event := changeID(t, report, "resource", "Concerto d'autunno")

	// One booking, made through the library, with notes a spreadsheet
	// would run.
	ctx := context.Background()
	api, err := client.New(staff.srv.URL, client.WithToken(staff.token()))
	require.NoError(t, err)
	res, err := api.Catalog.GetResource(ctx, connect.NewRequest(&varcov1.GetResourceRequest{ResourceId: event}))
	require.NoError(t, err)
	var acks []string
	for _, a := range res.Msg.GetResource().GetAcknowledgements() {
		acks = append(acks, a.GetId())
	}
	slot, _ := firstFreeSlot(t, staff, event, time.Now().AddDate(0, 0, 1).Format(time.DateOnly))
	start, err := time.Parse(time.RFC3339, slot)
	require.NoError(t, err)
	hold, err := api.Booking.HoldSlots(ctx, connect.NewRequest(&varcov1.HoldSlotsRequest{ResourceId: event, SlotStart: timestamppb.New(start)}))
	require.NoError(t, err)
	conf, err := api.Booking.ConfirmBooking(ctx, connect.NewRequest(&varcov1.ConfirmBookingRequest{HoldId: hold.Msg.GetHold().GetId(),
		IdempotencyKey: uuid.NewString(), Notes: "=1+1", AcknowledgementIds: acks,
		Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY}}))
	require.NoError(t, err)
	code := conf.Msg.GetBooking().GetCode()
	rome, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	day := start.In(rome).Format(time.DateOnly)
	period := []string{"--org", report.OrganizationID, "--from", day, "--to", day}

	// To a file, in Italian (the server's default) with semicolons.
	dir := t.TempDir()
	path := filepath.Join(dir, "prenotazioni.csv")
	out, errOut, err := staff.run("", append([]string{"export", "bookings", "-o", path, "--lang", "it"}, period...)...)
	require.NoError(t, err, errOut)
	require.Empty(t, out)
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Regexp(t, `^export: 1 righe, \d+ bytes scritti in `+regexp.QuoteMeta(path)+`\.\n$`, errOut, "the CLI's own texts follow --lang too")
	rows := parseExport(t, data, ';')
	require.Len(t, rows, 2)
	require.Equal(t, "Codice", rows[0][0])
	require.Equal(t, code, rows[1][0])
	require.Contains(t, rows[1], "'=1+1", "defused formula")
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "personal data: private file")

	// To stdout, English with commas; bookings is the default kind.
	out, _, err = staff.run("", append([]string{"export", "--delimiter", "comma"}, period...)...)
	require.NoError(t, err)
	rows = parseExport(t, []byte(out), ',')
	require.Equal(t, "Code", rows[0][0], "the CLI's language (VARCO_LANG=en)")
	require.Len(t, rows, 2)

	// Scans: none yet, the header only.
	out, _, err = staff.run("", append([]string{"export", "scans"}, period...)...)
	require.NoError(t, err)
	rows = parseExport(t, []byte(out), ';')
	require.Equal(t, [][]string{rows[0]}, rows)
	require.Equal(t, "Date", rows[0][0])

	// Mistakes: the command line's, then the server's; a failed export
	// leaves no file behind.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "tickets", "--org", "x", "--from", day, "--to", day}, "varco: export \"tickets\": use bookings or scans\n"},
		{[]string{"export", "bookings", "--org", report.OrganizationID}, "varco: missing --from, --to\n"},
		{append([]string{"export", "--delimiter", "tab"}, period...), "varco: --delimiter \"tab\": use semicolon or comma\n"},
		{[]string{"export", "-o", path + ".bad", "--org", report.OrganizationID, "--from", day, "--to", "2020-01-01"},
			"varco: export: to_date: to_date is before from_date.\n"},
	} {
		_, errOut, err := staff.run("", tc.args...)
		require.Error(t, err)
		require.Equal(t, tc.want, errOut)
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, entries, 1, "only the first export's file: %v", entries)

	// Only organizers export.
	citizen := newUser(t, staff.srv)
	_, err = api.Auth.Register(ctx, connect.NewRequest(&varcov1.RegisterRequest{
		GivenName: "Mario", FamilyName: "Rossi", Email: "mario.rossi@example.org", CodiceFiscale: "RSSMRA85T10A562S",
		Phone: "3331234567", Password: "una-password-lunga", PrivacyConsent: true,
	}))
	require.NoError(t, err)
	_, errOut, err = citizen.run("una-password-lunga\n", "login", "--login", "RSSMRA85T10A562S")
	require.NoError(t, err, errOut)
	_, errOut, err = citizen.run("", append([]string{"export", "bookings"}, period...)...)
	require.Error(t, err)
	require.True(t, strings.HasPrefix(errOut, "varco: export: You are not allowed"), errOut)
}
