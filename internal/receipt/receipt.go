// Package receipt draws a booking's receipt as a one-page A4 PDF
// ("scarica ricevuta"): who, what, where, when, the booking code, the QR of
// a ticketed booking and the documents to bring, in Italian or English.
//
// The PDF is made with github.com/signintech/gopdf (maintained, pure Go,
// TrueType fonts subset into the file: the receipt embeds only the glyphs
// it uses). go-pdf/fpdf, the better-known choice, was archived in 2025.
// The font is DejaVu Sans (Bitstream Vera licence, fonts/LICENSE-DejaVu.txt),
// embedded in the binary: it covers Italian and every name a person may
// have.
package receipt

import (
	"bytes"
	_ "embed"
	"fmt"
	"image"
	"image/png"
	"strings"
	"time"

	"github.com/signintech/gopdf"

	"github.com/varco-gate/varco/internal/i18n"
	"github.com/varco-gate/varco/internal/textfmt"
)

//go:embed fonts/DejaVuSans.ttf
var regularFont []byte

//go:embed fonts/DejaVuSans-Bold.ttf
var boldFont []byte

// Receipt is what the receipt shows; every text is already in the
// receipt's language except the labels, which this package writes.
type Receipt struct {
	// Language is "en" for English; anything else gives Italian.
	Language string
	// OrgName and OrgContact head the page.
	OrgName, OrgContact string
	Service             string
	// Place and Address: for in-person bookings; Mode describes the
	// others ("Videochiamata", "Telefonata").
	Place, Address, Mode string
	// Start and End bound the appointment, shown in TimeZone.
	Start, End time.Time
	TimeZone   *time.Location
	Code       string
	// Status is the booking's state in words ("Confermata").
	Status string
	// Beneficiary and CodiceFiscale: for whom; BookedBy when someone else
	// booked.
	Beneficiary, CodiceFiscale, BookedBy string
	Seats                                int
	// QRPNG is the ticket's QR for ticketed bookings; TicketLines its
	// terms (seats, entry window, longest stay), already in words.
	QRPNG       []byte
	TicketLines []string
	Documents   []string
	// IssuedAt is when the receipt was made.
	IssuedAt time.Time
}

type labels struct {
	title, code, status, service, place, mode, when, forWhom, cf, bookedBy, seats, ticket, documents, issued, showQR, footer string
}

// labelsFor reads the labels of lang from the catalog ("receipt.label.*").
func labelsFor(lang string) labels {
	t := i18n.Picker(lang)
	return labels{
		title:     t("receipt.label.title"),
		code:      t("receipt.label.code"),
		status:    t("receipt.label.status"),
		service:   t("receipt.label.service"),
		place:     t("receipt.label.place"),
		mode:      t("receipt.label.mode"),
		when:      t("receipt.label.when"),
		forWhom:   t("receipt.label.forWhom"),
		cf:        t("receipt.label.cf"),
		bookedBy:  t("receipt.label.bookedBy"),
		seats:     t("receipt.label.seats"),
		ticket:    t("receipt.label.ticket"),
		documents: t("receipt.label.documents"),
		issued:    t("receipt.label.issued"),
		showQR:    t("receipt.label.showQR"),
		footer:    t("receipt.label.footer"),
	}
}

// Page geometry, in points (A4 is 595 × 842).
const (
	margin   = 56.0
	pageW    = 595.0
	contentW = pageW - 2*margin
	labelW   = 150.0
	lineH    = 16.0
	qrSide   = 170.0
)

// PDF draws r.
func PDF(r Receipt) ([]byte, error) {
	l := labelsFor(r.Language)
	loc := r.TimeZone
	if loc == nil {
		loc = time.UTC
	}
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	pdf.SetInfo(gopdf.PdfInfo{Title: l.title + " " + r.Code, Author: r.OrgName, Creator: "Varco", Producer: "Varco",
		CreationDate: r.IssuedAt})
	if err := pdf.AddTTFFontData("sans", regularFont); err != nil {
		return nil, fmt.Errorf("receipt: font: %w", err)
	}
	if err := pdf.AddTTFFontDataWithOption("sans", boldFont, gopdf.TtfOption{Style: gopdf.Bold}); err != nil {
		return nil, fmt.Errorf("receipt: bold font: %w", err)
	}
	pdf.AddPage()
	w := &writer{pdf: pdf, y: margin}

	w.text(r.OrgName, 11, false, 90)
	if r.OrgContact != "" {
		w.text(r.OrgContact, 9, false, 90)
	}
	w.gap(14)
	w.text(l.title, 20, true, 0)
	w.gap(8)
	w.text(l.code, 10, false, 90)
	w.text(r.Code, 26, true, 0)
	w.gap(10)

	when := textfmt.LongDate(r.Language, r.Start.In(loc))
	if !r.End.IsZero() {
		when += " – " + r.End.In(loc).Format("15:04")
	}
	rows := [][2]string{{l.status, r.Status}, {l.service, r.Service}, {l.when, when}}
	if r.Place != "" || r.Address != "" {
		rows = append(rows, [2]string{l.place, strings.Trim(r.Place+"\n"+r.Address, "\n")})
	}
	if r.Mode != "" {
		rows = append(rows, [2]string{l.mode, r.Mode})
	}
	rows = append(rows, [2]string{l.forWhom, r.Beneficiary})
	if r.CodiceFiscale != "" {
		rows = append(rows, [2]string{l.cf, r.CodiceFiscale})
	}
	if r.BookedBy != "" {
		rows = append(rows, [2]string{l.bookedBy, r.BookedBy})
	}
	if r.Seats > 1 {
		rows = append(rows, [2]string{l.seats, fmt.Sprint(r.Seats)})
	}
	for _, row := range rows {
		if err := w.row(row[0], row[1]); err != nil {
			return nil, err
		}
	}

	if len(r.QRPNG) > 0 {
		img, err := png.Decode(bytes.NewReader(r.QRPNG))
		if err != nil {
			return nil, fmt.Errorf("receipt: qr: %w", err)
		}
		w.gap(12)
		w.text(l.ticket, 13, true, 0)
		if err := w.image(img); err != nil {
			return nil, err
		}
		w.text(l.showQR, 10, true, 0)
		for _, line := range r.TicketLines {
			w.text("• "+line, 10, false, 0)
		}
	}
	if len(r.Documents) > 0 {
		w.gap(12)
		w.text(l.documents, 13, true, 0)
		for _, d := range r.Documents {
			if err := w.wrapped("• "+d, 10, contentW); err != nil {
				return nil, err
			}
		}
	}
	w.gap(20)
	pdf.SetStrokeColor(200, 200, 200)
	pdf.Line(margin, w.y, pageW-margin, w.y)
	w.gap(8)
	if err := w.wrapped(l.footer, 9, contentW); err != nil {
		return nil, err
	}
	w.text(l.issued+" "+textfmt.LongDate(r.Language, r.IssuedAt.In(loc)), 9, false, 90)

	out, err := pdf.GetBytesPdfReturnErr()
	if err != nil {
		return nil, fmt.Errorf("receipt: %w", err)
	}
	return out, nil
}

// writer lays lines out down the page.
type writer struct {
	pdf *gopdf.GoPdf
	y   float64
}

func (w *writer) gap(h float64) { w.y += h }

// text writes one line; grey is 0 for black, higher for lighter text.
func (w *writer) text(s string, size float64, bold bool, grey uint8) {
	w.font(size, bold)
	w.pdf.SetTextColor(grey, grey, grey)
	w.pdf.SetXY(margin, w.y)
	_ = w.pdf.Cell(nil, s) // Cell fails only without a font, set above
	w.y += size * 1.4
}

func (w *writer) font(size float64, bold bool) {
	style := ""
	if bold {
		style = "B"
	}
	_ = w.pdf.SetFont("sans", style, size) // both styles were added in PDF
}

// row writes a label and its value, the value wrapped beside the label.
func (w *writer) row(label, value string) error {
	w.font(10, false)
	w.pdf.SetTextColor(90, 90, 90)
	w.pdf.SetXY(margin, w.y)
	_ = w.pdf.Cell(nil, label)
	w.font(11, true)
	w.pdf.SetTextColor(0, 0, 0)
	top := w.y
	for _, para := range strings.Split(value, "\n") {
		lines, err := w.pdf.SplitTextWithWordWrap(para, contentW-labelW)
		if err != nil {
			return fmt.Errorf("receipt: %w", err)
		}
		for _, line := range lines {
			w.pdf.SetXY(margin+labelW, w.y)
			_ = w.pdf.Cell(nil, line)
			w.y += lineH
		}
	}
	if w.y == top {
		w.y += lineH
	}
	w.y += 4
	return nil
}

func (w *writer) wrapped(s string, size, width float64) error {
	w.font(size, false)
	w.pdf.SetTextColor(0, 0, 0)
	lines, err := w.pdf.SplitTextWithWordWrap(s, width)
	if err != nil {
		return fmt.Errorf("receipt: %w", err)
	}
	for _, line := range lines {
		w.pdf.SetXY(margin, w.y)
		_ = w.pdf.Cell(nil, line)
		w.y += size * 1.4
	}
	return nil
}

func (w *writer) image(img image.Image) error {
	if err := w.pdf.ImageFrom(img, margin, w.y+4, &gopdf.Rect{W: qrSide, H: qrSide}); err != nil {
		return fmt.Errorf("receipt: qr: %w", err)
	}
	w.y += qrSide + 12
	return nil
}
