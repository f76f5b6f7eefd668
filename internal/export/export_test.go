package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/varco-gate/varco/internal/booking"
	"github.com/varco-gate/varco/internal/catalog"
	"github.com/varco-gate/varco/internal/fault"
	"github.com/varco-gate/varco/internal/gate"
	"github.com/varco-gate/varco/internal/i18n"
)

// fakeStore serves fixed rows, filtering by the query's period like the
// real store, and records the queries it got.
type fakeStore struct {
	resources []catalog.Resource
	places    []catalog.Place
	bookings  []BookingRow
	scans     []ScanRow
	queries   []Query
}

func (f *fakeStore) ListResources(context.Context, string, string) ([]catalog.Resource, error) {
	return f.resources, nil
}
func (f *fakeStore) ListPlaces(context.Context, string) ([]catalog.Place, error) {
	return f.places, nil
}
func (f *fakeStore) GetPlace(_ context.Context, id string) (catalog.Place, error) {
	for _, p := range f.places {
		if p.ID == id {
			return p, nil
		}
	}
	return catalog.Place{}, errors.New("no place")
}
func (f *fakeStore) ExportBookings(_ context.Context, q Query, fn func(*BookingRow) error) error {
	f.queries = append(f.queries, q)
	for i := range f.bookings {
		if b := &f.bookings[i]; !b.Start.Before(q.From) && b.Start.Before(q.To) {
			if err := fn(b); err != nil {
				return err
			}
		}
	}
	return nil
}
func (f *fakeStore) ExportScans(_ context.Context, q Query, fn func(*ScanRow) error) error {
	f.queries = append(f.queries, q)
	for i := range f.scans {
		if err := fn(&f.scans[i]); err != nil {
			return err
		}
	}
	return nil
}

func rome(t *testing.T) *time.Location {
	t.Helper()
	l, err := time.LoadLocation("Europe/Rome")
	require.NoError(t, err)
	return l
}

func TestDefuse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"", ""},
		{"Mario", "Mario"},
		{"=HYPERLINK(\"http://evil\",\"x\")", "'=HYPERLINK(\"http://evil\",\"x\")"},
		{"+39 333 1234567", "'+39 333 1234567"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"＝1+1", "'＝1+1"},
		{"a=1", "a=1"},
		{" =1", " =1"},
		{"Niccolò", "Niccolò"},
	} {
		require.Equal(t, tc.want, Defuse(tc.in), "%q", tc.in)
	}
}

func TestChunker(t *testing.T) {
	t.Parallel()
	var got [][]byte
	c := NewChunker(10, func(b []byte) error {
		got = append(got, bytes.Clone(b))
		return nil
	})
	for _, s := range []string{"abcd", "efgh", "ijkl", "mn"} {
		_, err := c.Write([]byte(s))
		require.NoError(t, err)
	}
	require.NoError(t, c.Flush())
	require.NoError(t, c.Flush(), "nothing left: no empty chunk")
	require.Equal(t, [][]byte{[]byte("abcdefghijkl"), []byte("mn")}, got)
	require.Equal(t, int64(14), c.Bytes)

	boom := errors.New("client gone")
	c = NewChunker(2, func([]byte) error { return boom })
	_, err := c.Write([]byte("abc"))
	require.ErrorIs(t, err, boom)
}

func TestPlanValidation(t *testing.T) {
	t.Parallel()
	store := &fakeStore{
		places: []catalog.Place{{ID: "pl", TimeZone: "Europe/Rome"}},
		resources: []catalog.Resource{
			{ID: "anagrafe", PlaceID: "pl"}, {ID: "cie", ParentID: "anagrafe", PlaceID: "pl"},
			{ID: "cie-urgent", ParentID: "cie", PlaceID: "pl"}, {ID: "tour", PlaceID: "pl"},
		},
	}
	s := New(store, nil)
	ok := Request{Kind: Bookings, OrganizationID: "org", FromDate: "2026-03-29", ToDate: "2026-03-29"}
	for _, tc := range []struct {
		name   string
		change func(*Request)
		field  string
	}{
		{"no kind", func(r *Request) { r.Kind = 0 }, "kind"},
		{"no organization", func(r *Request) { r.OrganizationID = "" }, "organization_id"},
		{"no from", func(r *Request) { r.FromDate = "" }, "from_date"},
		{"bad from", func(r *Request) { r.FromDate = "29/03/2026" }, "from_date"},
		{"no to", func(r *Request) { r.ToDate = "" }, "to_date"},
		{"bad to", func(r *Request) { r.ToDate = "2026-02-30" }, "to_date"},
		{"to before from", func(r *Request) { r.FromDate = "2026-03-30" }, "to_date"},
		{"367 days", func(r *Request) { r.FromDate, r.ToDate = "2026-01-01", "2027-01-02" }, "to_date"},
		{"tab delimiter", func(r *Request) { r.Format.Delimiter = '\t' }, "delimiter"},
		{"french", func(r *Request) { r.Format.Lang = "fr" }, "language"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ok
			tc.change(&r)
			_, err := s.Plan(context.Background(), r)
			var fe *fault.Error
			require.True(t, errors.As(err, &fe), "%v", err)
			require.Equal(t, fault.Invalid, fe.Kind)
			require.Equal(t, tc.field, fe.Field)
		})
	}

	// A whole leap year is allowed; defaults are semicolon and Italian.
	p, err := s.Plan(context.Background(), Request{Kind: Scans, OrganizationID: "org", FromDate: "2028-01-01", ToDate: "2028-12-31"})
	require.NoError(t, err)
	require.Equal(t, Format{Delimiter: Semicolon, Lang: "it"}, p.Format)
	require.Equal(t, "scansioni_2028-01-01_2028-12-31.csv", p.FileName())

	// Local days of the place's zone, on both DST days: 23 and 25 hours.
	p, err = s.Plan(context.Background(), ok)
	require.NoError(t, err)
	require.Equal(t, time.Date(2026, 3, 28, 23, 0, 0, 0, time.UTC), p.Query.From)
	require.Equal(t, time.Date(2026, 3, 29, 22, 0, 0, 0, time.UTC), p.Query.To)
	r := ok
	r.FromDate, r.ToDate = "2026-10-25", "2026-10-25"
	p, err = s.Plan(context.Background(), r)
	require.NoError(t, err)
	require.Equal(t, 25*time.Hour, p.Query.To.Sub(p.Query.From))
	require.Nil(t, p.Query.ResourceIDs, "whole organization")

	// A resource brings its subtree.
	r.ResourceID = "anagrafe"
	p, err = s.Plan(context.Background(), r)
	require.NoError(t, err)
	require.Equal(t, []string{"anagrafe", "cie", "cie-urgent"}, p.Query.ResourceIDs)
	r.ResourceID = "nope"
	_, err = s.Plan(context.Background(), r)
	require.Error(t, err)
}

func TestPlanZone(t *testing.T) {
	t.Parallel()
	lisbon := []catalog.Place{{ID: "a", TimeZone: "Europe/Lisbon"}, {ID: "b", TimeZone: "Europe/Lisbon"}}
	p, err := New(&fakeStore{places: lisbon}, nil).Plan(context.Background(),
		Request{Kind: Bookings, OrganizationID: "org", FromDate: "2026-06-01", ToDate: "2026-06-01"})
	require.NoError(t, err)
	require.Equal(t, "Europe/Lisbon", p.Zone.String(), "every place in one zone: that zone")
	mixed := append(lisbon, catalog.Place{ID: "c", TimeZone: "Europe/Rome"})
	p, err = New(&fakeStore{places: mixed}, nil).Plan(context.Background(),
		Request{Kind: Bookings, OrganizationID: "org", FromDate: "2026-06-01", ToDate: "2026-06-01"})
	require.NoError(t, err)
	require.Equal(t, "Europe/Rome", p.Zone.String(), "several zones: Europe/Rome")
}

// readCSV checks the BOM and CRLF line ends and parses the file.
func readCSV(t *testing.T, data []byte, comma rune) [][]string {
	t.Helper()
	require.True(t, bytes.HasPrefix(data, []byte(BOM)), "starts with the UTF-8 BOM")
	require.True(t, bytes.HasSuffix(data, []byte("\r\n")))
	require.NotContains(t, strings.ReplaceAll(string(data), "\r\n", ""), "\r", "only CRLF line ends")
	r := csv.NewReader(bytes.NewReader(data[len(BOM):]))
	r.Comma = comma
	rows, err := r.ReadAll()
	require.NoError(t, err)
	return rows
}

func column(t *testing.T, header, row []string, name string) string {
	t.Helper()
	for i, h := range header {
		if h == name {
			return row[i]
		}
	}
	t.Fatalf("no column %q in %q", name, header)
	return ""
}

func TestWriteBookings(t *testing.T) {
	t.Parallel()
	loc := rome(t)
	// 10:00 on the day clocks go forward is 08:00 UTC; the day before, 09:00.
	dst := time.Date(2026, 3, 29, 10, 0, 0, 0, loc)
	store := &fakeStore{
		places: []catalog.Place{{ID: "pl", TimeZone: "Europe/Rome"}},
		bookings: []BookingRow{
			{ID: "b1", Code: "4KU7WJWF", Status: booking.Confirmed, ResourceName: "Visita guidata", PlaceName: "Municipio",
				TimeZone: "Europe/Rome", Start: dst.AddDate(0, 0, -1), End: dst.AddDate(0, 0, -1).Add(time.Hour), CreatedAt: dst.AddDate(0, 0, -10),
				Seats: 2, Mode: catalog.ModeInPerson, GivenName: "Niccolò", FamilyName: "D'Amico; \"il Magnifico\"",
				CodiceFiscale: "DMCNCC80A01F205X", Email: "n@example.org", Phone: "+39 333 1234567", BookerName: "Niccolò D'Amico",
				Notes: "=HYPERLINK(\"http://evil.example\",\"clic\")", Reason: "riga 1\nriga 2"},
			{ID: "b2", Code: "ABCDEFGH", Status: booking.CancelledByOperator, ResourceName: "Visita guidata", TimeZone: "Europe/Rome",
				Start: dst, End: dst.Add(time.Hour), CreatedAt: dst.AddDate(0, 0, -3), Seats: 1, Mode: catalog.ModeInPerson,
				Anonymized: true, BookerName: "Still An Account", BookedByStaff: true, OnBehalf: true, RescheduledFrom: "ZZZZYYYY",
				LastChange: booking.Change{Status: booking.CancelledByOperator, At: dst.Add(-2 * time.Hour),
					Actor: booking.Actor{Kind: booking.ActorStaff, Name: "Laura Verdi"}, Reason: "Maltempo"}},
			{ID: "b3", Code: "QQQQRRRR", Status: booking.CancelledByUser, TimeZone: "Europe/Rome", Start: dst.Add(time.Hour), End: dst.Add(2 * time.Hour),
				LastChange: booking.Change{Status: booking.CancelledByUser, At: dst.Add(-time.Hour), Actor: booking.Actor{Kind: booking.ActorCitizen, Name: "Mario Rossi"}}},
			{ID: "out", Code: "OUTSIDE1", Start: dst.AddDate(0, 0, 1)}, // the next day: not exported
		},
	}
	s := New(store, nil)
	p, err := s.Plan(context.Background(), Request{Kind: Bookings, OrganizationID: "org", FromDate: "2026-03-28", ToDate: "2026-03-29"})
	require.NoError(t, err)
	var buf bytes.Buffer
	n, err := s.Write(context.Background(), p, &buf)
	require.NoError(t, err)
	require.Equal(t, 3, n)
	rows := readCSV(t, buf.Bytes(), ';')
	require.Len(t, rows, 4)
	head := rows[0]
	require.Len(t, head, len(bookingColumns))
	for _, r := range rows {
		require.Len(t, r, len(head))
	}
	b1, b2, b3 := rows[1], rows[2], rows[3]
	for name, want := range map[string]string{
		"Codice": "4KU7-WJWF", "Stato": "Confermata", "Data": "28/03/2026", "Inizio": "10:00", "Fine": "11:00",
		"Inizio (UTC)": "2026-03-28T09:00:00Z", "Posti": "2", "Modalità": "In presenza", "Nome": "Niccolò",
		"Cognome": "D'Amico; \"il Magnifico\"", "Telefono": "'+39 333 1234567", "Note": "'=HYPERLINK(\"http://evil.example\",\"clic\")",
		"Motivo della prenotazione": "riga 1\nriga 2", "Per conto terzi": "No", "Canale": "Online", "Creata il": "19/03/2026 10:00",
		"Stato cambiato il": "", "Dati anonimizzati": "No", "Prenotata da": "Niccolò D'Amico",
	} {
		require.Equal(t, want, column(t, head, b1, name), name)
	}
	for name, want := range map[string]string{
		"Data": "29/03/2026", "Inizio": "10:00", "Inizio (UTC)": "2026-03-29T08:00:00Z", "Stato": "Annullata dall'ufficio",
		"Nome": "", "Cognome": "", "Codice fiscale": "", "E-mail": "", "Telefono": "", "Prenotata da": "", "Dati anonimizzati": "Sì",
		"Canale": "Sportello", "Per conto terzi": "Sì", "Stato cambiato il": "29/03/2026 08:00", "Stato cambiato da": "Laura Verdi",
		"Motivo del cambio": "Maltempo", "Spostata da": "ZZZZ-YYYY",
	} {
		require.Equal(t, want, column(t, head, b2, name), name)
	}
	require.Equal(t, "Cittadino", column(t, head, b3, "Stato cambiato da"), "citizens are not named in the history columns")

	// English, comma-separated.
	p.Format = Format{Delimiter: Comma, Lang: "en"}
	buf.Reset()
	_, err = s.Write(context.Background(), p, &buf)
	require.NoError(t, err)
	rows = readCSV(t, buf.Bytes(), ',')
	require.Equal(t, "Code", rows[0][0])
	require.Equal(t, "2026-03-29", column(t, rows[0], rows[2], "Date"))
	require.Equal(t, "Cancelled by the office", column(t, rows[0], rows[2], "Status"))
	require.Equal(t, "2026-03-29 08:00", column(t, rows[0], rows[2], "Status changed at"))

	// German, for Alto Adige / Südtirol: the headers and labels of the
	// catalog, dates as German Excel reads them.
	p.Format = Format{Delimiter: Semicolon, Lang: "de"}
	buf.Reset()
	_, err = s.Write(context.Background(), p, &buf)
	require.NoError(t, err)
	rows = readCSV(t, buf.Bytes(), ';')
	require.Equal(t, "Code", rows[0][0])
	require.Equal(t, "29.03.2026", column(t, rows[0], rows[2], "Datum"))
	require.Equal(t, "Vom Amt storniert", column(t, rows[0], rows[2], "Status"))
	require.Equal(t, "29.03.2026 08:00", column(t, rows[0], rows[2], "Status geändert am"))
	require.Equal(t, "Ja", column(t, rows[0], rows[2], "Im Auftrag Dritter"))
	require.Equal(t, "Schalter", column(t, rows[0], rows[2], "Kanal"))
	p.Kind = Scans
	require.Equal(t, "scans_2026-03-28_2026-03-29.csv", p.FileName())
}

// Every column header and cell label of the exports is in the catalog,
// in every language (TestCatalogComplete checks the languages; this, that
// the keys named in tables here exist at all).
func TestLabelsInCatalog(t *testing.T) {
	t.Parallel()
	var keys []label
	keys = append(keys, bookingColumns...)
	keys = append(keys, scanColumns...)
	for _, m := range []map[booking.Status]label{statusLabels, attendanceLabels} {
		for _, l := range m {
			keys = append(keys, l)
		}
	}
	for _, l := range modeLabels {
		keys = append(keys, l)
	}
	for _, l := range actorLabels {
		keys = append(keys, l)
	}
	for _, m := range []map[bool]label{channelLabels, yesNo} {
		for _, l := range m {
			keys = append(keys, l)
		}
	}
	for _, l := range directionLabels {
		keys = append(keys, l)
	}
	for _, l := range verdictLabels {
		keys = append(keys, l)
	}
	for _, k := range keys {
		require.True(t, i18n.Has(string(k)), k)
	}
}

func TestWriteScans(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 10, 25, 1, 30, 0, 0, time.UTC) // 02:30 CET, the second one
	store := &fakeStore{scans: []ScanRow{{ID: "s1", DeviceID: "d1", DeviceName: "Ingresso nord", TicketID: "=cmd|' /C calc'!A0",
		BookingCode: "4KU7WJWF", ResourceName: "Visita guidata", TimeZone: "Europe/Rome", Direction: gate.Entry, Verdict: gate.Refused,
		Reason: gate.ReasonAlreadyInside, LocalVerdict: gate.Accepted, Offline: true, Conflict: true, Seats: 3,
		ScannedAt: at, ReceivedAt: at.Add(time.Hour)}}}
	s := New(store, func(code, lang string) string { return code + "/" + lang })
	p, err := s.Plan(context.Background(), Request{Kind: Scans, OrganizationID: "org", FromDate: "2026-10-25", ToDate: "2026-10-25"})
	require.NoError(t, err)
	var buf bytes.Buffer
	n, err := s.Write(context.Background(), p, &buf)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	rows := readCSV(t, buf.Bytes(), ';')
	require.Len(t, rows[0], len(scanColumns))
	for name, want := range map[string]string{
		"Data": "25/10/2026", "Ora": "02:30:00", "Ora del dispositivo (UTC)": "2026-10-25T01:30:00Z", "Varco": "Ingresso nord",
		"Direzione": "Ingresso", "Esito": "Rifiutata", "Motivo": "ALREADY_INSIDE/it", "Codice motivo": "ALREADY_INSIDE",
		"Prenotazione": "4KU7-WJWF", "Posti": "3", "Offline": "Sì", "Esito sul dispositivo": "Accettata", "Conflitto": "Sì",
		"Ricevuta dal server": "25/10/2026 03:30", "Biglietto": "'=cmd|' /C calc'!A0",
	} {
		require.Equal(t, want, column(t, rows[0], rows[1], name), name)
	}
}

func TestWriteStopsWhenTheClientDoes(t *testing.T) {
	t.Parallel()
	rows := make([]BookingRow, 5000)
	start := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	for i := range rows {
		rows[i] = BookingRow{ID: "b", Code: "AAAABBBB", Start: start, End: start, Notes: strings.Repeat("x", 100)}
	}
	s := New(&fakeStore{bookings: rows}, nil)
	p, err := s.Plan(context.Background(), Request{Kind: Bookings, OrganizationID: "org", FromDate: "2026-06-01", ToDate: "2026-06-01"})
	require.NoError(t, err)
	gone := errors.New("client gone")
	sent := 0
	ch := NewChunker(ChunkSize, func([]byte) error {
		if sent++; sent == 2 {
			return gone
		}
		return nil
	})
	n, err := s.Write(context.Background(), p, ch)
	require.ErrorIs(t, err, gone)
	require.Less(t, n, len(rows), "stopped early")
}
