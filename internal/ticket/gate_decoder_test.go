package ticket

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// Every ticket QR this package draws must be readable by the gate app's
// camera decoder (web/src/gate/qrdecode.ts, ZXing-C++ in WebAssembly), not
// only by a Go decoder: the JavaScript port of ZXing the app used before
// missed about one ticket in eight, from perfect frames, and only a
// handful of tickets per browser test made that a flaky test instead of a
// failing one. Here a few hundred real signed tickets, drawn at the size
// the API serves and at a smaller one (a ticket held farther away), go
// through the app's own module under Node, the way a camera frame does.
func TestGateDecoderReadsEveryTicket(t *testing.T) {
	web, err := filepath.Abs(filepath.Join("..", "..", "web"))
	require.NoError(t, err)
	esbuild := filepath.Join(web, "node_modules", ".bin", "esbuild")
	node, err := exec.LookPath("node")
	if _, serr := os.Stat(esbuild); err != nil || serr != nil {
		// web/build.sh (run by .ci/run) installs both.
		if os.Getenv("CI") != "" {
			t.Fatalf("node or web/node_modules missing (CI must install them: see .ci/run)")
		}
		t.Skip("node or web/node_modules missing: run web/build.sh")
	}

	const width, height = 640, 480 // the browser tests' fake camera
	dir := t.TempDir()
	frames := filepath.Join(dir, "frames")
	require.NoError(t, os.Mkdir(frames, 0o755))
	key, err := NewKey(rand.Reader, time.Now())
	require.NoError(t, err)
	want := map[string]string{}
	for i := range 240 {
		now := time.Now().Truncate(time.Second)
		payload, err := Claims{TicketID: uuid.NewString(), ResourceID: uuid.NewString(), ValidFrom: now,
			ValidUntil: now.Add(2 * time.Hour), MaxStay: 90 * time.Minute, Seats: 1 + i%4}.Encode(key)
		require.NoError(t, err)
		size := 480 // internal/api.QRSize
		if i%3 == 2 {
			size = 300
		}
		pngBytes, err := PNG(payload, size)
		require.NoError(t, err)
		img, err := png.Decode(bytes.NewReader(pngBytes))
		require.NoError(t, err)
		name := fmt.Sprintf("%03d-%d.gray", i, size)
		require.NoError(t, os.WriteFile(filepath.Join(frames, name), greyFrame(img, width, height), 0o644))
		want[name] = payload
	}

	bundle := filepath.Join(dir, "decode.mjs")
	build := exec.Command(esbuild, filepath.Join(web, "test", "decode_tickets.ts"), "--bundle", "--platform=node",
		"--format=esm", "--log-level=warning", "--outfile="+bundle)
	build.Dir = web
	out, err := build.CombinedOutput()
	require.NoError(t, err, "esbuild: %s", out)
	wasm := filepath.Join(web, "node_modules", "zxing-wasm", "dist", "reader", "zxing_reader.wasm")
	out, err = exec.Command(node, bundle, frames, wasm, fmt.Sprint(width), fmt.Sprint(height)).Output()
	require.NoError(t, err, "node: %s", out)
	var got struct {
		Results map[string]string `json:"results"`
		MS      float64           `json:"ms"`
	}
	require.NoError(t, json.Unmarshal(out, &got))
	missed := 0
	for name, payload := range want {
		if got.Results[name] != payload {
			missed++
			t.Errorf("%s: read %q", name, got.Results[name])
		}
	}
	t.Logf("gate decoder: %d of %d tickets read, %.1f ms a frame on average", len(want)-missed, len(want), got.MS/float64(len(want)))
}

// greyFrame centres img on a white width×height frame of 8-bit grey.
func greyFrame(img image.Image, width, height int) []byte {
	b := img.Bounds()
	out := bytes.Repeat([]byte{255}, width*height)
	ox, oy := (width-b.Dx())/2, (height-b.Dy())/2
	for y := range b.Dy() {
		for x := range b.Dx() {
			out[(oy+y)*width+ox+x] = color.GrayModel.Convert(img.At(b.Min.X+x, b.Min.Y+y)).(color.Gray).Y
		}
	}
	return out
}
