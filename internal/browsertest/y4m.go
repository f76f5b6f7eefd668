package browsertest

import (
	"bufio"
	"fmt"
	"image"
	"image/color"
	"os"
)

// Size of the frames WriteY4M films: VGA, a size every capture pipeline
// takes without scaling.
const (
	y4mWidth  = 640
	y4mHeight = 480
)

// WriteY4M writes a YUV4MPEG2 video (4:2:0, what Chromium's fake camera
// reads, see FakeCamera) of frames identical frames showing img centred on
// white, scaled by a whole factor (nearest neighbour, so a QR code keeps
// sharp modules) to fill most of the picture.
func WriteY4M(path string, img image.Image, frames int) error {
	y, cb, cr := y4mFrame(img)
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "YUV4MPEG2 W%d H%d F10:1 Ip A1:1 C420jpeg\n", y4mWidth, y4mHeight)
	for range frames {
		w.WriteString("FRAME\n")
		w.Write(y)
		w.Write(cb)
		w.Write(cr)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("browsertest: write %s: %w", path, err)
	}
	return f.Close()
}

// y4mFrame renders one frame as its Y, Cb and Cr planes (full-range
// BT.601, chroma averaged over each 2×2 block).
func y4mFrame(img image.Image) (y, cb, cr []byte) {
	b := img.Bounds()
	scale := max(1, min((y4mWidth*9/10)/b.Dx(), (y4mHeight*9/10)/b.Dy()))
	ox := (y4mWidth - b.Dx()*scale) / 2
	oy := (y4mHeight - b.Dy()*scale) / 2
	at := func(x, yy int) (uint8, uint8, uint8) {
		sx, sy := (x-ox)/scale, (yy-oy)/scale
		if x < ox || yy < oy || sx >= b.Dx() || sy >= b.Dy() {
			return 255, 128, 128
		}
		return color.RGBToYCbCr(rgb(img.At(b.Min.X+sx, b.Min.Y+sy)))
	}
	y = make([]byte, y4mWidth*y4mHeight)
	cb = make([]byte, y4mWidth*y4mHeight/4)
	cr = make([]byte, y4mWidth*y4mHeight/4)
	for yy := 0; yy < y4mHeight; yy += 2 {
		for x := 0; x < y4mWidth; x += 2 {
			var sumB, sumR int
			for _, d := range [4][2]int{{0, 0}, {1, 0}, {0, 1}, {1, 1}} {
				l, u, v := at(x+d[0], yy+d[1])
				y[(yy+d[1])*y4mWidth+x+d[0]] = l
				sumB += int(u)
				sumR += int(v)
			}
			cb[(yy/2)*(y4mWidth/2)+x/2] = uint8(sumB / 4)
			cr[(yy/2)*(y4mWidth/2)+x/2] = uint8(sumR / 4)
		}
	}
	return y, cb, cr
}

// rgb flattens a colour onto white (a PNG may be transparent around the
// code) and returns 8-bit components.
func rgb(c color.Color) (uint8, uint8, uint8) {
	r, g, b, a := c.RGBA()
	white := 0xffff - a
	return uint8((r + white) >> 8), uint8((g + white) >> 8), uint8((b + white) >> 8)
}
