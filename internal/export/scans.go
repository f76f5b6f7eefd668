package export

import "strconv"

// scanColumns are the columns of a scans export, in order.
var scanColumns = []label{
	"export.col.scan.date",
	"export.col.scan.time",
	"export.col.scan.gate",
	"export.col.scan.direction",
	"export.col.scan.result",
	"export.col.scan.reason",
	"export.col.scan.reason_code",
	"export.col.scan.booking",
	"export.col.scan.service",
	"export.col.scan.seats",
	"export.col.scan.offline",
	"export.col.scan.device_result",
	"export.col.scan.conflict",
	"export.col.scan.device_time_utc",
	"export.col.scan.received",
	"export.col.scan.received_utc",
	"export.col.scan.ticket",
	"export.col.scan.device_id",
	"export.col.scan.scan_id",
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
