package webapp

import (
	"net/http"
	"path"
	"strings"
)

// ContentSecurityPolicy is sent with every response of a web app. Only the
// server's own origin may provide scripts, styles, fonts, workers and API
// endpoints: no inline script or style, no eval, no third-party origin, so
// an injected <script> or on* attribute does not run. data: and blob:
// images are allowed for QR codes and camera snapshots drawn in the page,
// blob: media for the camera preview. The page may not be framed
// (clickjacking), <base> may not move relative URLs, forms post only here.
const ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; " +
	"img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; worker-src 'self'; " +
	"manifest-src 'self'; media-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; " +
	"form-action 'self'; object-src 'none'"

// WasmContentSecurityPolicy is ContentSecurityPolicy for an app that
// compiles WebAssembly (the gate app's QR decoder, Options.Wasm): the
// same, plus 'wasm-unsafe-eval', which lets the page compile a .wasm it
// fetched from its own origin and nothing else — JavaScript eval stays
// forbidden. The other apps keep the strict policy.
const WasmContentSecurityPolicy = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; " +
	"img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; worker-src 'self'; " +
	"manifest-src 'self'; media-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; " +
	"form-action 'self'; object-src 'none'"

// PermissionsPolicy lets the app use the camera (the gate app scans QR
// codes) and nothing else that reveals the person.
const PermissionsPolicy = "camera=(self), microphone=(), geolocation=()"

// setSecurityHeaders writes the headers every web app response carries.
func setSecurityHeaders(h http.Header, csp string) {
	h.Set("Content-Security-Policy", csp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", PermissionsPolicy)
}

// contentTypes are fixed here rather than taken from mime.TypeByExtension,
// which reads the host's /etc/mime.types: the same binary must send the
// same types everywhere (a .js served as text/plain is refused under
// nosniff).
var contentTypes = map[string]string{
	".html":        "text/html; charset=utf-8",
	".js":          "text/javascript; charset=utf-8",
	".mjs":         "text/javascript; charset=utf-8",
	".css":         "text/css; charset=utf-8",
	".json":        "application/json",
	".map":         "application/json",
	".webmanifest": "application/manifest+json",
	".svg":         "image/svg+xml",
	".txt":         "text/plain; charset=utf-8",
	".png":         "image/png",
	".jpg":         "image/jpeg",
	".jpeg":        "image/jpeg",
	".webp":        "image/webp",
	".ico":         "image/x-icon",
	".woff2":       "font/woff2",
	".woff":        "font/woff",
	".mp3":         "audio/mpeg",
	".ogg":         "audio/ogg",
	".wav":         "audio/wav",
	".wasm":        "application/wasm",
}

// compressible are the extensions worth gzipping; images, fonts and audio
// are compressed already.
var compressible = map[string]bool{
	".html": true, ".js": true, ".mjs": true, ".css": true, ".svg": true, ".json": true,
	".webmanifest": true, ".txt": true, ".map": true, ".ico": true, ".wasm": true,
}

// contentType returns the type of a file by its extension, or "" when the
// caller should sniff it.
func contentType(name string) string {
	return contentTypes[strings.ToLower(path.Ext(name))]
}

func isCompressible(name string) bool {
	return compressible[strings.ToLower(path.Ext(name))]
}

// cacheControl: bundlers put content-hashed files under assets/, whose
// URL changes with their content, so browsers may keep them for a year
// without asking. Everything else (index.html, sw.js, the manifest, icons)
// keeps its name across releases and must be revalidated each time, or a
// release would not reach people; the ETag makes that a 304.
func cacheControl(name string) string {
	if strings.HasPrefix(name, "assets/") {
		return "public, max-age=31536000, immutable"
	}
	return "no-cache"
}
