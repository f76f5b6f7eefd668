package ticket

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"

	"github.com/boombuler/barcode/qr"
)

// QuietZone is the white margin around a QR code, in modules, that ISO/IEC
// 18004 requires so a reader can find the finder patterns. The barcode
// library draws none, so PNG adds it: without it, codes placed on a
// coloured e-mail background or a wallet card often fail to scan.
const QuietZone = 4

// qrLevel is the error-correction level. M restores up to ~15% of damaged
// modules, enough for a creased printout, a scratched or glaring phone
// screen, while a typical ticket (~195 characters) still fits version 8
// (49x49). L (7%) saves one version but fails on real-world damage; Q and
// H push the code to version 10-12 and make modules smaller for the same
// print size, which hurts cheap gate scanners more than it helps.
const qrLevel = qr.M

// MaxPNGSize bounds the side of a PNG in pixels. The size may come from a
// query parameter of a public link; without a bound one request could ask
// for gigabytes. 2048 px is a 40 mm code printed at 1200 dpi.
const MaxPNGSize = 2048

// ErrNotAlphanumeric: the payload has a character outside the QR
// alphanumeric set, so the QR would need byte mode and grow by ~40%.
var ErrNotAlphanumeric = errors.New("ticket: payload is not QR alphanumeric")

// IsQRAlphanumeric reports whether s uses only the 45 QR alphanumeric
// characters 0-9 A-Z space $ % * + - . / : — which is exactly the base45
// alphabet, so every VT1 payload, prefix included, passes.
func IsQRAlphanumeric(s string) bool {
	for i := range len(s) {
		if base45Value[s[i]] < 0 {
			return false
		}
	}
	return true
}

// PNG renders payload as a QR code in alphanumeric mode at level M, as a
// size x size PNG (size at most MaxPNGSize). Each module is a whole number of pixels (the largest
// that fits with the quiet zone), so modules stay crisp instead of being
// blurred by fractional scaling; the code is centred and whatever is left
// over widens the white margin beyond the 4-module quiet zone. The image is
// 1-bit, which keeps it small for e-mails.
func PNG(payload string, size int) ([]byte, error) {
	if !IsQRAlphanumeric(payload) {
		return nil, ErrNotAlphanumeric
	}
	if size > MaxPNGSize {
		return nil, fmt.Errorf("ticket: qr: %d pixels is more than %d", size, MaxPNGSize)
	}
	code, err := qr.Encode(payload, qrLevel, qr.AlphaNumeric)
	if err != nil {
		return nil, fmt.Errorf("ticket: qr: %w", err)
	}
	n := code.Bounds().Dx()
	module := size / (n + 2*QuietZone)
	if module < 1 {
		return nil, fmt.Errorf("ticket: qr: %d pixels cannot hold %d modules and the quiet zone", size, n+2*QuietZone)
	}
	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	// Index 0 is white, so the new image is all quiet zone; only dark
	// modules are drawn.
	offset := (size - n*module) / 2
	origin := code.Bounds().Min
	for y := range n {
		for x := range n {
			if !dark(code.At(origin.X+x, origin.Y+y)) {
				continue
			}
			for py := range module {
				row := img.Pix[(offset+y*module+py)*img.Stride:]
				for px := range module {
					row[offset+x*module+px] = 1
				}
			}
		}
	}
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("ticket: png: %w", err)
	}
	return buf.Bytes(), nil
}

// dark reports whether a module colour is the dark one.
func dark(c color.Color) bool {
	return color.GrayModel.Convert(c).(color.Gray).Y < 0x80
}
