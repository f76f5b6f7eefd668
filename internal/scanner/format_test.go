package scanner

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Rome even on a machine without zoneinfo

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/i18n"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
)

func TestVerdictLines(t *testing.T) {
	t.Parallel()
	rome, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	const id = "0f8c2a60-4b2c-4e63-9c73-2b0e8b7da3f2"
	entered := time.Date(2026, 12, 6, 9, 5, 0, 0, time.UTC) // 10:05 in Rome
	tests := []struct {
		name       string
		r          Result
		it, en, de string
	}{
		{"entry with a timed stay",
			Result{Verdict: gate.Accepted, Reason: "OK", Direction: gate.Entry, Seats: 2, ExpiresAt: entered.Add(90 * time.Minute), TimeLeft: 90 * time.Minute, TicketID: id, Online: true},
			"OK  ENTRATA  2 posti  tempo rimasto 1h30m", "OK  ENTRY  2 seats  time left 1h30m",
			"OK  EINTRITT  2 Plätze  Restzeit 1h30m"},
		{"exit, one seat, decided offline",
			Result{Verdict: gate.Accepted, Reason: "OK", Direction: gate.Exit, Seats: 1, TicketID: id},
			"OK  USCITA  1 posto  [offline]", "OK  EXIT  1 seat  [offline]", "OK  AUSTRITT  1 Platz  [offline]"},
		{"anti-passback",
			Result{Verdict: gate.Refused, Reason: gate.ReasonAlreadyInside, Direction: gate.Entry, Seats: 2, EnteredAt: entered, TicketID: id, Online: true},
			"NO  GIÀ DENTRO  entrato alle 10:05 CET  (biglietto …a3f2)", "NO  ALREADY INSIDE  entered at 10:05 CET  (ticket …a3f2)",
			"NO  BEREITS DRINNEN  eingetreten um 10:05 CET  (Ticket …a3f2)"},
		{"overstay exit",
			Result{Verdict: gate.Flagged, Reason: gate.ReasonStayExpired, Direction: gate.Exit, Seats: 2, TicketID: id, Online: true},
			"!!  USCITA  TEMPO SCADUTO  2 posti  (biglietto …a3f2)", "!!  EXIT  STAY EXPIRED  2 seats  (ticket …a3f2)",
			"!!  AUSTRITT  ZEIT ABGELAUFEN  2 Plätze  (Ticket …a3f2)"},
		{"not a ticket",
			Result{Verdict: gate.Refused, Reason: "MALFORMED", Direction: gate.Entry, Online: true},
			"NO  QR NON VALIDO", "NO  INVALID QR", "NO  QR UNGÜLTIG"},
		{"device refused",
			Result{Verdict: gate.Refused, Reason: ReasonDeviceRefused, Direction: gate.Entry, Online: true},
			"NO  DISPOSITIVO NON AUTORIZZATO", "NO  DEVICE NOT AUTHORIZED", "NO  GERÄT NICHT ZUGELASSEN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.it, Italian.Line(tc.r, rome))
			require.Equal(t, tc.en, English.Line(tc.r, rome))
			require.Equal(t, tc.de, German.Line(tc.r, rome))
		})
	}
}

// A gate box's clock is in UTC, the operator reads the place's time: the
// zone the server gives with the settings is the one every time is shown
// in, with its name, whatever the machine's zone.
func TestTimesInThePlacesZone(t *testing.T) {
	t.Parallel()
	st := newStore(t, gate.GateBoth)
	require.NoError(t, st.ApplySync(&varcov1.SyncResponse{Cursor: "c1", Settings: &varcov1.GateSettings{
		DeviceId: testGateDev, Name: "Ingresso", ResourceIds: []string{tourID}, TimeZone: "Europe/Rome"}}, t0))
	loc := st.Settings().Location()
	require.Equal(t, "Europe/Rome", loc.String())
	entered := time.Date(2026, 7, 6, 9, 5, 0, 0, time.UTC) // summer: 11:05 in Rome

	line := Italian.Line(Result{Verdict: gate.Refused, Reason: gate.ReasonAlreadyInside, Direction: gate.Entry, EnteredAt: entered, Online: true}, loc)
	require.Contains(t, line, "entrato alle 11:05 CEST")

	status, err := Inspect(st.Dir())
	require.NoError(t, err)
	require.Equal(t, "Europe/Rome", status.State.Settings.TimeZone, "saved with the settings")
	var out strings.Builder
	require.NoError(t, English.WriteStatus(&out, status, t0, status.State.Settings.Location()))
	require.Contains(t, out.String(), "Last sync: 2026-12-06 10:00:00 CET") // t0 is 09:00 UTC

	occ := English.OccupancyLine(&varcov1.Occupancy{SlotStart: timestamppb.New(entered)}, loc)
	require.Contains(t, occ, "11:05")

	// An older server says nothing: the device's own zone, as before.
	require.Equal(t, time.Local, Settings{}.Location())
	require.Equal(t, time.Local, Settings{TimeZone: "Nowhere/Atlantis"}.Location())
}

// Every reason of the API has its own label and sentence in the catalog,
// in every language.
func TestEveryScanReasonHasText(t *testing.T) {
	t.Parallel()
	for v, name := range varcov1.ScanReason_name {
		if v == 0 {
			continue
		}
		r := gate.Reason(strings.TrimPrefix(name, "SCAN_REASON_"))
		require.Equal(t, r, reasonFromProto(varcov1.ScanReason(v)))
		require.Equal(t, varcov1.ScanReason(v), reasonToProto(r))
		require.True(t, i18n.Has("scan.reason."+string(r)), "no sentence for %s", r)
		require.True(t, i18n.Has("scanner.label."+string(r)), "no label for %s", r)
		require.NotEqual(t, Italian.Message(Result{Reason: r}), English.Message(Result{Reason: r}))
		require.NotEqual(t, English.Message(Result{Reason: r}), German.Message(Result{Reason: r}))
	}
}

func TestFormatDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		-time.Minute: "0m", 0: "0m", 30 * time.Second: "<1m", 45*time.Minute + 59*time.Second: "45m",
		time.Hour: "1h00m", 90 * time.Minute: "1h30m", 26*time.Hour + 5*time.Minute: "26h05m",
	} {
		require.Equal(t, want, FormatDuration(d), "%s", d)
	}
	require.Equal(t, "…a3f2", ShortID("0f8c2a60-4b2c-4e63-9c73-2b0e8b7da3f2"))
	require.Equal(t, "abc", ShortID("abc"))
}

func TestParseLineAndDirection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line, payload string
		def, want     gate.Direction
	}{
		{"VT1:ABC\r\n", "VT1:ABC", gate.Entry, gate.Entry},
		{"  VT1:ABC  ", "VT1:ABC", gate.Exit, gate.Exit},
		{"E:VT1:ABC", "VT1:ABC", gate.Exit, gate.Entry},
		{"U:VT1:ABC", "VT1:ABC", gate.Entry, gate.Exit},
		{"u: VT1:ABC", "VT1:ABC", gate.Entry, gate.Exit},
		{"X:VT1:ABC", "X:VT1:ABC", gate.Entry, gate.Entry},
	}
	for _, tc := range tests {
		p, d := ParseLine(tc.line, tc.def)
		require.Equal(t, tc.payload, p, tc.line)
		require.Equal(t, tc.want, d, tc.line)
	}
	require.Equal(t, gate.Entry, DefaultDirection(gate.GateEntry, 0))
	require.Equal(t, gate.Exit, DefaultDirection(gate.GateExit, 0))
	require.Equal(t, gate.Entry, DefaultDirection(gate.GateBoth, 0))
	require.Equal(t, gate.Exit, DefaultDirection(gate.GateBoth, gate.Exit))
	for s, want := range map[string]gate.Direction{"": 0, "entry": gate.Entry, "Uscita": gate.Exit, "E": gate.Entry, "exit": gate.Exit} {
		d, err := ParseDirection(s)
		require.NoError(t, err)
		require.Equal(t, want, d, s)
	}
	_, err := ParseDirection("sideways")
	require.Error(t, err)
	_, err = ParseLang("fr")
	require.Error(t, err)
}

func TestReadLines(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("A", MaxLine+10)
	in := "VT1:ONE\r\nVT1:TWO\rVT1:THREE\n\n\r\n  \nE:VT1:FOUR\n" + long + "\nVT1:LAST"
	var got []string
	require.NoError(t, ReadLines(context.Background(), strings.NewReader(in), func(l string) error {
		got = append(got, l)
		return nil
	}))
	require.Equal(t, []string{"VT1:ONE", "VT1:TWO", "VT1:THREE", "E:VT1:FOUR", long[:MaxLine], "AAAAAAAAAA", "VT1:LAST"}, got)

	stop := errors.New("stop")
	err := ReadLines(context.Background(), strings.NewReader("a\nb\n"), func(string) error { return stop })
	require.ErrorIs(t, err, stop)
}
