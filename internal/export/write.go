package export

import (
	"context"
	"fmt"
	"io"
)

// Write writes the export p to w: the byte order mark, the header row and
// one row per booking or scan, read from the store in batches as they are
// written. It returns the number of data rows. w sees the file in the
// pieces encoding/csv flushes (4 KiB); wrap it in a Chunker to send larger
// ones. A cancelled ctx stops the export between batches.
func (s *Service) Write(ctx context.Context, p Plan, w io.Writer) (int, error) {
	cw, err := newCSVWriter(w, p.Format.Delimiter)
	if err != nil {
		return 0, err
	}
	f := newRowFormat(p.Format.Lang, p.Zone)
	n := 0
	switch p.Kind {
	case Bookings:
		if err := cw.write(header(bookingColumns, f.lang)); err != nil {
			return 0, err
		}
		rec := make([]string, 0, len(bookingColumns))
		err = s.store.ExportBookings(ctx, p.Query, func(b *BookingRow) error {
			n++
			rec = f.bookingRecord(rec, b)
			return cw.write(rec)
		})
	case Scans:
		if err := cw.write(header(scanColumns, f.lang)); err != nil {
			return 0, err
		}
		rec := make([]string, 0, len(scanColumns))
		err = s.store.ExportScans(ctx, p.Query, func(r *ScanRow) error {
			n++
			rec = f.scanRecord(rec, r, s.reasonText)
			return cw.write(rec)
		})
	default:
		return 0, fmt.Errorf("export: unknown kind %d", p.Kind)
	}
	if err != nil {
		return n, fmt.Errorf("export: %w", err)
	}
	return n, cw.flush()
}
