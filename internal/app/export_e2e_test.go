package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/varco-gate/varco/internal/clock"
	"github.com/varco-gate/varco/internal/demo"
	"github.com/varco-gate/varco/internal/export"
	"github.com/varco-gate/varco/internal/person"
	varcov1 "github.com/varco-gate/varco/proto/gen/varco/v1"
	"github.com/varco-gate/varco/proto/gen/varco/v1/varcov1connect"
)

// The CSV exports through the real server: bookings over Connect and over
// a grpc-go client, the day clocks go forward, defused formulas, an erased
// citizen, validation, access and the audit trail.

// expStart is the fake time of the export tests: a week before the
// guided tours of the weekend clocks go forward (Sunday 29 March 2026).
var expStart = time.Date(2026, 3, 20, 10, 0, 0, 0, time.UTC)

// expEnv is a server with the demo data, an organizer and bookings of
// that weekend made through the API.
type expEnv struct {
	b         *bundle
	clk       *clock.Fake
	organizer string
	admin     varcov1connect.AdminServiceClient
	// codes of the bookings, in start order: Saturday 10:00 (2 seats,
	// notes with formulas), Sunday 10:00 (on behalf of Niccolò D'Amico),
	// Sunday 11:00 (cancelled by the office), Sunday 12:00 (its citizen
	// erased their account).
	codes   []string
	onBehal *varcov1.Booking
	// people booked the first three.
	people []citizen
}

func newExpEnv(t *testing.T, b *bundle, clk *clock.Fake) *expEnv {
	t.Helper()
	ctx := context.Background()
	_, organizer := bootstrapOrganizer(t, b)
	e := &expEnv{b: b, clk: clk, organizer: organizer, admin: varcov1connect.NewAdminServiceClient(http.DefaultClient, b.baseURL)}
	people := registerCitizens(t, b, "EXP", 4)
	sat := timestamppb.New(time.Date(2026, 3, 28, 9, 0, 0, 0, time.UTC)) // 10:00 CET
	sun := time.Date(2026, 3, 29, 8, 0, 0, 0, time.UTC)                  // 10:00 CEST
	book := func(c citizen, start *timestamppb.Timestamp, seats int32, who *varcov1.Person, reason, notes string) *varcov1.Booking {
		t.Helper()
		h, err := c.hold(ctx, start, seats)
		require.NoError(t, err)
		res, err := c.booking.ConfirmBooking(ctx, authBearer(&varcov1.ConfirmBookingRequest{
			HoldId: h.GetId(), IdempotencyKey: uuid.NewString(), Beneficiary: who, Reason: reason, Notes: notes,
			Consents: []varcov1.ConsentKind{varcov1.ConsentKind_CONSENT_KIND_PRIVACY},
		}, c.token))
		require.NoError(t, err)
		return res.Msg.GetBooking()
	}
	first := book(people[0], sat, 2, nil, "@SUM(1+1)", "=HYPERLINK(\"http://evil.example\",\"clic\")")
	e.onBehal = book(people[1], timestamppb.New(sun), 1, &varcov1.Person{GivenName: "Niccolò", FamilyName: "D'Amico",
		CodiceFiscale: person.CompleteCodiceFiscale("DMCNCC80A01F205"), Email: "niccolo@example.org", Phone: "+39 333 1234567"},
		"Visita; con \"amici\"", "riga uno\nriga due")
	cancelled := book(people[2], timestamppb.New(sun.Add(time.Hour)), 1, nil, "", "")
	_, err := e.admin.CancelBookingAsOperator(ctx, authBearer(&varcov1.CancelBookingAsOperatorRequest{
		BookingId: cancelled.GetId(), Reason: "Maltempo"}, organizer))
	require.NoError(t, err)
	erased := book(people[3], timestamppb.New(sun.Add(2*time.Hour)), 1, nil, "", "")
	_, err = varcov1connect.NewAuthServiceClient(http.DefaultClient, b.baseURL).DeleteMyAccount(ctx,
		authBearer(&varcov1.DeleteMyAccountRequest{Password: "una password lunga"}, people[3].token))
	require.NoError(t, err)
	e.codes = []string{first.GetCode(), e.onBehal.GetCode(), cancelled.GetCode(), erased.GetCode()}
	e.people = people[:3]
	return e
}

// expStream runs ExportBookings over Connect and returns the file.
func expStream(t *testing.T, admin varcov1connect.AdminServiceClient, token string, req *varcov1.ExportBookingsRequest) ([]byte, error) {
	t.Helper()
	stream, err := admin.ExportBookings(context.Background(), authBearer(req, token))
	if err != nil {
		return nil, err
	}
	defer stream.Close()
	var out bytes.Buffer
	for stream.Receive() {
		require.LessOrEqual(t, len(stream.Msg().GetChunk()), export.ChunkSize+4096, "chunks stay small")
		out.Write(stream.Msg().GetChunk())
	}
	return out.Bytes(), stream.Err()
}

// csvRows checks the BOM and line ends of an export and returns its rows
// as maps from header to cell.
func csvRows(t *testing.T, data []byte, comma rune) ([]string, []map[string]string) {
	t.Helper()
	require.True(t, bytes.HasPrefix(data, []byte(export.BOM)), "UTF-8 BOM first")
	require.True(t, bytes.HasSuffix(data, []byte("\r\n")), "CRLF line ends")
	r := csv.NewReader(bytes.NewReader(data[len(export.BOM):]))
	r.Comma = comma
	all, err := r.ReadAll()
	require.NoError(t, err)
	require.NotEmpty(t, all, "a header row")
	var rows []map[string]string
	for _, rec := range all[1:] {
		require.Len(t, rec, len(all[0]))
		m := map[string]string{}
		for i, h := range all[0] {
			m[h] = rec[i]
		}
		rows = append(rows, m)
	}
	return all[0], rows
}

func TestExportBookingsEndToEnd(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(expStart)
	e := newExpEnv(t, setupWith(t, clk), clk)
	ctx := context.Background()
	weekend := &varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID, FromDate: "2026-03-28", ToDate: "2026-03-29"}

	data, err := expStream(t, e.admin, e.organizer, weekend)
	require.NoError(t, err)
	weekendSize := len(data)
	head, rows := csvRows(t, data, ';')
	require.Equal(t, "Codice", head[0])
	require.Len(t, rows, 4)
	var inOrder []string
	for _, r := range rows {
		inOrder = append(inOrder, r["Codice"])
		require.Equal(t, "Visita guidata al Palazzo Comunale", r["Servizio"])
	}
	require.Equal(t, e.codes, inOrder, "in start order")

	sat, behalf, cancelled, erased := rows[0], rows[1], rows[2], rows[3]
	for name, want := range map[string]string{
		"Data": "28/03/2026", "Inizio": "10:00", "Fine": "11:00", "Inizio (UTC)": "2026-03-28T09:00:00Z", "Posti": "2",
		"Stato": "Confermata", "Nome": "Cittadino", "Cognome": "Numero", "Prenotata da": "Cittadino Numero", "Per conto terzi": "No",
		"Canale": "Online", "Creata il": "20/03/2026 11:00", "Motivo della prenotazione": "'@SUM(1+1)",
		"Note": "'=HYPERLINK(\"http://evil.example\",\"clic\")", "Telefono": "'+393330000000", "Dati anonimizzati": "No",
	} {
		require.Equal(t, want, sat[name], name)
	}
	for name, want := range map[string]string{
		"Data": "29/03/2026", "Inizio": "10:00", "Inizio (UTC)": "2026-03-29T08:00:00Z", "Fine (UTC)": "2026-03-29T09:00:00Z",
		"Nome": "Niccolò", "Cognome": "D'Amico", "Codice fiscale": e.onBehal.GetBeneficiary().GetCodiceFiscale(),
		"E-mail": "niccolo@example.org", "Telefono": "'+393331234567", "Per conto terzi": "Sì",
		"Motivo della prenotazione": "Visita; con \"amici\"", "Note": "riga uno\nriga due", "ID prenotazione": e.onBehal.GetId(),
	} {
		require.Equal(t, want, behalf[name], name)
	}
	for name, want := range map[string]string{
		"Inizio": "11:00", "Stato": "Annullata dall'ufficio", "Stato cambiato il": "20/03/2026 11:00",
		"Stato cambiato da": "Anna Verdi", "Motivo del cambio": "Maltempo",
	} {
		require.Equal(t, want, cancelled[name], name)
	}
	for name, want := range map[string]string{
		"Inizio": "12:00", "Stato": "Annullata dal cittadino", "Dati anonimizzati": "Sì", "Stato cambiato da": "Cittadino",
		"Nome": "", "Cognome": "", "Codice fiscale": "", "E-mail": "", "Telefono": "", "Prenotata da": "", "Posti": "1",
	} {
		require.Equal(t, want, erased[name], name)
	}

	// The same file over grpc-go, in English with commas.
	conn, err := grpc.NewClient(e.b.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	grpcExport := func(req *varcov1.ExportBookingsRequest, token string) ([]byte, error) {
		gctx := metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
		cs, err := conn.NewStream(gctx, &grpc.StreamDesc{StreamName: "ExportBookings", ServerStreams: true},
			varcov1connect.AdminServiceExportBookingsProcedure)
		if err != nil {
			return nil, err
		}
		if err := cs.SendMsg(req); err != nil {
			return nil, err
		}
		if err := cs.CloseSend(); err != nil {
			return nil, err
		}
		var out bytes.Buffer
		for {
			var m varcov1.ExportBookingsResponse
			if err := cs.RecvMsg(&m); errors.Is(err, io.EOF) {
				return out.Bytes(), nil
			} else if err != nil {
				return nil, err
			}
			out.Write(m.GetChunk())
		}
	}
	en := &varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID, FromDate: "2026-03-29", ToDate: "2026-03-29",
		Delimiter: varcov1.CsvDelimiter_CSV_DELIMITER_COMMA, Language: "en"}
	data, err = grpcExport(en, e.organizer)
	require.NoError(t, err)
	head, rows = csvRows(t, data, ',')
	require.Equal(t, "Code", head[0])
	require.Len(t, rows, 3, "Sunday only")
	require.Equal(t, "2026-03-29", rows[0]["Date"])
	require.Equal(t, "10:00", rows[0]["Start"])
	require.Equal(t, "Cancelled by the office", rows[1]["Status"])
	// German, for Alto Adige / Südtirol.
	de := &varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID, FromDate: "2026-03-29", ToDate: "2026-03-29", Language: "de"}
	data, err = grpcExport(de, e.organizer)
	require.NoError(t, err)
	head, rows = csvRows(t, data, ';')
	require.Equal(t, "Code", head[0])
	require.Equal(t, "29.03.2026", rows[0]["Datum"])
	require.Equal(t, "Vom Amt storniert", rows[1]["Status"])
	_, err = grpcExport(&varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID, FromDate: "2026-03-29"}, e.organizer)
	require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)

	// Accept-Language picks the language when the request does not.
	req := authBearer(&varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID, FromDate: "2026-03-29", ToDate: "2026-03-29"}, e.organizer)
	req.Header().Set("Accept-Language", "en-GB,en;q=0.8")
	stream, err := e.admin.ExportBookings(ctx, req)
	require.NoError(t, err)
	require.True(t, stream.Receive())
	require.True(t, bytes.HasPrefix(stream.Msg().GetChunk(), []byte(export.BOM+"Code;Status;")))
	for stream.Receive() {
	}
	require.NoError(t, stream.Err())
	require.NoError(t, stream.Close())

	// A resource narrows the export to its subtree: the ID card service
	// has none of these bookings, the tour all of them.
	data, err = expStream(t, e.admin, e.organizer, &varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID, ResourceId: demo.CIEID,
		FromDate: "2026-03-28", ToDate: "2026-03-29"})
	require.NoError(t, err)
	_, rows = csvRows(t, data, ';')
	require.Empty(t, rows, "header only")
	data, err = expStream(t, e.admin, e.organizer, &varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID, ResourceId: demo.TourID,
		FromDate: "2026-03-28", ToDate: "2026-03-29"})
	require.NoError(t, err)
	_, rows = csvRows(t, data, ';')
	require.Len(t, rows, 4)

	// Field errors name the field.
	for _, tc := range []struct {
		req   *varcov1.ExportBookingsRequest
		field string
	}{
		{&varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID, ToDate: "2026-03-29"}, "from_date"},
		{&varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID, FromDate: "28/03/2026", ToDate: "2026-03-29"}, "from_date"},
		{&varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID, FromDate: "2026-03-29", ToDate: "2026-03-28"}, "to_date"},
		{&varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID, FromDate: "2026-01-01", ToDate: "2027-01-02"}, "to_date"},
		{&varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID, FromDate: "2026-03-29", ToDate: "2026-03-29", Delimiter: 9}, "delimiter"},
		{&varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID, FromDate: "2026-03-29", ToDate: "2026-03-29", Language: "fr"}, "language"},
		{&varcov1.ExportBookingsRequest{FromDate: "2026-03-29", ToDate: "2026-03-29"}, "organization_id"},
	} {
		_, err := expStream(t, e.admin, e.organizer, tc.req)
		require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%v", err)
		requireFieldViolation(t, err, tc.field)
	}

	// Organizers only: not citizens, not operators, not another
	// organization's organizer, not anonymous callers.
	staff := registerCitizens(t, e.b, "EXO", 1)[0]
	_, err = e.admin.GrantRole(ctx, authBearer(&varcov1.GrantRoleRequest{OrganizationId: demo.ComuneID, Login: staff.cf,
		Kind: varcov1.StaffRoleKind_STAFF_ROLE_KIND_OPERATOR}, e.organizer))
	require.NoError(t, err)
	_, err = expStream(t, e.admin, staff.token, weekend)
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "an operator")
	_, err = expStream(t, e.admin, "", weekend)
	require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
	_, err = expStream(t, e.admin, e.organizer, &varcov1.ExportBookingsRequest{OrganizationId: demo.ID("org/navigazione"),
		FromDate: "2026-03-28", ToDate: "2026-03-29"})
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "another organization")
	_, err = expStream(t, e.admin, e.organizer, &varcov1.ExportBookingsRequest{OrganizationId: demo.ComuneID,
		ResourceId: demo.ID("resource/boat"), FromDate: "2026-03-28", ToDate: "2026-03-29"})
	require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "another organization's resource")

	// Every export is in the audit trail, with what left the server.
	trail, err := e.admin.ListAuditEvents(ctx, authBearer(&varcov1.ListAuditEventsRequest{OrganizationId: demo.ComuneID, PageSize: 500}, e.organizer))
	require.NoError(t, err)
	var details, ends []string
	for _, ev := range trail.Msg.GetEvents() {
		switch ev.GetAction() {
		case "bookings.export":
			details = append(details, ev.GetDetail())
			require.Equal(t, varcov1.PrincipalKind_PRINCIPAL_KIND_STAFF, ev.GetActor().GetKind())
		case "bookings.export.end":
			ends = append(ends, ev.GetDetail())
		}
	}
	require.Len(t, details, 6, "the six successful exports, none of the refused ones")
	require.Contains(t, details, "2026-03-28..2026-03-29 via=rpc")
	require.Len(t, ends, 6, "each with its end")
	require.Contains(t, ends, fmt.Sprintf("2026-03-28..2026-03-29 rows=4 bytes=%d via=rpc result=complete", weekendSize))
}

// Gate scans of the Sunday clocks go forward, exported with the device's
// time in the place's zone, gate names, results and booking codes.
func TestExportScansEndToEnd(t *testing.T) {
	t.Parallel()
	clk := clock.NewFake(expStart)
	e := newExpEnv(t, setupWith(t, clk), clk)
	ctx := context.Background()
	gate := scanner{enrollGate(t, e.b, e.organizer, "Ingresso nord", varcov1.GateDirection_GATE_DIRECTION_BOTH),
		varcov1connect.NewGateServiceClient(http.DefaultClient, e.b.baseURL)}
	tk, err := e.people[1].booking.GetTicket(ctx, authBearer(&varcov1.GetTicketRequest{BookingId: e.onBehal.GetId()}, e.people[1].token))
	require.NoError(t, err)
	payload := tk.Msg.GetTickets()[0].GetPayload()

	clk.Set(time.Date(2026, 3, 29, 7, 55, 0, 0, time.UTC)) // 09:55 CEST, five minutes before the tour
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, gate.scan(t, uuid.NewString(), payload, entry).GetVerdict())
	clk.Advance(time.Minute)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_REFUSED, gate.scan(t, uuid.NewString(), payload, entry).GetVerdict())
	clk.Advance(time.Minute)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_REFUSED, gate.scan(t, uuid.NewString(), "=1+1", entry).GetVerdict())
	clk.Advance(time.Hour)
	require.Equal(t, varcov1.ScanVerdict_SCAN_VERDICT_ACCEPTED, gate.scan(t, uuid.NewString(), payload, exit).GetVerdict())

	scans := func(req *varcov1.ExportScansRequest) ([]byte, error) {
		stream, err := e.admin.ExportScans(ctx, authBearer(req, e.organizer))
		if err != nil {
			return nil, err
		}
		defer stream.Close()
		var out bytes.Buffer
		for stream.Receive() {
			out.Write(stream.Msg().GetChunk())
		}
		return out.Bytes(), stream.Err()
	}
	data, err := scans(&varcov1.ExportScansRequest{OrganizationId: demo.ComuneID, FromDate: "2026-03-29", ToDate: "2026-03-29"})
	require.NoError(t, err)
	head, rows := csvRows(t, data, ';')
	require.Equal(t, "Data", head[0])
	require.Len(t, rows, 4)
	for name, want := range map[string]string{
		"Data": "29/03/2026", "Ora": "09:55:00", "Varco": "Ingresso nord", "Direzione": "Ingresso", "Esito": "Accettata",
		"Motivo": "Accesso consentito", "Codice motivo": "OK", "Prenotazione": e.onBehal.GetCode(), "Posti": "1",
		"Servizio": "Visita guidata al Palazzo Comunale", "Offline": "No", "Esito sul dispositivo": "", "Conflitto": "No",
		"Ora del dispositivo (UTC)": "2026-03-29T07:55:00Z", "Ricevuta dal server": "29/03/2026 09:55",
		"Biglietto": tk.Msg.GetTickets()[0].GetId(),
	} {
		require.Equal(t, want, rows[0][name], name)
	}
	require.Equal(t, "ALREADY_INSIDE", rows[1]["Codice motivo"])
	require.Equal(t, "Rifiutata", rows[1]["Esito"])
	require.Equal(t, "MALFORMED", rows[2]["Codice motivo"])
	require.Empty(t, rows[2]["Prenotazione"])
	require.Equal(t, "Uscita", rows[3]["Direzione"])
	require.Equal(t, "10:57:00", rows[3]["Ora"])

	data, err = scans(&varcov1.ExportScansRequest{OrganizationId: demo.ComuneID, FromDate: "2026-03-29", ToDate: "2026-03-29",
		Language: "en", Delimiter: varcov1.CsvDelimiter_CSV_DELIMITER_COMMA, ResourceId: demo.TourID})
	require.NoError(t, err)
	head, rows = csvRows(t, data, ',')
	require.Equal(t, "Date", head[0])
	require.Len(t, rows, 3, "the malformed QR names no resource")
	require.Equal(t, "Entry", rows[0]["Direction"])
	require.Equal(t, "Access granted", rows[0]["Reason"])

	data, err = scans(&varcov1.ExportScansRequest{OrganizationId: demo.ComuneID, FromDate: "2026-03-28", ToDate: "2026-03-28"})
	require.NoError(t, err)
	_, rows = csvRows(t, data, ';')
	require.Empty(t, rows, "nothing on Saturday")

	_, err = scans(&varcov1.ExportScansRequest{OrganizationId: demo.ComuneID, FromDate: "2026-03-29"})
	requireFieldViolation(t, err, "to_date")

	trail, err := e.admin.ListAuditEvents(ctx, authBearer(&varcov1.ListAuditEventsRequest{OrganizationId: demo.ComuneID}, e.organizer))
	require.NoError(t, err)
	n := 0
	for _, ev := range trail.Msg.GetEvents() {
		if ev.GetAction() == "scans.export" {
			n++
		}
	}
	require.Equal(t, 3, n)
}
