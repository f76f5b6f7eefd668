package browsertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Screenshot captures the tab's viewport as PNG (ViewportScale device
// pixels per CSS pixel) and, when path is not empty, writes it there too.
func Screenshot(ctx context.Context, path string) ([]byte, error) {
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		return nil, fmt.Errorf("browsertest: screenshot: %w", err)
	}
	if path != "" {
		if err := os.WriteFile(path, png, 0o644); err != nil {
			return nil, err
		}
	}
	return png, nil
}

// ErrNoZbar is the failure when zbarimg (Debian's zbar-tools) is missing.
var ErrNoZbar = errors.New("browsertest: zbarimg not found (install Debian's zbar-tools)")

// DecodeQR reads the QR code in a PNG image (a screenshot, or an image the
// server made) with zbarimg, an decoder independent of the one that drew
// it, and returns its payload. It fails the test when there is none or
// more than one. Without zbarimg the test is skipped (failed under CI).
func DecodeQR(t testing.TB, png []byte) string {
	t.Helper()
	zbar, err := exec.LookPath("zbarimg")
	if err != nil {
		missing(t, ErrNoZbar)
	}
	file := filepath.Join(t.TempDir(), "qr.png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(zbar, "--raw", "-q", "-Sdisable", "-Sqrcode.enable", file)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		// zbarimg exits 4 when the image holds no code.
		t.Fatalf("browsertest: no QR code read (%v): %s", err, stderr.String())
	}
	out := strings.TrimSuffix(stdout.String(), "\n")
	if strings.Contains(out, "\n") {
		t.Fatalf("browsertest: more than one QR code in the image: %q", out)
	}
	return out
}
