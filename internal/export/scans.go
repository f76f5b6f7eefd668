package export

import "strconv"

// scanColumns are the columns of a scans export, in order.
var scanColumns = []label{
	{"Data", "Date"},
	{"Ora", "Time"},
	{"Varco", "Gate"},
	{"Direzione", "Direction"},
	{"Esito", "Result"},
	{"Motivo", "Reason"},
	{"Codice motivo", "Reason code"},
	{"Prenotazione", "Booking"},
	{"Servizio", "Service"},
	{"Posti", "Seats"},
	{"Offline", "Offline"},
	{"Esito sul dispositivo", "Decision on the device"},
	{"Conflitto", "Conflict"},
	{"Ora del dispositivo (UTC)", "Device time (UTC)"},
	{"Ricevuta dal server", "Received by the server"},
	{"Ricevuta dal server (UTC)", "Received by the server (UTC)"},
	{"Biglietto", "Ticket"},
	{"ID dispositivo", "Device ID"},
	{"ID scansione", "Scan ID"},
}

// scanRecord fills out with s's cells. Date and time are the device's
// clock (when the person passed), shown in the place's zone.
func (f *rowFormat) scanRecord(out []string, s *ScanRow, reasonText ReasonText) []string {
	loc := f.loc(s.TimeZone)
	local := ""
	if s.Offline && s.LocalVerdict != 0 {
		local = verdictLabels[s.LocalVerdict].in(f.lang)
	}
	return append(out[:0],
		f.date(s.ScannedAt, loc),
		s.ScannedAt.In(loc).Format(clockSecondsLayout),
		s.DeviceName,
		directionLabels[s.Direction].in(f.lang),
		verdictLabels[s.Verdict].in(f.lang),
		reasonText(string(s.Reason), f.lang),
		string(s.Reason),
		formatCode(s.BookingCode),
		s.ResourceName,
		strconv.Itoa(s.Seats),
		yesNo[s.Offline].in(f.lang),
		local,
		yesNo[s.Conflict].in(f.lang),
		utc(s.ScannedAt),
		f.dateTime(s.ReceivedAt, loc),
		utc(s.ReceivedAt),
		s.TicketID,
		s.DeviceID,
		s.ID,
	)
}
