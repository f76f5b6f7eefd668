package ticket

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/stretchr/testify/require"
)

// symbol measures a rendered QR: the bounding box of the dark pixels and
// the module size, read off the top-left finder pattern (7 modules wide).
type symbol struct {
	box    image.Rectangle
	module int
}

func measure(t *testing.T, img image.Image) symbol {
	t.Helper()
	b := img.Bounds()
	box := image.Rectangle{Min: b.Max, Max: b.Min}
	grey := 0 // counted, not asserted per pixel: millions of asserts are slow
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			switch color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y {
			case 0:
				box = box.Union(image.Rect(x, y, x+1, y+1))
			case 0xFF:
			default:
				grey++
			}
		}
	}
	require.Zero(t, grey, "grey pixels: modules are not crisp")
	run := 0
	for x := box.Min.X; x < box.Max.X && dark(img.At(x, box.Min.Y)); x++ {
		run++
	}
	require.Zero(t, run%7, "finder pattern width %d", run)
	return symbol{box: box, module: run / 7}
}

func TestPNGReadsBackWithIndependentDecoder(t *testing.T) {
	t.Parallel()
	k := seedKey(t, 1, t0)
	payload, err := typicalClaims().Encode(k)
	require.NoError(t, err)

	tests := []struct {
		name string
		size int
	}{
		{"smallest: one pixel per module", 57},
		{"e-mail", 300},
		{"wallet", 512},
		{"print", 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data, err := PNG(payload, tc.size)
			require.NoError(t, err)
			img, err := png.Decode(bytes.NewReader(data))
			require.NoError(t, err)
			require.Equal(t, image.Rect(0, 0, tc.size, tc.size), img.Bounds())

			s := measure(t, img)
			modules := s.box.Dx() / s.module
			require.Equal(t, s.box.Dx(), s.box.Dy())
			require.Zero(t, s.box.Dx()%s.module, "whole modules")
			version := (modules - 17) / 4
			require.LessOrEqual(t, version, 10)
			t.Logf("size %d: version %d (%d modules), %d px per module, %d bytes", tc.size, version, modules, s.module, len(data))

			// Quiet zone: at least 4 modules of white on every side (the
			// bounding box of the dark pixels is the symbol itself, since
			// finder patterns sit in three corners and timing/alignment
			// patterns reach the fourth side).
			quiet := QuietZone * s.module
			require.GreaterOrEqual(t, s.box.Min.X, quiet)
			require.GreaterOrEqual(t, s.box.Min.Y, quiet)
			require.GreaterOrEqual(t, tc.size-s.box.Max.X, quiet)
			require.GreaterOrEqual(t, tc.size-s.box.Max.Y, quiet)
			darkInQuiet := 0
			for y := range tc.size {
				for x := range tc.size {
					inQuiet := x < quiet || y < quiet || x >= tc.size-quiet || y >= tc.size-quiet
					if inQuiet && dark(img.At(x, y)) {
						darkInQuiet++
					}
				}
			}
			require.Zero(t, darkInQuiet, "dark pixels in the %d-pixel quiet zone", quiet)

			bmp, err := gozxing.NewBinaryBitmapFromImage(img)
			require.NoError(t, err)
			res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
			require.NoError(t, err)
			require.Equal(t, payload, res.GetText())
			md := res.GetResultMetadata()
			require.Equal(t, "M", md[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL])
			require.NotContains(t, md, gozxing.ResultMetadataType_BYTE_SEGMENTS, "alphanumeric mode, not byte mode")
		})
	}
}

func TestPNGRefuses(t *testing.T) {
	t.Parallel()
	k := seedKey(t, 1, t0)
	payload, err := typicalClaims().Encode(k)
	require.NoError(t, err)
	tests := []struct {
		name    string
		payload string
		size    int
	}{
		{"lower case needs byte mode", "VT1:abc", 300},
		{"non-ASCII", "VT1:\u00e8", 300},
		{"too small for the quiet zone", payload, 56},
		{"zero size", payload, 0},
		{"negative size", payload, -1},
		{"too large", payload, MaxPNGSize + 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := PNG(tc.payload, tc.size)
			require.Error(t, err)
		})
	}
	_, err = PNG("VT1:abc", 300)
	require.ErrorIs(t, err, ErrNotAlphanumeric)
	_, err = PNG(payload, MaxPNGSize)
	require.NoError(t, err, "the bound itself is allowed")
}
