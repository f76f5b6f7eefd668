package main

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"strings"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
)

// qrQuietZone is the white margin, in modules, that ISO/IEC 18004 asks
// around a QR code: without it a phone camera filming a terminal or a
// printout often cannot find the finder patterns.
const qrQuietZone = 4

// qrPNGModule is the side of one module in the PNG, in pixels: a code of
// a link (version 3–5) comes out 300–400 px wide, sharp when printed.
const qrPNGModule = 8

// enrollLink is what the enrollment QR holds: a link to the server's gate
// app with the code, which a phone's own camera app opens with the code
// filled in, and which the gate app's "Inquadra il QR del codice" reads
// too (it takes the code from ?codice=).
func enrollLink(server, code string) string {
	return strings.TrimRight(server, "/") + "/gate/#/?codice=" + url.QueryEscape(code)
}

// qrModules encodes text and returns its modules, true for dark, with the
// quiet zone around them.
func qrModules(text string) ([][]bool, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("qr: %w", err)
	}
	return modules(code), nil
}

func modules(code barcode.Barcode) [][]bool {
	b := code.Bounds()
	n := b.Dx() + 2*qrQuietZone
	m := make([][]bool, n)
	for y := range m {
		m[y] = make([]bool, n)
	}
	for y := range b.Dy() {
		for x := range b.Dx() {
			m[y+qrQuietZone][x+qrQuietZone] = color.GrayModel.Convert(code.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y < 0x80
		}
	}
	return m
}

// qrText draws the modules with Unicode half blocks, two rows of modules
// per line of text. Light modules are drawn ("█", "▀", "▄") and dark ones
// left blank, as qrencode -t UTF8 does: on the usual dark terminal the
// code reads dark on light, the way cameras expect it.
func qrText(m [][]bool) string {
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

// qrPNG draws the modules as a 1-bit PNG, qrPNGModule pixels each.
func qrPNG(m [][]bool) ([]byte, error) {
	n := len(m) * qrPNGModule
	img := image.NewPaletted(image.Rect(0, 0, n, n), color.Palette{color.White, color.Black})
	for y := range n {
		for x := range n {
			if m[y/qrPNGModule][x/qrPNGModule] {
				img.Pix[y*img.Stride+x] = 1
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("qr: png: %w", err)
	}
	return buf.Bytes(), nil
}
