// Package qrcode draws short texts (links, codes) as QR codes for people:
// in a terminal with Unicode half blocks and as a PNG, each with the quiet
// zone around it. Tickets have their own compact encoder (internal/ticket).
package qrcode

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"

	"github.com/boombuler/barcode/qr"
)

// QuietZone is the white margin, in modules, that ISO/IEC 18004 asks
// around a QR code: without it a phone camera filming a terminal or a
// printout often cannot find the finder patterns.
const QuietZone = 4

// Code is a QR code's modules with the quiet zone around them, true for
// dark, row by row.
type Code [][]bool

// Encode makes the QR code of text at error-correction level M (a crease
// or glare on up to ~15% of the code is restored).
func Encode(text string) (Code, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("qrcode: %w", err)
	}
	b := code.Bounds()
	n := b.Dx() + 2*QuietZone
	m := make(Code, n)
	for y := range m {
		m[y] = make([]bool, n)
	}
	for y := range b.Dy() {
		for x := range b.Dx() {
			m[y+QuietZone][x+QuietZone] = color.GrayModel.Convert(code.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y < 0x80
		}
	}
	return m, nil
}

// Text draws the code with Unicode half blocks, two rows of modules per
// line. Light modules are drawn ("█", "▀", "▄") and dark ones left blank,
// as qrencode -t UTF8 does: on the usual dark terminal the code reads
// dark on light, the way cameras expect it. A code's side is odd, so the
// last line has only its upper half drawn.
func (m Code) Text() string {
	var sb strings.Builder
	for y := 0; y < len(m); y += 2 {
		for x := range m[y] {
			top := !m[y][x]
			bottom := y+1 < len(m) && !m[y+1][x]
			switch {
			case top && bottom:
				sb.WriteString("█")
			case top:
				sb.WriteString("▀")
			case bottom:
				sb.WriteString("▄")
			default:
				sb.WriteString(" ")
			}
		}
		sb.WriteString("\n")
	}
	return sb.String()
}

// PNG draws the code as a 1-bit PNG with module pixels per module.
func (m Code) PNG(module int) ([]byte, error) {
	n := len(m) * module
	img := image.NewPaletted(image.Rect(0, 0, n, n), color.Palette{color.White, color.Black})
	for y := range n {
		for x := range n {
			if m[y/module][x/module] {
				img.Pix[y*img.Stride+x] = 1
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("qrcode: png: %w", err)
	}
	return buf.Bytes(), nil
}
